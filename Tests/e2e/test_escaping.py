"""Property test: hostile Unicode in query strings never escapes the
attribute it is echoed into.

An outside review found that `GET /letters?q="‍/autofocus/onfocus=…` (a quote
followed by a zero-width joiner) was written raw into `value="…"`, opening
new attributes: the template library escaped per grapheme, and a quote that
a combining mark or joiner follows is not a quote grapheme. Hypothesis
generates strings that put `<>&"'` next to combining marks, joiners,
variation selectors and keycaps; each page that echoes a query parameter
into a form field is fetched over HTTP and parsed with Python's own HTML
parser (an implementation independent of ours), which must read back:

- the echoed field with exactly the same attributes as for a harmless value,
  and its `value` exactly the submitted text (or the page's documented
  fallback);
- no event-handler or `autofocus` attribute anywhere on the page.

No browser is needed; the server is the real `wenzheng serve` on a
throw-away database. `WENZHENG_PROPERTY_EXAMPLES` sets the examples per page
(default 120; more for a local run).
"""

from __future__ import annotations

import os
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ADMIN_PASSWORD, ADMIN_USERNAME, Server, create_staff, server_binary
from wenzheng_process import Api

EXAMPLES = int(os.environ.get("WENZHENG_PROPERTY_EXAMPLES", "120"))

# Scalars that attack escaping, and scalars that glue onto them.
HOSTILE = ['"', "'", "<", ">", "&", "=", "/", " ", "a", "中", "#", ";",
           "\u0301", "\u0300", "\u200d", "\u200c", "\ufe0f", "\ufe0e", "\u20e3", "\U0001F600", "\U000E0100"]
hostile_text = st.text(alphabet=st.sampled_from(HOSTILE), min_size=1, max_size=20)

# (path, parameter, signed in as admin, fallback the page may show instead)
ECHOING_PAGES = [
    ("/letters", "q", False, None),
    ("/letters/deadline", "from", False, None),
    ("/letters/statistics", "year", False, None),
    ("/login", "next", False, "/staff"),
    ("/office/letters", "dueWithin", True, None),
    ("/admin/audit", "actor", True, None),
]


class Elements(HTMLParser):
    """Every start tag with its attributes, as the HTML parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def parse(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def field(elements, name: str) -> list[tuple[str, str | None]] | None:
    for tag, attrs in elements:
        if tag == "input" and ("name", name) in attrs:
            return attrs
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    binary = server_binary()
    workdir: Path = tmp_path_factory.mktemp("escaping")
    database = workdir / "db.sqlite"
    create_staff(binary, database, ADMIN_USERNAME, "admin")
    # Many hostile searches from one address: above the per-address search
    # limit, which has its own tests.
    server = Server(binary, database, extra=["--letter-search-limit", "100000/1m"])
    api = Api(server.base)
    api.login(ADMIN_USERNAME, ADMIN_PASSWORD)
    yield server, api
    server.stop()


def fetch(site, path: str, parameter: str, value: str, signed_in: bool) -> str:
    server, api = site
    url = f"{path}?{urllib.parse.urlencode({parameter: value})}"
    status, html = api.call("GET", url, headers={"Accept": "text/html"}) if signed_in else Api(server.base).call(
        "GET", url, headers={"Accept": "text/html"})
    assert status in (200, 422), f"GET {url} -> {status}"
    return html


@pytest.mark.parametrize("path,parameter,signed_in,fallback", ECHOING_PAGES)
def test_hostile_query_values_stay_inside_their_attribute(site, path, parameter, signed_in, fallback):
    baseline = field(parse(fetch(site, path, parameter, "abc", signed_in)), parameter)
    assert baseline is not None, f"{path} has no input named {parameter}"
    baseline_names = sorted(name for name, _ in baseline)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(hostile_text)
    def check(text: str) -> None:
        value = "/" + text if parameter == "next" else text
        elements = parse(fetch(site, path, parameter, value, signed_in))
        echoed = field(elements, parameter)
        assert echoed is not None, f"{path}: the {parameter} field is gone for {value!r}"
        assert sorted(name for name, _ in echoed) == baseline_names, (
            f"{path}: {value!r} changed the field's attributes to {echoed}")
        shown = dict(echoed).get("value")
        assert shown == value or (fallback is not None and shown == fallback), (
            f"{path}: {value!r} came back as {shown!r}")
        for tag, attrs in elements:
            for name, _ in attrs:
                assert not name.startswith("on") and name != "autofocus", (
                    f"{path}: {value!r} produced <{tag} {name}=…>")

    check()
