"""Issue 14: the script-injection corpus (Tests/e2e/xss_payloads.py),
submitted through every user-written field and viewed in real chromium on
every page that shows it.

Fields: letter subject and body, interview question and nickname, survey
text answer, consultation comment (and its nickname), event registration
name; and GET query strings that pages echo into form fields.

Pages: the public interview and consultation pages, the moderation
console, the host console, the office dashboard and letter pages, the
staff event page (attendees), the staff and public survey results, five
pages that echo a query value into an input, and the exported HTML
transcript opened from a file (no Content-Security-Policy at all there).
Also text that arrives while a page is open (a moderation card, a
viewer's transcript entry) and forms that come back after a refused
submission with what was typed.

After each page has loaded: `window.__xss`, which every payload tries to
set, is still unset; no alert is open; and every payload that was
submitted for that page is on it as text (so the test cannot pass by the
text being dropped or masked away).

The whole walk runs twice: once as served, with the Content-Security-
Policy, which is checked to allow no inline script; and once with
chromium told to ignore CSP (DevTools `Page.setBypassCSP`), so escaping
alone is proven. A control in each run injects an inline handler into the
page: it must be blocked with CSP and run without it, so both the switch
and the hook are shown to work.

CI runs a bounded number of submissions for the short fields (nickname,
subject, registration name); WENZHENG_XSS_FULL=1 submits every payload
that fits through every short field.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import unicodedata
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from selenium.webdriver.support import expected_conditions as EC

from conftest import ZH, Api, by_testid, marker, shot, sign_in_via_page, start_chrome, submit_and_wait, wait, wait_for_page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "support"))
from wenzheng_process import Api as PublicClient  # noqa: E402

from xss_payloads import ACUTE, CORPUS, QUERY_CORPUS, fitting, pack  # noqa: E402

FULL = os.environ.get("WENZHENG_XSS_FULL") == "1"
# Submissions per short field in CI; all of them with WENZHENG_XSS_FULL=1.
SHORT_SUBMISSIONS = None if FULL else 3

ALL_PAYLOADS = [payload for _, payload in CORPUS]


# Pages that echo a query value into an input (docs/security.md [1]).
ECHOED_QUERIES = [
    ("letters?q=", "q"),
    ("letters/deadline?from=", "from"),
    ("letters/statistics?year=", "year"),
    ("office/letters?dueWithin=", "dueWithin"),
    ("admin/audit?actor=", "actor"),
]


def limited(values: list[str]) -> list[str]:
    return values if SHORT_SUBMISSIONS is None else values[:SHORT_SUBMISSIONS]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def approve_all(api: Api, kind: str, tag: str) -> None:
    items = api.get(f"/api/v1/moderation/items?kind={kind}&limit=1000")["items"]
    for item in items:
        if tag in item["text"] or tag in json.dumps(item, ensure_ascii=False):
            api.post(f"/api/v1/moderation/items/{item['id']}/decision", {"action": "approve"})


class Seeded:
    """What was submitted, and where each page should show it."""

    def __init__(self) -> None:
        self.pages: list[tuple[str, str, list[str]]] = []  # (name, url or path, expected texts)
        self.transcript_path = ""
        self.transcript_html: bytes = b""
        self.transcript_expected: list[str] = []
        self.tag = ""
        self.subjects: list[str] = []
        self.letter_ids: list[int] = []  # office ids of the letters this test sent


@pytest.fixture(scope="module")
def seeded(server) -> Seeded:
    api = Api(server)
    tag = marker()
    now = datetime.now(timezone.utc)
    seeded = Seeded()

    # Interview questions: all payloads in the texts (500 characters each),
    # the short ones as nicknames. Each from a fresh client (browser key).
    interview_id = api.create_interview(f"XSS 访谈 {tag}", status="live")
    # A nickname is the author's name, which publication masks wherever it
    # recurs in the text: the texts carry the other payloads.
    nicknames = limited(fitting(20, single_line=True))
    others = [payload for payload in ALL_PAYLOADS if payload not in nicknames]
    texts = pack(others, 500 - len(tag) - 1, "\n")
    questions = []
    for index in range(max(len(texts), len(nicknames))):
        text = tag + "\n" + texts[index % len(texts)]
        nickname = nicknames[index % len(nicknames)]
        citizen = PublicClient(server.url.rstrip("/"))
        citizen.request("POST", f"/api/v1/interviews/{interview_id}/questions", {"text": text, "nickname": nickname},
                        expect=(200, 201))
        questions.append((text, nickname))
    question_texts = [p for t in texts for p in t.split("\n")]

    # Consultation comments: all payloads in comments (2,000 each), the
    # short ones as nicknames.
    created = api.post("/api/v1/consultations", {
        "draft": "第一条　为了规范测试工作，制定本办法。\n第二条　本办法自发布之日起施行。",
        "title": f"XSS 征求意见 {tag}",
        "draftingExplanation": "测试。",
        "opensAt": iso(now - timedelta(hours=1)),
        "closesAt": iso(now + timedelta(days=30)),
    })
    consultation_id = created["id"]
    api.post(f"/api/v1/consultations/{consultation_id}/split/confirm")
    api.post(f"/api/v1/consultations/{consultation_id}/open")
    comments = pack(others, 2000 - len(tag) - 1, "\n")
    for index in range(max(len(comments), len(nicknames))):
        citizen = PublicClient(server.url.rstrip("/"))
        citizen.request("POST", f"/api/v1/consultations/{consultation_id}/comments",
                        {"text": tag + "\n" + comments[index % len(comments)], "nickname": nicknames[index % len(nicknames)]},
                        expect=(200, 201))

    # Survey: a long text answer carrying every payload. Text answers go
    # to moderation when the survey closes.
    survey = api.post("/api/v1/surveys", {
        "title": f"XSS 调查 {tag}", "introduction": "测试。", "mode": "open", "isAnonymous": True,
        "opensAt": iso(now - timedelta(hours=1)), "closesAt": iso(now + timedelta(days=1)),
        "questions": [{"key": "t", "prompt": "意见", "isRequired": True, "kind": {"type": "long_text"}}],
    })
    survey_id = survey["id"]
    api.post(f"/api/v1/surveys/{survey_id}/state", {"state": "open"})
    survey_text = tag + "\n" + "\n".join(ALL_PAYLOADS)
    PublicClient(server.url.rstrip("/")).request("POST", f"/api/v1/surveys/{survey_id}/responses",
                                                  {"answers": {"t": {"text": survey_text}}}, expect=(200, 201))
    api.post(f"/api/v1/surveys/{survey_id}/state", {"state": "closed"})

    # Letters: every payload in the body, the short ones in subjects.
    subjects = limited(pack(fitting(100 - len(tag) - 1, single_line=True), 100 - len(tag) - 1))
    numbers = set()
    for index, subject in enumerate(subjects):
        receipt = PublicClient(server.url.rstrip("/")).request("POST", "/api/v1/letters", {
            "type": "suggestion", "subject": tag + " " + subject, "body": "\n".join(ALL_PAYLOADS),
            "authorName": "张三", "phone": f"1381234{5670 + index:04d}",
        }, expect=(200, 201))
        numbers.add(receipt["number"])
    # The office pages are by id: find this test's letters by their numbers
    # (the office list has no text search; other tests' letters share it).
    listed = api.get("/api/v1/office/letters?limit=200")["letters"]
    seeded.letter_ids = [letter["id"] for letter in listed if letter["number"] in numbers]
    assert len(seeded.letter_ids) == len(numbers), "the office list should hold every letter this test sent"

    # Event registrations: the names.
    event = api.post("/api/v1/events", {
        "title": f"XSS 开放日 {tag}", "programme": "参观", "location": "南京",
        "start": iso(now + timedelta(days=2)), "durationMinutes": 60, "capacity": 50,
    })
    names = limited(pack(fitting(40, single_line=True), 40))
    for index, name in enumerate(names):
        PublicClient(server.url.rstrip("/")).request("POST", f"/api/v1/events/{event['id']}/registrations", {
            "name": name, "phone": f"1390013{8000 + index:04d}", "partySize": 1,
        }, expect=(200, 201))

    # The moderation console (all states: it is viewed after the decisions).
    pending = question_texts + nicknames + [p for c in comments for p in c.split("\n")] + ALL_PAYLOADS
    seeded.pages.append(("moderation", "moderation?state=all&limit=200", sorted(set(pending))))

    approve_all(api, "question", tag)
    approve_all(api, "comment", tag)
    approve_all(api, "survey_answer", tag)
    api.post(f"/api/v1/surveys/{survey_id}/state", {"state": "results_published"})

    # Every question goes on air in turn, so it is in the transcript.
    public = api.get(f"/api/v1/interviews/{interview_id}/questions")
    listed = public.get("questions", public.get("items", []))
    for question in listed:
        api.post(f"/api/v1/interviews/{interview_id}/questions/{question['id']}/on-air")
    api.set_status(interview_id, "ended")

    # Public pages show a nickname masked like any author's name
    # ("<*******"), so there only the texts are looked for; the consoles
    # show nicknames as written.
    seeded.pages += [
        ("interview-public", f"interviews/{interview_id}", question_texts),
        ("host-console", f"staff/interviews/{interview_id}", question_texts),
        ("consultation-public", f"consultations/{consultation_id}", others),
        ("office-dashboard", "office/dashboard", [p for s in subjects for p in s.split(" | ")]),
        ("staff-event", f"staff/events/{event['id']}", [p for n in names for p in n.split(" | ")]),
        ("survey-results-staff", f"staff/surveys/{survey_id}/results", ALL_PAYLOADS),
        ("survey-results-public", f"surveys/{survey_id}/results", ALL_PAYLOADS),
    ]
    seeded.transcript_path = f"interviews/{interview_id}/transcript.html"
    with urllib.request.urlopen(server.url + seeded.transcript_path, timeout=10) as response:
        seeded.transcript_html = response.read()
        transcript_policy = response.headers.get("Content-Security-Policy")
    # The download's own policy: it is opened from a file, where no policy
    # applies, but served it runs nothing either.
    assert_no_inline_script(transcript_policy, "transcript.html")
    assert "sandbox" in transcript_policy
    seeded.transcript_expected = question_texts
    seeded.tag = tag
    seeded.subjects = subjects
    return seeded


def page_text(driver: WebDriver) -> str:
    return driver.execute_script("return document.body ? document.body.innerText : ''")


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def check_page(driver: WebDriver, name: str, expected: list[str]) -> None:
    wait_for_page(driver)
    time.sleep(0.3)  # an image's onerror or a socket's first message
    assert driver.execute_script("return window.__xss") is None, f"{name}: a payload ran (window.__xss is set)"
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"{name}: an alert is open: {text!r}")
    except NoAlertPresentException:
        pass
    # The server stores text in NFC (`<` + U+0338 becomes `≮`), and a page
    # may collapse white space (a tab is shown as a space).
    text = normalized(page_text(driver))
    missing = [payload for payload in expected if normalized(payload) not in text]
    assert not missing, f"{name}: {len(missing)} payloads are not shown as text, e.g. {missing[:3]!r}; the page says {text[:600]!r}"


def csp_of(server, path: str, cookie_api: Api) -> str | None:
    request = urllib.request.Request(server.url + path)
    opener = cookie_api._opener()
    with opener.open(request, timeout=10) as response:
        return response.headers.get("Content-Security-Policy")


def assert_no_inline_script(policy: str | None, name: str) -> None:
    assert policy, f"{name}: no Content-Security-Policy"
    directives = {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}
    sources = directives.get("script-src", directives.get("default-src"))
    assert sources is not None, f"{name}: the policy limits no scripts: {policy}"
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources and "*" not in sources, policy
    assert "'unsafe-hashes'" not in sources, policy


def control(driver: WebDriver, *, bypass: bool) -> None:
    """An inline handler injected after load: blocked by the CSP, run
    without it. Proves the hook can be set and the switch works."""
    driver.execute_script(
        "document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.__xss=1\">')")
    time.sleep(0.3)
    value = driver.execute_script("return window.__xss")
    if bypass:
        assert value == 1, "with CSP bypassed an injected inline handler did not run: the control is broken"
    else:
        assert value is None, "an injected inline handler ran despite the Content-Security-Policy"


@pytest.mark.parametrize("mode", ["csp", "no-csp"])
def test_no_payload_runs(mode: str, seeded: Seeded, server, tmp_path: Path) -> None:
    bypass = mode == "no-csp"
    driver = start_chrome()
    try:
        if bypass:
            driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
        sign_in_via_page(driver, server, "admin", name=f"xss-{mode}-login")
        api = Api(server)

        for name, path, expected in seeded.pages:
            driver.get(server.url + path)
            shot(driver, f"xss-{mode}-{name}")
            check_page(driver, f"{mode}/{name}", expected)
            if not bypass:
                assert_no_inline_script(csp_of(server, path, api), name)

        # The office letter page of each seeded letter: subject and body.
        for index, letter_id in enumerate(seeded.letter_ids):
            path = f"office/letters/{letter_id}"
            driver.get(server.url + path)
            check_page(driver, f"{mode}/office-letter", ALL_PAYLOADS)
            if index == 0:
                shot(driver, f"xss-{mode}-office-letter")
                if not bypass:
                    assert_no_inline_script(csp_of(server, path, api), "office-letter")

        # Query strings that pages echo into a form field: the field must
        # hold exactly the value (its attribute as written, since a date or
        # number input's property drops what it cannot parse).
        for name, payload in QUERY_CORPUS:
            for path, field in ECHOED_QUERIES:
                driver.get(server.url + path + urllib.parse.quote(payload))
                check_page(driver, f"{mode}/{path}{name}", [])
                values = driver.execute_script(
                    "return [...document.getElementsByName(arguments[0])].map(e => e.getAttribute('value'))", field)
                assert payload in values, f"{mode}/{path}{name}: the input does not hold the value: {values!r}"

        # The exported transcript, opened from a file: it has no CSP of its own.
        exported = tmp_path / "transcript.html"
        exported.write_bytes(seeded.transcript_html)
        driver.get(exported.as_uri())
        check_page(driver, f"{mode}/transcript-export", seeded.transcript_expected)
        shot(driver, f"xss-{mode}-transcript-export")

        # Last, the control (it sets the hook on purpose).
        driver.get(server.url + seeded.pages[0][1])
        wait_for_page(driver)
        control(driver, bypass=bypass)
    finally:
        driver.quit()


def test_the_checks_catch_a_payload_that_runs_or_is_dropped(desktop_driver: WebDriver, tmp_path: Path) -> None:
    """The page check itself: a page that runs a payload on load, and one
    that drops the payload's text, both fail it."""
    page = tmp_path / "runs.html"
    page.write_text("<!doctype html><body><p>x</p><img src=x onerror=\"window.__xss=1\"></body>", encoding="utf-8")
    desktop_driver.get(page.as_uri())
    with pytest.raises(AssertionError, match="a payload ran"):
        check_page(desktop_driver, "self-test", [])
    page.write_text("<!doctype html><body><p>&lt;svg onload=__xss=1&gt;</p></body>", encoding="utf-8")
    desktop_driver.get(page.as_uri())
    check_page(desktop_driver, "self-test", ["<svg onload=__xss=1>"])
    with pytest.raises(AssertionError, match="not shown as text"):
        check_page(desktop_driver, "self-test", ["<img src=x onerror=__xss=1>"])


