"""What the interop and stress tests share: fixtures for the server binary
and the libwebsockets clients (compiled once per session; test modules
import them, as a conftest.py here would clash with Tests/e2e's when both
folders run in one pytest), the C viewer's runs, the server and API harness
failing the test on surprises, and checks of what a viewer logged."""

from __future__ import annotations

import json
import os
import shutil
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parent.parent
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from wenzheng_process import Api as BaseApi  # noqa: E402
from wenzheng_process import HarnessError, create_user  # noqa: E402
from wenzheng_process import Server as BaseServer  # noqa: E402
from wenzheng_process import server_binary  # noqa: E402

SUMMARY_PATTERN = re.compile(r"^received (\d+) events, seq (\d+)\.\.(\d+), no gaps, no duplicates$", re.M)
FRAGMENTED_PATTERN = re.compile(r"; (\d+) arrived in several fragments")


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


# MARK: Server and API (Tests/support/wenzheng_process.py)


def create_admin(binary: Path, database: Path) -> None:
    create_user(binary, database)


class Api(BaseApi):
    """The shared API client, failing the test on an unexpected status."""

    def request(self, method: str, path: str, body: dict | None = None, expect: int | tuple = (200, 201)) -> dict:
        try:
            return super().request(method, path, body, expect)
        except HarnessError as error:
            pytest.fail(str(error), pytrace=False)
        except OSError as error:  # refused, reset, or no answer in time
            pytest.fail(f"{method} {path}: the server did not answer ({error})", pytrace=False)

    def post_many(self, interview_id: int, bodies: list[str], threads: int) -> dict[int, str]:
        """Posts concurrently; returns seq -> body."""
        with ThreadPoolExecutor(max_workers=threads) as pool:
            seqs = list(pool.map(lambda body: self.post_remark(interview_id, body), bodies))
        assert len(set(seqs)) == len(seqs), f"the API returned duplicate seqs: {sorted(seqs)}"
        return dict(zip(seqs, bodies))


class Server(BaseServer):
    """The shared server harness, failing the test when it does not start."""

    def __init__(self, binary: Path, database: Path, **options) -> None:
        try:
            super().__init__(binary, database, **options)
        except HarnessError as error:
            pytest.fail(str(error), pytrace=False)


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


def compile_lws_client(source: Path, output: Path, libraries: list[str]) -> Path:
    """Compiles a libwebsockets client with no warnings allowed."""
    compiler = shutil.which(os.environ.get("CC", "cc"))
    if compiler is None:
        pytest.fail("No C compiler (cc) on PATH; install build-essential.", pytrace=False)
    command = [compiler, "-O2", "-Wall", "-I", str(REPO_ROOT / "Tests" / "support"), "-o", str(output), str(source),
               *libraries]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        hint = ""
        if "libwebsockets.h" in result.stderr or "-lwebsockets" in result.stderr or "ev.h" in result.stderr:
            hint = "\nThe libwebsockets headers or library are missing: apt-get install libwebsockets-dev."
        pytest.fail(f"Compiling {source.name} failed: {' '.join(command)}\n{result.stderr}{hint}", pytrace=False)
    if result.stderr.strip():
        pytest.fail(f"{source.name} compiles with warnings:\n{result.stderr}", pytrace=False)
    return output


@pytest.fixture(scope="session")
def viewer(tmp_path_factory) -> Path:
    """lws_viewer.c, one interview viewer on the system libwebsockets."""
    return compile_lws_client(INTEROP_DIR / "lws_viewer.c", tmp_path_factory.mktemp("lws") / "lws_viewer",
                              ["-lwebsockets"])


@pytest.fixture(scope="session")
def load_generator(tmp_path_factory) -> Path:
    """Benchmarks/live-load/lws_load.c, many viewers in one process (libev)."""
    return compile_lws_client(REPO_ROOT / "Benchmarks" / "live-load" / "lws_load.c",
                              tmp_path_factory.mktemp("lws-load") / "lws_load", ["-lwebsockets", "-lev"])


@pytest.fixture(scope="session")
def binary() -> Path:
    path = server_binary()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"The server binary {path} is missing. Build it first with `swift build --product wenzheng`.",
                    pytrace=False)
    return path
