"""`wenzheng serve --metrics-address`: the real server scraped as Prometheus
would, on its own listener, while a viewer watches a live interview; and
docs/grafana-dashboard.json checked against what a real scrape holds.

    Tests/e2e/.venv/bin/python -m pytest -q Tests/interop/test_metrics.py
"""

from __future__ import annotations

import json
import re
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parent.parent
sys.path.insert(0, str(INTEROP_DIR))
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from interop_support import Api, Server, create_admin  # noqa: E402
from interop_support import binary  # noqa: E402, F401 - fixture
from wsraw import RawViewer  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
TYPE = re.compile(r"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def scrape(port: int) -> tuple[dict[str, str], list[tuple[str, dict[str, str], float]]]:
    """The families' types and the samples, parsed strictly: any other line fails."""
    deadline = time.monotonic() + 10
    while True:
        try:
            status, headers, text = get(f"http://127.0.0.1:{port}/metrics")
            break
        except OSError:  # the listener may still be binding just after the URL line
            assert time.monotonic() < deadline, "the metrics listener never answered"
            time.sleep(0.1)
    assert status == 200, text
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    types: dict[str, str] = {}
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("# HELP "):
            continue
        if match := TYPE.match(line):
            types[match.group(1)] = match.group(2)
            continue
        match = SAMPLE.match(line)
        assert match, f"not an exposition line: {line!r}"
        samples.append((match.group(1), dict(LABEL.findall(match.group(2) or "")), float(match.group(3))))
    return types, samples


def value(samples, name: str, **labels: str) -> float | None:
    for sample_name, sample_labels, sample_value in samples:
        if sample_name == name and sample_labels == labels:
            return sample_value
    return None


def test_metrics_listener_with_a_live_viewer(binary, tmp_path):  # noqa: F811 - fixture
    database = tmp_path / "wenzheng.sqlite"
    create_admin(binary, database)
    metrics_port = free_port()
    server = Server(binary, database, extra=["--metrics-address", f"127.0.0.1:{metrics_port}"])
    try:
        api = Api(server.base)
        api.login()
        interview = api.create_live_interview("指标测试访谈")
        viewer = RawViewer(server.port, interview)
        try:
            api.post_remark(interview, "第一条发言")
            # The viewer's replay (hello) and the remark reach its socket.
            deadline = time.monotonic() + 10
            while True:
                types, samples = scrape(metrics_port)
                delivered = value(samples, "wenzheng_live_frames_delivered_total", interview=str(interview)) or 0
                if delivered >= 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert value(samples, "wenzheng_live_viewers", interview=str(interview)) == 1
            assert delivered >= 2
            assert value(samples, "wenzheng_live_viewers_dropped_too_slow_total", interview=str(interview)) == 0
        finally:
            viewer.close()

        # Route labels are templates: the interview's id is in no route.
        routes = {labels["route"] for name, labels, _ in samples if name == "wenzheng_http_requests_total"}
        assert "/api/v1/interviews/{id}/entries" in routes, routes
        assert not any(re.search(r"/\d+(/|$)", route) for route in routes), routes
        assert value(samples, "wenzheng_http_requests_total", route="/api/v1/session", method="POST", status="200") == 1
        assert types["wenzheng_http_request_duration_seconds"] == "histogram"
        assert (value(samples, "wenzheng_database_commit_duration_seconds_count") or 0) >= 3

        # The public port has no /metrics; the metrics listener nothing else.
        assert get(server.base + "/metrics")[0] == 404
        assert get(f"http://127.0.0.1:{metrics_port}/api/v1/interviews")[0] == 404

        # Every metric the dashboard queries is in this scrape.
        dashboard = json.loads((REPO_ROOT / "docs" / "grafana-dashboard.json").read_text(encoding="utf-8"))
        assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
        expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
        used = {name for expr in expressions for name in re.findall(r"\bwenzheng_[a-z0-9_]+", expr)}
        assert len(used) >= 10, used
        scraped = {name for name, _, _ in samples}
        missing = sorted(used - scraped)
        assert not missing, f"the dashboard queries metrics no scrape has: {missing}"
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
    finally:
        server.stop()
