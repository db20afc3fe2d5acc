"""Two server nodes sharing one live interview over PostgreSQL (issue 16).

Two `wenzheng serve --database postgres://…` processes on one database,
followed by libwebsockets viewers (Tests/interop/lws_viewer.c, which
checks every sequenced frame arrives once and in order):

1. Viewers on node B follow entries posted on node A (and on B itself):
   what A commits reaches B's room through PostgreSQL's change notices.
2. Node B is killed with SIGKILL while entries are posted on both nodes;
   its viewers reconnect to node A with `since=` their last seq and get
   exactly what they missed: their two logs join without gap or overlap.
3. Every post that got 201 on either node is in the transcript exactly
   once, and the transcript's seqs run 1..last without a gap.

Needs a PostgreSQL server to create a database in: WENZHENG_TEST_POSTGRES_URL
(`script/with-postgres` starts a throwaway cluster and sets it). Without it
the test is skipped, but under CI (env CI set) it fails. About 30 s.

    script/with-postgres Tests/e2e/.venv/bin/python -m pytest -q Tests/interop/test_two_nodes.py
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parent.parent
sys.path.insert(0, str(INTEROP_DIR))
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from interop_support import Api, ViewerRun  # noqa: E402
from interop_support import binary, viewer  # noqa: E402, F401 - fixtures
from wenzheng_process import HarnessError  # noqa: E402
from wenzheng_postgres import Node, create_database, create_user_in, drop_database, postgres_url  # noqa: E402

VIEWERS_ON_B = 4
FOLLOW_POSTS = 30
KILL_POSTS_ON_A = 60
VIEWER_TIMEOUT = 40


@pytest.fixture
def shared_database(tmp_path):
    """A fresh database in the test cluster, dropped afterwards."""
    server_url = postgres_url()
    if server_url is None:
        reason = ("WENZHENG_TEST_POSTGRES_URL is not set: two nodes need a PostgreSQL server "
                  "(run under script/with-postgres)")
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must run this test", pytrace=False)
        pytest.skip(reason)
    try:
        name, url = create_database(server_url)
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)
        raise  # not reached: pytest.fail raises
    yield url
    drop_database(server_url, name)


def start_node(binary_path: Path, url: str, directory: Path, name: str) -> Node:
    try:
        return Node(binary_path, url, directory, name=name)
    except HarnessError as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


class Poster(threading.Thread):
    """Posts numbered remarks to one node until told to stop or the node
    stops answering; records what was answered 201 and what was in flight
    when the connection died."""

    def __init__(self, api: Api, interview: int, prefix: str, limit: int, pause: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.api, self.interview, self.prefix, self.limit, self.pause = api, interview, prefix, limit, pause
        self.answered: dict[int, str] = {}
        self.in_flight: list[str] = []
        self.refused: list[tuple[int, str]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        for index in range(self.limit):
            if self.stopping.is_set():
                return
            body = f"{self.prefix} {index}"
            try:
                status, text = self.api.call("POST", f"/api/v1/interviews/{self.interview}/entries",
                                             {"kind": "remark", "body": body})
            except OSError:
                self.in_flight.append(body)
                return
            if status != 201:
                self.refused.append((status, text[:300]))
                return
            self.answered[int(json.loads(text)["seq"])] = body
            time.sleep(self.pause)


def logged_seqs(run: ViewerRun) -> list[int]:
    """The seqs a viewer logged so far (it may be writing a line now)."""
    if run.log is None or not run.log.exists():
        return []
    seqs = []
    for line in run.log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            frame = json.loads(line)
        except ValueError:
            continue
        if isinstance(frame, dict) and "seq" in frame:
            seqs.append(frame["seq"])
    return seqs


def test_two_nodes_share_a_live_interview(binary, viewer, shared_database, tmp_path):
    started = time.monotonic()
    # A migrates the empty database; B finds it migrated.
    node_a = start_node(binary, shared_database, tmp_path / "a", "node A")
    node_b = None
    try:
        create_user_in(binary, shared_database, tmp_path)
        node_b = start_node(binary, shared_database, tmp_path / "b", "node B")
        api_a, api_b = Api(node_a.base), Api(node_b.base)
        api_a.login()
        # The session lives in the shared database: B knows it too, but a
        # second sign-in keeps the two clients' cookies apart.
        api_b.login()
        interview = api_a.create_live_interview("两个节点的在线访谈")

        # 1. Viewers on B follow what A posts (and what B posts).
        start = ViewerRun(viewer, node_b.port, interview, 0, until_seq=0, timeout=15)
        opened = start.wait_for_hello()
        start.expect_success(1, 0)
        target = opened + FOLLOW_POSTS
        followers = [ViewerRun(viewer, node_b.port, interview, opened, until_seq=target, timeout=VIEWER_TIMEOUT,
                               linger=1.0, log=tmp_path / f"follow-{index}.jsonl") for index in range(VIEWERS_ON_B)]
        for run in followers:
            run.wait_for_hello()
        posted: dict[int, str] = {}
        for index in range(FOLLOW_POSTS):
            api = api_a if index % 3 else api_b
            body = f"跟随 {index} 在{'A' if index % 3 else 'B'}"
            posted[api.post_remark(interview, body)] = body
        assert sorted(posted) == list(range(opened + 1, target + 1)), f"seqs the API returned: {sorted(posted)}"
        for run in followers:
            run.expect_success(opened + 1, target)
            bodies = {frame["seq"]: frame["entry"]["body"] for frame in run.sequenced() if frame.get("type") == "entry"}
            assert bodies == posted, f"a viewer on B saw other entries than were posted\n{run.describe()}"

        # 2. B dies mid-interview; its viewers come back on A with since=.
        watchers = [ViewerRun(viewer, node_b.port, interview, target, until_seq=10**9, timeout=VIEWER_TIMEOUT,
                              log=tmp_path / f"watch-{index}.jsonl") for index in range(VIEWERS_ON_B)]
        for run in watchers:
            run.wait_for_hello()
        on_a = Poster(api_a, interview, "A 杀前杀后", KILL_POSTS_ON_A)
        on_b = Poster(api_b, interview, "B 被杀前", KILL_POSTS_ON_A)
        on_a.start()
        on_b.start()
        # Kill once B's viewers have seen a good part of it.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and min(len(logged_seqs(run)) for run in watchers) < KILL_POSTS_ON_A // 2:
            time.sleep(0.05)
        node_b.kill()
        on_b.stopping.set()
        on_b.join(timeout=20)
        on_a.join(timeout=60)
        assert not on_a.is_alive(), "posting to node A did not finish"
        assert not on_a.refused and not on_a.in_flight, f"node A refused posts: {on_a.refused} {on_a.in_flight}"
        assert not on_b.refused, f"node B refused posts before it was killed: {on_b.refused}"
        assert on_b.answered, "node B answered no post before it was killed"
        for run in watchers:
            run.finish(15)
            assert run.code != 0, f"a viewer of the killed node did not notice\n{run.describe()}"

        last = ViewerRun(viewer, node_a.port, interview, 0, until_seq=0, timeout=15)
        final = last.wait_for_hello()
        last.expect_success(1, 0)
        for index, run in enumerate(watchers):
            before = logged_seqs(run)
            assert before == list(range(target + 1, target + 1 + len(before))), f"viewer {index} on B: {before}"
            since = before[-1] if before else target
            again = ViewerRun(viewer, node_a.port, interview, since, until_seq=final, timeout=VIEWER_TIMEOUT,
                              linger=0.5, log=tmp_path / f"again-{index}.jsonl")
            again.expect_success(since + 1, final)
            assert before + logged_seqs(again) == list(range(target + 1, final + 1)), f"viewer {index} missed events"

        # 3. The transcript: seqs 1..final, every 201 exactly once.
        whole = ViewerRun(viewer, node_a.port, interview, 0, until_seq=final, timeout=VIEWER_TIMEOUT, linger=0.5,
                          log=tmp_path / "transcript.jsonl")
        whole.expect_success(1, final)
        # System entries (the interview going live) are written by the
        # status change, not by a post.
        entries = [frame for frame in whole.sequenced()
                   if frame.get("type") == "entry" and frame["entry"].get("kind") != "system"]
        bodies = [frame["entry"]["body"] for frame in entries]
        assert len(bodies) == len(set(bodies)), "an entry is in the transcript twice"
        by_seq = {frame["seq"]: frame["entry"]["body"] for frame in entries}
        answered = {**posted, **on_a.answered, **on_b.answered}
        for seq, body in answered.items():
            assert by_seq.get(seq) == body, f"seq {seq}: answered 201 with {body!r}, transcript has {by_seq.get(seq)!r}"
        unanswered = set(bodies) - set(answered.values())
        # Only a post in flight at the kill may be stored unanswered.
        assert unanswered <= set(on_b.in_flight), f"entries nobody was answered for: {unanswered}"
        print(f"\ntwo nodes: {len(answered)} posts answered 201 ({len(on_b.answered)} on B before the kill), "
              f"{VIEWERS_ON_B} viewers moved from B to A, transcript 1..{final} gap-free, "
              f"{time.monotonic() - started:.1f} s")
    finally:
        if node_b is not None:
            node_b.kill()
        assert node_a.stop(10) is not None, f"node A did not stop within 10 s\n{node_a.output()}"
