"""Crowds joining and leaving a live interview while it publishes.

A live room once deadlocked when many viewers left at the moment a frame
was being published (a lock-order inversion between the broadcaster's lock
and the Swift runtime's task status lock): the server stopped delivering,
left the viewers' sockets in CLOSE-WAIT and ignored SIGTERM. Only a crowd
found it, so this test is a crowd: waves of libwebsockets viewers
(Benchmarks/live-load/lws_load.c, a client nobody here wrote) join at once
and leave at once, some with a close frame and some by a dropped
connection, while a host posts entries and the room sends viewer counts
and heartbeats every few milliseconds.

At the end a fresh viewer must receive the next entry, no server socket
may be left in CLOSE-WAIT, and SIGTERM must stop the server within 10 s.

Bounded for CI (about 60 s, 600 viewers a wave); for a longer local run:

    WENZHENG_STRESS_SECONDS=300 WENZHENG_STRESS_VIEWERS=2000 \\
        Tests/e2e/.venv/bin/python -m pytest -q Tests/interop/test_live_churn.py
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parent.parent
sys.path.insert(0, str(INTEROP_DIR))
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from interop_support import Api, Server, ViewerRun, create_admin  # noqa: E402
from interop_support import binary, load_generator, viewer  # noqa: E402, F401 - fixtures
from wenzheng_process import sockets_in_state  # noqa: E402

STRESS_SECONDS = float(os.environ.get("WENZHENG_STRESS_SECONDS", "60"))
VIEWERS_PER_WAVE = int(os.environ.get("WENZHENG_STRESS_VIEWERS", "600"))
# A wave that does not connect in this time means the server stopped.
WAVE_TIMEOUT = 30
SHUTDOWN_LIMIT = 10


def raise_open_files(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


class Wave:
    """One lws_load process: `viewers` viewers that join at once."""

    def __init__(self, binary: Path, port: int, interview: int, viewers: int, since: int) -> None:
        self.process = subprocess.Popen(
            [str(binary), "--port", str(port), "--interview", str(interview), "--connections", str(viewers),
             "--since", str(since), "--inflight", "200", "--connect-timeout", str(WAVE_TIMEOUT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.ready = threading.Event()
        self.ready_line = ""
        self.lines: list[str] = []
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read_errors(self) -> None:
        for line in self.process.stderr:  # type: ignore[union-attr]
            self.errors.append(line.rstrip("\n"))

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.lines.append(line.rstrip("\n"))
            if line.startswith("READY"):
                self.ready_line = line.strip()
                self.ready.set()

    def leave_with_close_frames(self) -> None:
        self.process.stdin.write("CLOSE\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]

    def drop(self) -> None:
        """Every socket of the wave closes at once, with no close frame,
        as when a mobile network drops."""
        self.process.send_signal(signal.SIGKILL)

    def wait(self) -> None:
        try:
            self.process.wait(timeout=WAVE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def test_mass_join_and_leave_while_publishing(binary, viewer, load_generator, tmp_path):
    raise_open_files(VIEWERS_PER_WAVE * 2 + 1024)
    database = tmp_path / "churn.sqlite"
    create_admin(binary, database)
    server = Server(binary, database, extra=["--viewer-count-interval", "10ms", "--heartbeat-interval", "20ms"])
    stop_posting = threading.Event()
    try:
        api = Api(server.base)
        api.login()
        interview = api.create_live_interview("人群进出")
        posted: list[int] = []
        post_seconds: list[float] = []
        post_errors: list[str] = []

        def post_continuously() -> None:
            index = 0
            while not stop_posting.is_set():
                try:
                    started = time.monotonic()
                    posted.append(api.post_remark(interview, f"进出 {index}"))
                    post_seconds.append(time.monotonic() - started)
                except BaseException as error:  # noqa: BLE001 - pytest.fail too; reported below
                    # Keep posting: a later success tells a slow server from a stuck one.
                    post_errors.append(f"{time.monotonic() - started:.1f} s: {error!r}")
                index += 1
                time.sleep(0.05)

        poster = threading.Thread(target=post_continuously, daemon=True)
        poster.start()

        deadline = time.monotonic() + STRESS_SECONDS
        waves = viewers_joined = 0
        while time.monotonic() < deadline:
            # Two waves at once, each viewer replaying the last few entries
            # (subscribe, replay, then live) as a viewer who reloads does.
            since = max(0, (posted[-1] if posted else 0) - 10)
            first = Wave(load_generator, server.port, interview, VIEWERS_PER_WAVE // 2, since)
            second = Wave(load_generator, server.port, interview, VIEWERS_PER_WAVE - VIEWERS_PER_WAVE // 2, since)
            for wave in (first, second):
                if not wave.ready.wait(WAVE_TIMEOUT + 5) or "failed=0" not in wave.ready_line:
                    first.drop()
                    second.drop()
                    status, _ = api.call("GET", "/healthz") if server.alive() else (None, "")
                    pytest.fail(f"wave {waves}: the viewers did not all connect within {WAVE_TIMEOUT} s "
                                f"({wave.ready_line or 'no READY'}); /healthz answered {status}; "
                                f"{sockets_in_state(server.port)} server sockets in CLOSE-WAIT; "
                                f"{len(posted)} entries posted so far.\n"
                                f"load generator errors: {wave.errors[:5]}\n"
                                f"server output:\n{server.output()[-4000:]}", pytrace=False)
            viewers_joined += VIEWERS_PER_WAVE
            if waves % 2 == 0:
                first.drop()
                second.leave_with_close_frames()
            else:
                first.leave_with_close_frames()
                second.drop()
            first.wait()
            second.wait()
            waves += 1

        stop_posting.set()
        poster.join(20)
        assert not post_errors, (f"{len(post_errors)} posts failed during the churn ({len(posted)} succeeded, "
                                 f"the last at {post_seconds[-1] if post_seconds else 0:.2f} s): {post_errors[:3]}")
        assert posted, "nothing was posted"
        assert waves >= 2, f"only {waves} waves in {STRESS_SECONDS} s"

        # The room still delivers: a fresh viewer gets the next entry.
        last = api.post_remark(interview, "人群散去之后")
        fresh = ViewerRun(viewer, server.port, interview, last, count=1, timeout=10, linger=0.2)
        fresh.wait_for_hello()
        after = api.post_remark(interview, "新观众收到这一条")
        fresh.expect_success(after, after)

        # Every socket the viewers closed was closed by the server too.
        settle = time.monotonic() + 5
        while sockets_in_state(server.port) and time.monotonic() < settle:
            time.sleep(0.1)
        assert sockets_in_state(server.port) == 0, (
            f"{sockets_in_state(server.port)} server sockets left in CLOSE-WAIT after {waves} waves")

        code = server.stop(timeout=SHUTDOWN_LIMIT)
        assert code is not None, f"SIGTERM did not stop the server within {SHUTDOWN_LIMIT} s after {waves} waves"
        assert code == 0, f"the server exited with {code}:\n{server.output()[-4000:]}"
        post_seconds.sort()
        print(f"\nchurn: {waves} waves, {viewers_joined} viewers joined and left, {len(posted)} entries posted "
              f"(median {post_seconds[len(post_seconds) // 2] * 1000:.0f} ms, max {post_seconds[-1] * 1000:.0f} ms), "
              f"stopped in {server.stop_seconds:.2f} s")
    finally:
        stop_posting.set()
        server.kill()