@pytest.mark.parametrize("mode", ["csp", "no-csp"])
def test_no_payload_runs_when_it_arrives_live(mode: str, server) -> None:
    """The two pages that add text while open: the moderation console
    inserts each new card (HTML the server renders) as it arrives, and a
    viewer's transcript adds each question put on air (interview.js)."""
    bypass = mode == "no-csp"
    api = Api(server)
    tag = marker()
    interview_id = api.create_interview(f"XSS 直播 {tag}", status="live")
    others = [payload for payload in ALL_PAYLOADS if payload not in fitting(20, single_line=True)]
    text = tag + "\n" + pack(others, 500 - len(tag) - 1, "\n")[0]
    expected = text.split("\n")
    moderator, viewer = start_chrome(), start_chrome()
    try:
        for driver in (moderator, viewer):
            if bypass:
                driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
        sign_in_via_page(moderator, server, "admin", name=f"xss-live-{mode}-login")
        moderator.get(server.url + "moderation")
        wait(moderator).until(EC.text_to_be_present_in_element(by_testid("live-status"), ZH["moderation"]["liveOn"]),
                              "the moderation console never connected live")
        moderator.execute_script("window.__marker = 1")
        viewer.get(f"{server.url}interviews/{interview_id}")
        wait(viewer).until(lambda d: "on" in d.find_element(*by_testid("live-status")).get_attribute("class").split(),
                           "the viewer's page never connected live")
        viewer.execute_script("window.__marker = 1")

        PublicClient(server.url.rstrip("/")).request(
            "POST", f"/api/v1/interviews/{interview_id}/questions", {"text": text, "nickname": "<svg onload=__xss=1>"},
            expect=(200, 201))
        wait(moderator).until(lambda d: tag in page_text(d), "the question never reached the open console")
        assert moderator.execute_script("return window.__marker") == 1, "the console reloaded instead"
        check_page(moderator, f"{mode}/moderation-live", expected)
        shot(moderator, f"xss-{mode}-moderation-live")

        # Approved, it is in the host console's queue with its nickname,
        # masked like any author's name: its first character and stars,
        # as text.
        approve_all(api, "question", tag)
        moderator.get(f"{server.url}staff/interviews/{interview_id}")
        check_page(moderator, f"{mode}/host-console-queue", expected + ["<" + "*" * 19])
        question = next(q for q in api.get(f"/api/v1/interviews/{interview_id}/questions")["questions"] if tag in q["text"])
        api.post(f"/api/v1/interviews/{interview_id}/questions/{question['id']}/on-air")
        wait(viewer).until(lambda d: tag in d.find_element(*by_testid("transcript")).text,
                           "the on-air question never reached the viewer")
        assert viewer.execute_script("return window.__marker") == 1, "the viewer's page reloaded instead"
        check_page(viewer, f"{mode}/viewer-live", expected)
        shot(viewer, f"xss-{mode}-viewer-live")
    finally:
        moderator.quit()
        viewer.quit()
        api.set_status(interview_id, "ended")


