"""Schemathesis against the served OpenAPI document (issue 14, "API fuzzing").

Runs the built `wenzheng serve` on a throw-away database, loads
/api/v1/openapi.json from it and, for every operation in it, sends
generated requests (valid ones and ones that break the schema) anonymously
and signed in as each staff role, with that session's cookie and its CSRF
token in X-CSRF-Token. Every response must:

- not be a 5xx (`not_a_server_error`);
- have a status the document lists for that operation
  (`status_code_conformance`), a documented content type
  (`content_type_conformance`), documented headers
  (`response_headers_conformance`), and a body that validates against the
  documented schema (`response_schema_conformance`);
- refuse a request the schema calls invalid with a 4xx
  (`negative_data_rejection`; 413 counts);
- name no Swift type in a problem's title, detail or field messages
  (`no_swift_type_names`, below).

One record of each kind is created first and paths with `{id}` also get
valid cases about id 1, so requests get past 404 to the handlers' rules.

The per-address limits are raised for this server so that 429 does not
hide every later answer; the document must still list 429 where it can
occur, and the checks accept it only there.

Bounded by default (CI: about 135 s and 10,800 requests on 2 cores):
WENZHENG_FUZZ_EXAMPLES examples per operation and identity (default 16). WENZHENG_FUZZ_EXAMPLES=200
is the long local mode. The run is seeded (WENZHENG_FUZZ_SEED, default
14) and the seed is printed, so a CI failure replays locally.
WENZHENG_FUZZ_ROLES=anonymous,admin limits the identities, for a quick look.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest
# Tests/e2e/requirements.txt pins Schemathesis; a missing package fails
# collection rather than skipping the fuzzer unnoticed.
import requests  # installed with schemathesis
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from interop_support import Api, Server, binary  # noqa: F401  (binary is a fixture)
from wenzheng_process import ADMIN_PASSWORD, HarnessError, create_user  # noqa: E402  (on the path interop_support sets)

EXAMPLES = int(os.environ.get("WENZHENG_FUZZ_EXAMPLES", "16"))
SEED = int(os.environ.get("WENZHENG_FUZZ_SEED", "14"))
ROLES = ("admin", "moderator", "host", "guest", "handler", "reviewer")
IDENTITIES = ("anonymous",) + ROLES
SELECTED = tuple(name.strip() for name in os.environ.get("WENZHENG_FUZZ_ROLES", ",".join(IDENTITIES)).split(","))

# The account the fuzzer may disable and enable: a generated username could
# otherwise be one of the fuzzing accounts and end its own session.
TARGET_USER = "fuzz-target"

# Words of Swift's own type names and errors, which describe our code
# rather than the request and must never reach a client.
SWIFT_TYPE_NAME = re.compile(r"\b(?:String|Int(?:8|16|32|64)?|UInt(?:8|16|32|64)?|Double|Float|Bool|Character|Decimal"
                             r"|Dictionary<|Array<|Optional<|Set<|Swift\.|Foundation\.|DecodingError|CodingKeys)\b|<Any>")


def no_swift_type_names(ctx, response, case) -> None:
    """A problem's title, detail and field messages speak of the request,
    never of a Swift type."""
    if not response.headers.get("content-type", [""])[0].startswith("application/problem+json"):
        return None
    problem = response.json()
    texts = [problem.get("title", ""), problem.get("detail", "")]
    texts += [error.get("message", "") for error in problem.get("errors") or []]
    for text in texts:
        match = SWIFT_TYPE_NAME.search(text or "")
        if match:
            raise AssertionError(f"the problem names the Swift type {match.group(0)!r}: {text}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, no_swift_type_names]

# Raised so that the rate limits answer 429 only rarely during the run
# (each is still documented where it can occur; the checks would catch a
# 429 where it is not).
GENEROUS_LIMITS = [
    "--question-limit-per-browser", "100000/1m", "--question-limit-per-address", "100000/1m",
    "--vote-limit-per-address", "100000/1m", "--vote-limit-per-question", "100000/1m",
    "--letter-limit-per-address", "100000/1m", "--letter-search-limit", "100000/1m",
    "--survey-answer-limit", "100000/1m", "--consultation-comment-limit", "100000/1m",
    "--event-registration-limit", "100000/1m", "--event-code-limit", "100000/1m",
    "--sign-in-free-failures-per-address", "100000", "--letter-query-free-failures-per-address", "100000",
    "--costly-work-queue", "10000", "--letter-limit-per-browser", "100000/1m",
    # The refusals that remain are answered at once: held 1 s each they
    # would add minutes to a run that checks their shape, not their timing.
    "--refusal-delay-ms", "0",
]


@pytest.fixture(scope="module")
def fuzz_server(binary: Path, tmp_path_factory) -> Server:
    folder = tmp_path_factory.mktemp("api-fuzz")
    database = folder / "wenzheng.sqlite"
    try:
        for role in ROLES:
            create_user(binary, database, f"fuzz-{role}", ADMIN_PASSWORD, role)
        create_user(binary, database, TARGET_USER, ADMIN_PASSWORD, "guest")
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)
    server = Server(binary, database, extra=GENEROUS_LIMITS)
    seed_records(server)
    yield server
    code = server.stop()
    assert code == 0, f"the server did not stop cleanly ({code}):\n{server.output()[-4000:]}"


def seed_records(server: Server) -> None:
    """One of each kind of record, so that id 1 exists and the fuzzer's
    requests reach the handlers' rules rather than stopping at 404: a live
    interview with a remark and a question, an open day, a consultation
    open for comment and a letter."""
    admin = Api(server.base)
    admin.login("fuzz-admin", ADMIN_PASSWORD)
    interview = admin.create_live_interview("接口模糊测试访谈")
    admin.post_remark(interview, "主持人：欢迎收看。")
    admin.request("POST", "/api/v1/events", {
        "title": "接口模糊测试开放日", "programme": "参观", "location": "南京市北京西路28号",
        "start": "2027-06-01T01:30:00Z", "durationMinutes": 90, "capacity": 20,
    }, expect=201)
    consultation = admin.request("POST", "/api/v1/consultations", {
        "draft": "第一条　为了规范测试工作，制定本办法。\n第二条　本办法自发布之日起施行。",
        "title": "接口模糊测试征求意见", "draftingExplanation": "测试。",
        "opensAt": "2026-01-01T00:00:00Z", "closesAt": "2027-12-31T00:00:00Z",
    }, expect=201)["id"]
    admin.request("POST", f"/api/v1/consultations/{consultation}/split/confirm")
    admin.request("POST", f"/api/v1/consultations/{consultation}/open")
    citizen = Api(server.base)
    citizen.request("POST", f"/api/v1/interviews/{interview}/questions", {"text": "请问法律援助怎么申请？"}, expect=201)
    citizen.request("POST", "/api/v1/letters", {
        "type": "complaint", "subject": "路灯不亮", "authorName": "张三", "phone": "13812345678", "mayPublish": True,
        "body": "小区门口的路灯坏了三个月，我住幸福小区3号楼。",
    }, expect=201)


@pytest.fixture(scope="module")
def api_schema(fuzz_server: Server):
    # Loaded from the served document as data: loaded from its URL,
    # Schemathesis leaves out the operation that serves it.
    served = requests.get(fuzz_server.base + "/api/v1/openapi.json", timeout=15)
    assert served.status_code == 200, f"GET /api/v1/openapi.json -> {served.status_code}"
    schema = schemathesis.openapi.from_dict(served.json())
    schema.config.update(base_url=fuzz_server.base)
    # A body over the size limit is refused before it is read (413): that
    # is a rejection too.
    rejection = schema.config.checks.negative_data_rejection
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[*rejection.expected_statuses, "413"])
    return schema


class Identity:
    """A requests session: anonymous, or signed in as a role with its CSRF token."""

    def __init__(self, base: str, role: str | None) -> None:
        self.base = base
        self.role = role
        self.session = requests.Session()
        self.csrf: str | None = None
        if role is not None:
            self.sign_in()

    def sign_in(self) -> None:
        response = self.session.post(self.base + "/api/v1/session",
                                     json={"username": f"fuzz-{self.role}", "password": ADMIN_PASSWORD}, timeout=15)
        assert response.status_code == 200, f"signing in as fuzz-{self.role}: {response.status_code} {response.text}"
        self.csrf = response.json()["csrfToken"]
        # The cookie goes with each case as a fixed value instead of from
        # the jar: a case that leaves it out on purpose (negative mode) must
        # really go without it.
        self.cookie = self.session.cookies["wz_session"]
        self.session.cookies.clear()

    def headers(self) -> dict[str, str] | None:
        return {"X-CSRF-Token": self.csrf} if self.csrf else None

    def cookies(self) -> dict[str, str] | None:
        return {"wz_session": self.cookie} if self.role is not None else None


def fuzz_operation(operation, identity: Identity, statuses: Counter) -> list[str]:
    """Runs the generated cases of one operation, counting the answers'
    statuses; returns the failures (Schemathesis' report with a curl line)."""
    path_parameters = {"username": TARGET_USER} if "{username}" in operation.path else {}
    headers, cookies = identity.headers(), identity.cookies()
    strategies = [operation.as_strategy(mode, headers=headers, cookies=cookies, path_parameters=path_parameters or None)
                  for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)]
    if "{id}" in operation.path:
        # Valid requests about the seeded records too: random ids are
        # almost all 404.
        strategies.append(operation.as_strategy(schemathesis.GenerationMode.POSITIVE, headers=headers, cookies=cookies,
                                                path_parameters={**path_parameters, "id": 1}))

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False, print_blob=False,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(*strategies))
    def run(case) -> None:
        try:
            response = case.call(session=identity.session, timeout=30)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
        finally:
            # Signing out, generated or not, ends the session the rest of the
            # run needs: sign in again.
            if identity.role is not None and operation.method.upper() == "DELETE" and operation.path == "/api/v1/session":
                identity.sign_in()

    try:
        run()
    except BaseException as error:  # noqa: BLE001  (a failed check, or a group of them)
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return [f"{operation.label} as {identity.role or 'anonymous'}:\n{str(error)[:3000]}"]
    return []


@pytest.mark.parametrize("identity_name", [name for name in IDENTITIES if name in SELECTED])
def test_every_operation_conforms(fuzz_server: Server, api_schema, identity_name: str) -> None:
    identity = Identity(fuzz_server.base, None if identity_name == "anonymous" else identity_name)
    started = time.monotonic()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    failures: list[str] = []
    statuses: Counter = Counter()
    for operation in operations:
        failures += fuzz_operation(operation, identity, statuses)
    answers = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"\nAPI fuzz as {identity_name}: seed {SEED}, {len(operations)} operations, {sum(statuses.values())} requests "
          f"({answers}), {EXAMPLES} examples each, {time.monotonic() - started:.1f} s")
    assert fuzz_server.alive(), f"the server died:\n{fuzz_server.output()[-4000:]}"
    assert not failures, (f"{len(failures)} of {len(operations)} operations failed as {identity_name} "
                          f"(seed {SEED}):\n\n" + "\n\n".join(failures))
