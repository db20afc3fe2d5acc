"""Interoperability of the live socket with an independent WebSocket client.

`lws_viewer.c` is an interview viewer built on libwebsockets' client API (a
WebSocket implementation unrelated to swift-nio). These tests compile it,
run the built `wenzheng serve` on a throw-away database and check, through
the real REST API a host uses, that:

- a connected viewer receives every event exactly once and in order while
  several threads post remarks concurrently (also with libwebsockets
  handing frames over in many small fragments);
- a viewer resuming with `since=K` receives exactly K+1..last, also while
  new entries are being committed during its replay;
- a viewer that stops reading is cut off without disturbing the others,
  and resumes from its last seq;
- after `kill -9` and a restart on the same database, a viewer starting
  from 0 and the public transcript both have every acknowledged entry
  exactly once.

Only the standard library and pytest are used. The server binary is
$WENZHENG_BIN, else .build/debug/wenzheng of this repository.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parent.parent
sys.path.insert(0, str(INTEROP_DIR))
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from interop_support import (  # noqa: E402, F401 - binary and viewer are fixtures
    Api,
    Server,
    ViewerRun,
    assert_frames_match,
    binary,
    create_admin,
    probe_last_seq,
    remark_body,
    viewer,
)
from wsfake import FakeLiveServer  # noqa: E402

CONCURRENT_POSTS = 200
POSTING_THREADS = 8


# MARK: Fixtures


@pytest.fixture(scope="module")
def live(binary, tmp_path_factory):
    """A server with a signed-in admin and one live interview."""
    workdir = tmp_path_factory.mktemp("wenzheng-interop")
    database = workdir / "db.sqlite"
    create_admin(binary, database)
    server = Server(binary, database)
    try:
        api = Api(server.base)
        api.login()
        interview_id = api.create_live_interview("互操作直播")
        yield server, api, interview_id
    finally:
        server.stop()


# MARK: The viewer itself (scripted server)


def test_viewer_reassembles_fragments_and_detects_errors(viewer, tmp_path):
    def entry(seq: int, body: str = "x") -> str:
        return json.dumps({"v": 1, "type": "entry", "seq": seq, "entry": {"seq": seq, "kind": "remark", "body": body}},
                          ensure_ascii=False)

    # The title holds a decoy "seq" that a naive substring search would take.
    hello = '{"v":1,"type":"hello","interview":{"id":7,"status":"live","title":"\\"seq\\":9"},"lastSeq":3}'
    cases = [
        ("in order", [("text", hello), ("text", entry(1)), ("split", entry(2, "长" * 3000), 7),
                      ("text", '{"v":1,"type":"viewers","count":2}'),
                      ("text", '{"v":1,"type":"status","seq":3,"status":"ended"}')], 0, "seq 1..3, no gaps"),
        ("gap", [("text", hello), ("text", entry(1)), ("text", entry(3))], 3, "gap: expected seq 2, got 3"),
        ("duplicate", [("text", hello), ("text", entry(1)), ("text", entry(1))], 3, "expected seq 2, got 1"),
        ("close 4000", [("text", hello), ("text", entry(1)), ("close", 4000)], 5, "code 4000"),
        ("timeout", [("text", hello), ("text", entry(1)), ("wait", 2)], 4, "timeout"),
    ]
    for name, script, expected_code, expected_text in cases:
        fake = FakeLiveServer(script)
        try:
            run = ViewerRun(viewer, fake.port, 7, 0, count=3, timeout=1.0, rx_buffer=64 if name == "in order" else None)
            code = run.finish(15)
        finally:
            fake.close()
        assert fake.paths == ["/live/interviews/7?since=0"], name
        assert code == expected_code, f"{name}\n{run.describe()}"
        assert expected_text in run.stdout + run.stderr, f"{name}\n{run.describe()}"
        if name == "in order":
            assert run.fragmented_frames() >= 2, run.describe()
            assert fake.client_close_codes == [1000], name


# MARK: Against the server


def test_viewer_sees_concurrent_posts_exactly_once_in_order(viewer, live, tmp_path):
    server, api, interview_id = live
    before = probe_last_seq(viewer, server.port, interview_id)
    assert before >= 1, "going live should have recorded the 'started' entry"
    last = before + CONCURRENT_POSTS

    plain = ViewerRun(viewer, server.port, interview_id, 0, count=last, timeout=45, linger=1.0,
                      log=tmp_path / "plain.jsonl")
    fragmented = ViewerRun(viewer, server.port, interview_id, 0, count=last, timeout=45, linger=1.0,
                           rx_buffer=64, log=tmp_path / "fragmented.jsonl")
    assert plain.wait_for_hello() == before
    assert fragmented.wait_for_hello() == before
    assert plain.status_at_hello == "live"

    bodies = [remark_body("互操作", index) for index in range(CONCURRENT_POSTS)]
    posted = api.post_many(interview_id, bodies, POSTING_THREADS)
    assert sorted(posted) == list(range(before + 1, last + 1)), "the API handed out seqs with gaps"

    for run in (plain, fragmented):
        run.expect_success(1, last)
        assert_frames_match(run.sequenced(), 1, last, posted)
    assert fragmented.fragmented_frames() > CONCURRENT_POSTS // 2, fragmented.describe()
    started = [f for f in plain.sequenced() if f["type"] == "entry" and f["entry"]["kind"] == "system"]
    assert any(f["entry"]["body"] == "started" for f in started), "no 'started' system entry in the replay"


def test_resume_from_mid_stream_gets_exactly_the_rest(viewer, live, tmp_path):
    server, api, interview_id = live
    posted = {}
    for index in range(40):
        body = remark_body("续传", index)
        posted[api.post_remark(interview_id, body)] = body
    last = max(posted)
    middle = last - 25

    # Replay only: since=K gets K+1..last and nothing more.
    resumed = ViewerRun(viewer, server.port, interview_id, middle, until_seq=last, timeout=20, linger=0.5,
                        log=tmp_path / "resumed.jsonl")
    resumed.expect_success(middle + 1, last)
    assert_frames_match(resumed.sequenced(), middle + 1, last, posted)

    # Up to date: since=last gets no event.
    current = ViewerRun(viewer, server.port, interview_id, last, count=0, timeout=20, linger=0.5)
    current.expect_success(last + 1, last)

    # Replay racing live commits: the viewer connects while entries are
    # being posted; it must get the replay and then the live ones, with
    # nothing lost or doubled at the seam.
    racing_posts = 60
    bodies = [remark_body("衔接", index) for index in range(racing_posts)]
    done: dict[int, str] = {}
    started = threading.Event()

    def post_all() -> None:
        def one(body: str) -> None:
            done[api.post_remark(interview_id, body)] = body
            started.set()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(one, bodies))

    poster = threading.Thread(target=post_all)
    poster.start()
    started.wait(15)
    seam = ViewerRun(viewer, server.port, interview_id, middle, count=(last - middle) + racing_posts, timeout=40,
                     linger=1.0, log=tmp_path / "seam.jsonl")
    poster.join(60)
    assert len(done) == racing_posts
    assert sorted(done) == list(range(last + 1, last + racing_posts + 1))
    seam.expect_success(middle + 1, last + racing_posts)
    assert_frames_match(seam.sequenced(), middle + 1, last + racing_posts, {**posted, **done})


def test_stalled_viewer_is_cut_off_and_resumes(viewer, live, tmp_path):
    """A viewer that stops reading is cut off, and a new connection with
    since = its last seq gets the rest, in order. (The server queues close
    4000 behind what the socket already holds and drops the connection if
    the client has not read it within 2 s, as happens to a stopped process;
    either way the client resumes with since.)"""
    server, api, interview_id = live
    before = probe_last_seq(viewer, server.port, interview_id)
    # 1200 entries of 15 KB: far more than the socket buffers plus the
    # server's per-viewer queue (512 frames) can hold for a stalled reader.
    count = 1200
    stalled = ViewerRun(viewer, server.port, interview_id, before, count=count, timeout=60,
                        log=tmp_path / "stalled.jsonl")
    stalled.wait_for_hello()
    os.kill(stalled.process.pid, signal.SIGSTOP)
    try:
        bodies = [f"停{index} " + "慢" * 4990 for index in range(count)]
        posted = api.post_many(interview_id, bodies, 4)
    finally:
        os.kill(stalled.process.pid, signal.SIGCONT)
    last = before + count
    assert sorted(posted) == list(range(before + 1, last + 1))

    code = stalled.finish(60)
    # 5: the server closed the connection; 3 would be a gap or duplicate.
    assert code == 5, f"the stalled viewer was not cut off\n{stalled.describe()}"
    got = stalled.sequenced()
    assert got, stalled.describe()
    reached = got[-1]["seq"]
    assert_frames_match(got, before + 1, reached, posted)
    assert reached < last

    resumed = ViewerRun(viewer, server.port, interview_id, reached, until_seq=last, timeout=30, linger=0.5,
                        log=tmp_path / "resumed.jsonl")
    resumed.expect_success(reached + 1, last)
    assert_frames_match(resumed.sequenced(), reached + 1, last, posted)


def test_entries_survive_kill_9(viewer, binary, tmp_path):
    database = tmp_path / "crash.sqlite"
    create_admin(binary, database)
    server = Server(binary, database)
    try:
        api = Api(server.base)
        api.login()
        interview_id = api.create_live_interview("崩溃恢复")
        bodies = [remark_body("崩溃前", index) for index in range(100)]
        posted = api.post_many(interview_id, bodies, 4)
        last = max(posted)
    finally:
        server.kill()  # SIGKILL right after the last 201: no shutdown, no checkpoint
    assert server.process.returncode == -9

    restarted = Server(binary, database)
    try:
        run = ViewerRun(viewer, restarted.port, interview_id, 0, until_seq=last, timeout=20, linger=0.5,
                        log=tmp_path / "after-crash.jsonl")
        run.wait_for_hello()
        assert run.last_seq_at_hello == last, run.describe()
        assert run.status_at_hello == "live", run.describe()
        run.expect_success(1, last)
        frames = run.sequenced()
        assert_frames_match(frames, 1, last, posted)
        system = [f["entry"]["body"] for f in frames if f["type"] == "entry" and f["entry"]["kind"] == "system"]
        assert system.count("started") == 1, system

        # The public transcript (no cookie) has them too, exactly once.
        public = Api(restarted.base)
        transcript = public.request("GET", f"/api/v1/interviews/{interview_id}/transcript", expect=200)
        entries = transcript["entries"]
        seqs = [entry["seq"] for entry in entries]
        assert seqs == sorted(set(seqs)), "transcript seqs are not unique and increasing"
        remarks = [entry["body"] for entry in entries if entry["kind"] == "remark"]
        assert sorted(remarks) == sorted(bodies), "the transcript lost or doubled remarks"
        assert {entry["seq"]: entry["body"] for entry in entries if entry["kind"] == "remark"} == posted
        assert [entry["body"] for entry in entries if entry["kind"] == "system"].count("started") == 1
    finally:
        restarted.stop()