def fill_and_submit(driver: WebDriver, form_testid: str, values: dict[str, str]) -> None:
    """Sets the form's fields by script (exact text, past the browser's
    own length limits and `required`) and sends it."""
    form = driver.find_element(*by_testid(form_testid))
    driver.execute_script(
        "const [form, values] = arguments;"
        "for (const [name, value] of Object.entries(values)) form.elements[name].value = value;"
        "form.noValidate = true;", form, values)
    submit_and_wait(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def field_values(driver: WebDriver, form_testid: str) -> dict[str, str]:
    return driver.execute_script(
        "const form = document.querySelector(`[data-testid=\"${arguments[0]}\"]`);"
        "return Object.fromEntries([...form.elements].filter(e => e.name).map(e => [e.name, e.value]));", form_testid)


@pytest.mark.parametrize("mode", ["csp", "no-csp"])
def test_no_payload_runs_when_a_refused_form_comes_back(mode: str, server) -> None:
    """A refused submission comes back with what was typed in its fields:
    the question form (text too long), the comment form (text too short)
    and the letter form (a body past 5,000 characters)."""
    api = Api(server)
    tag = marker()
    interview_id = api.create_interview(f"XSS 表单 {tag}", status="open")
    now = datetime.now(timezone.utc)
    consultation = api.post("/api/v1/consultations", {
        "draft": "第一条　为了规范测试工作，制定本办法。\n第二条　本办法自发布之日起施行。",
        "title": f"XSS 表单 {tag}", "draftingExplanation": "测试。",
        "opensAt": iso(now - timedelta(hours=1)), "closesAt": iso(now + timedelta(days=30)),
    })
    api.post(f"/api/v1/consultations/{consultation['id']}/split/confirm")
    api.post(f"/api/v1/consultations/{consultation['id']}/open")
    nickname = fitting(20, single_line=True)[1]     # '"' + ZWJ + ' onfocus=…'
    long_text = "\n".join(ALL_PAYLOADS)              # past 500 characters
    subject = f'"{ACUTE}><svg onload=__xss=1> {tag}'
    cases = [
        (f"interviews/{interview_id}", "ask-form", {"text": long_text, "nickname": nickname}),
        (f"consultations/{consultation['id']}", "comment-form-draft", {"text": "<", "nickname": nickname}),
        ("letters/new", "letter-form", {"subject": subject, "body": "\n".join(ALL_PAYLOADS * 5),
                                        "authorName": nickname[:2] + "张三"}),
    ]
    assert len(long_text) > 500 and len(cases[2][2]["body"]) > 5000
    driver = start_chrome()
    try:
        if mode == "no-csp":
            driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
        for path, form, values in cases:
            driver.get(server.url + path)
            wait_for_page(driver)
            fill_and_submit(driver, form, values)
            check_page(driver, f"{mode}/{form}-refused", [])
            shot(driver, f"xss-{mode}-{form}-refused")
            echoed = field_values(driver, form)
            for name, value in values.items():
                assert echoed.get(name, "").replace("\r\n", "\n") == value, \
                    f"{mode}/{form}: {name} came back as {echoed.get(name)!r}, not {value!r}"
    finally:
        driver.quit()
