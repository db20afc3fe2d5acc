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
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parent.parent
sys.path.insert(0, str(INTEROP_DIR))

from wsfake import FakeLiveServer  # noqa: E402

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "password-12345"

SERVER_START_TIMEOUT = 30
HTTP_TIMEOUT = 15
URL_PATTERN = re.compile(r"Open http://([^\s/:]+):(\d+)/ in a browser")
SUMMARY_PATTERN = re.compile(r"^received (\d+) events, seq (\d+)\.\.(\d+), no gaps, no duplicates$", re.M)
FRAGMENTED_PATTERN = re.compile(r"; (\d+) arrived in several fragments")

CONCURRENT_POSTS = 200
POSTING_THREADS = 8


def server_binary() -> Path:
    configured = os.environ.get("WENZHENG_BIN")
    return Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "wenzheng"


# MARK: The C viewer


@pytest.fixture(scope="module")
def viewer(tmp_path_factory) -> Path:
    """Compiles lws_viewer.c against the system libwebsockets."""
    compiler = shutil.which(os.environ.get("CC", "cc"))
    if compiler is None:
        pytest.fail("No C compiler (cc) on PATH; install build-essential.", pytrace=False)
    output = tmp_path_factory.mktemp("lws") / "lws_viewer"
    command = [compiler, "-O2", "-Wall", "-o", str(output), str(INTEROP_DIR / "lws_viewer.c"), "-lwebsockets"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        hint = ""
        if "libwebsockets.h" in result.stderr or "-lwebsockets" in result.stderr:
            hint = "\nThe libwebsockets headers or library are missing: apt-get install libwebsockets-dev."
        pytest.fail(f"Compiling the viewer failed: {' '.join(command)}\n{result.stderr}{hint}", pytrace=False)
    if result.stderr.strip():
        pytest.fail(f"The viewer compiles with warnings:\n{result.stderr}", pytrace=False)
    return output


class ViewerRun:
    """A running lws_viewer; its stdout is read as it comes."""

    def __init__(self, binary: Path, port: int, interview: int, since: int, *, count: int | None = None,
                 until_seq: int | None = None, timeout: float = 30, linger: float = 0,
                 rx_buffer: int | None = None, log: Path | None = None) -> None:
        command = [str(binary)]
        if until_seq is not None:
            command += ["--until-seq", str(until_seq)]
        if linger:
            command += ["--linger", str(linger)]
        if rx_buffer:
            command += ["--rx-buffer", str(rx_buffer)]
        if log is not None:
            command += ["--log", str(log)]
        command += ["127.0.0.1", str(port), str(interview), str(since)]
        if until_seq is None:
            command.append(str(count))
        command.append(str(timeout))
        self.command = command
        self.log = log
        self.timeout = timeout
        self.lines: list[str] = []
        self.hello = threading.Event()
        self.last_seq_at_hello: int | None = None
        self.status_at_hello: str | None = None
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            line = line.rstrip("\n")
            self.lines.append(line)
            match = re.match(r"hello lastSeq=(-?\d+) status=(\S+)", line)
            if match:
                self.last_seq_at_hello = int(match.group(1))
                self.status_at_hello = match.group(2)
                self.hello.set()

    def wait_for_hello(self, timeout: float = 15) -> int:
        if not self.hello.wait(timeout):
            self.finish(5)
            pytest.fail(f"The viewer got no hello within {timeout} s.\n{self.describe()}", pytrace=False)
        return self.last_seq_at_hello  # type: ignore[return-value]

    def finish(self, timeout: float | None = None) -> int:
        try:
            code = self.process.wait(timeout=timeout if timeout is not None else self.timeout + 10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(timeout=5)
        self.stderr = self.process.stderr.read() if self.process.stderr else ""  # type: ignore[union-attr]
        self.code = code
        return code

    @property
    def stdout(self) -> str:
        return "\n".join(self.lines)

    def describe(self) -> str:
        return (f"command: {' '.join(self.command)}\nexit: {getattr(self, 'code', None)}\n"
                f"stdout:\n{self.stdout}\nstderr:\n{getattr(self, 'stderr', '')}")

    def expect_success(self, first: int, last: int) -> None:
        code = self.finish()
        summary = SUMMARY_PATTERN.search(self.stdout)
        assert code == 0, f"the viewer failed\n{self.describe()}"
        if last < first:
            assert "received 0 events, no gaps, no duplicates" in self.stdout, self.describe()
            return
        assert summary, self.describe()
        assert (int(summary.group(2)), int(summary.group(3))) == (first, last), self.describe()
        assert int(summary.group(1)) == last - first + 1, self.describe()

    def frames(self) -> list[dict]:
        assert self.log is not None
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def sequenced(self) -> list[dict]:
        return [frame for frame in self.frames() if "seq" in frame]

    def fragmented_frames(self) -> int:
        match = FRAGMENTED_PATTERN.search(self.stdout)
        return int(match.group(1)) if match else 0


# MARK: Server and API


class Server:
    """`wenzheng serve` on a given database; output is collected."""

    def __init__(self, binary: Path, database: Path) -> None:
        self.database = database
        self.port: int | None = None
        self._lines: list[str] = []
        self._found = threading.Event()
        env = {k: v for k, v in os.environ.items() if not k.startswith("WENZHENG_")}
        self.process = subprocess.Popen(
            [str(binary), "serve", "--db", str(database), "--port", "0", "--web", str(REPO_ROOT / "Web"),
             "--moderation", str(REPO_ROOT / "Moderation"), "--log-level", "warning"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            cwd=database.parent, env=env, text=True, encoding="utf-8", errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not self._found.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"wenzheng serve did not start (exit {self.process.poll()}). Output:\n{self.output()}",
                            pytrace=False)

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self._lines.append(line.rstrip("\n"))
            match = URL_PATTERN.search(line)
            if match and self.port is None:
                self.port = int(match.group(2))
                self._found.set()

    def output(self) -> str:
        return "\n".join(self._lines)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: the crash."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self._reader.join(timeout=5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


def create_admin(binary: Path, database: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WENZHENG_")}
    result = subprocess.run(
        [str(binary), "users", "add", ADMIN_USERNAME, "--role", "admin", "--db", str(database), "--password-stdin"],
        input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 0, f"creating the admin failed:\n{result.stdout}\n{result.stderr}"


class Api:
    """JSON over urllib with a cookie jar and the CSRF header."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.csrf: str | None = None
        self._local = threading.local()

    def _opener(self) -> urllib.request.OpenerDirector:
        opener = getattr(self._local, "opener", None)
        if opener is None:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
            self._local.opener = opener
        return opener

    def request(self, method: str, path: str, body: dict | None = None, expect: int | tuple = (200, 201)) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.csrf and method not in ("GET", "HEAD"):
            request.add_header("X-CSRF-Token", self.csrf)
        expected = expect if isinstance(expect, tuple) else (expect,)
        try:
            with self._opener().open(request, timeout=HTTP_TIMEOUT) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        text = payload.decode("utf-8", "replace")
        assert status in expected, f"{method} {path} -> {status} (expected {expected}): {text[:500]}"
        return json.loads(text) if text else {}

    def login(self) -> None:
        session = self.request("POST", "/api/v1/session", {"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD},
                               expect=200)
        self.csrf = session["csrfToken"]
        assert any(cookie.name == "wz_session" for cookie in self.jar), "no wz_session cookie was set"

    def create_live_interview(self, title: str) -> int:
        interview = self.request("POST", "/api/v1/interviews", {
            "title": title,
            "summary": "互操作测试：libwebsockets 观众客户端。",
            "scheduledStart": "2026-12-03T02:00:00Z",
            "plannedMinutes": 90,
            "guests": [{"name": "张三", "title": "副厅长", "department": "司法厅"}],
        }, expect=201)
        interview_id = int(interview["id"])
        self.request("POST", f"/api/v1/interviews/{interview_id}/status", {"status": "open"})
        self.request("POST", f"/api/v1/interviews/{interview_id}/status", {"status": "live"})
        return interview_id

    def post_remark(self, interview_id: int, body: str) -> int:
        entry = self.request("POST", f"/api/v1/interviews/{interview_id}/entries", {"kind": "remark", "body": body},
                             expect=201)
        return int(entry["seq"])

    def post_many(self, interview_id: int, bodies: list[str], threads: int) -> dict[int, str]:
        """Posts concurrently; returns seq -> body."""
        with ThreadPoolExecutor(max_workers=threads) as pool:
            seqs = list(pool.map(lambda body: self.post_remark(interview_id, body), bodies))
        assert len(set(seqs)) == len(seqs), f"the API returned duplicate seqs: {sorted(seqs)}"
        return dict(zip(seqs, bodies))


def remark_body(prefix: str, index: int) -> str:
    # Every 25th is long (4000 characters, 12000 bytes of UTF-8), so frames
    # larger than any socket read or lws buffer are part of the stream.
    if index % 25 == 7:
        return f"{prefix} {index} " + "长" * 4000
    return f"{prefix} {index}：主持人发言，编号 {index}。"


def assert_frames_match(frames: list[dict], first: int, last: int, posted: dict[int, str]) -> None:
    """The viewer log holds exactly first..last, and every posted entry with its body."""
    seqs = [frame["seq"] for frame in frames]
    assert seqs == list(range(first, last + 1)), f"logged seqs {seqs[:10]}...{seqs[-10:]}"
    by_seq = {frame["seq"]: frame for frame in frames}
    for seq, body in posted.items():
        if first <= seq <= last:
            frame = by_seq[seq]
            assert frame["type"] == "entry", frame
            assert frame["entry"]["seq"] == seq, frame
            assert frame["entry"]["kind"] == "remark", frame
            assert frame["entry"]["body"] == body, f"seq {seq}: body differs"


def probe_last_seq(viewer: Path, port: int, interview: int) -> int:
    probe = ViewerRun(viewer, port, interview, 0, until_seq=0, timeout=15)
    last = probe.wait_for_hello()
    probe.expect_success(1, 0)
    return last


# MARK: Fixtures


@pytest.fixture(scope="module")
def binary() -> Path:
    path = server_binary()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"The server binary {path} is missing. Build it first with `swift build --product wenzheng`.",
                    pytrace=False)
    return path


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
