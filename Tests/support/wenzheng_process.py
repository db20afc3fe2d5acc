"""The real `wenzheng` process, for tests and benchmarks written in Python.

One module for everything that starts the server binary and talks to it:
the interoperability and stress tests (Tests/interop), the browser tests
(Tests/e2e) and the load benchmarks (Benchmarks/*/run.py). Standard library
only, so a benchmark needs no virtual environment.

- `server_binary()`: $WENZHENG_BIN, else .build/debug/wenzheng.
- `create_user()`: `wenzheng users add … --password-stdin`.
- `Server`: `wenzheng serve --port 0` on a given database; waits for the URL
  it prints, collects its output, stops it with SIGTERM (reporting how long
  that took) or kills it.
- `Api`: JSON over urllib with a cookie jar and the CSRF header.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "password-12345"

START_TIMEOUT = 30
HTTP_TIMEOUT = 15
URL_PATTERN = re.compile(r"Open (http://([^\s/:]+):(\d+)/) in a browser")


class HarnessError(AssertionError):
    """The process or the API did not do what the harness expected."""


def server_binary() -> Path:
    configured = os.environ.get("WENZHENG_BIN")
    return Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "wenzheng"


def clean_environment() -> dict[str, str]:
    """The environment without WENZHENG_* settings, so a developer's shell
    cannot change what a test runs."""
    return {key: value for key, value in os.environ.items() if not key.startswith("WENZHENG_")}


def create_user(binary: Path, database: Path, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD,
                role: str = "admin", display_name: str | None = None, department: str | None = None,
                database_url: str | None = None) -> None:
    """`wenzheng users add` on the SQLite file `database`, or, with
    `database_url`, on that PostgreSQL database (run in `database`'s folder)."""
    target = ["--database", database_url] if database_url else ["--db", str(database)]
    command = [str(binary), "users", "add", username, "--role", role, *target, "--password-stdin"]
    if display_name:
        command += ["--display-name", display_name]
    if department:
        command += ["--department", department]
    deadline = time.monotonic() + 30
    while True:
        try:
            result = subprocess.run(command, input=password + "\n", capture_output=True, text=True,
                                    cwd=database.parent, env=clean_environment(), timeout=60)
            break
        except OSError as error:
            # ETXTBSY: the binary is being rebuilt at this very moment.
            if error.errno != 26 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    if result.returncode != 0:
        raise HarnessError(f"`wenzheng users add {username}` failed with code {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}")


class Server:
    """A running `wenzheng serve` on `database`; stdout and stderr are
    drained for its whole life so it never blocks on a full pipe."""

    def __init__(self, binary: Path, database: Path, *, extra: list[str] | tuple[str, ...] = (),
                 log_level: str = "warning", env: dict[str, str] | None = None,
                 start_timeout: float = START_TIMEOUT, preexec_fn=None) -> None:
        self.binary = binary
        self.database = database
        self.url: str | None = None
        self.port: int | None = None
        self.stop_seconds: float | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._found = threading.Event()
        command = [str(binary), "serve", "--db", str(database), "--port", "0", "--web", str(REPO_ROOT / "Web"),
                   "--moderation", str(REPO_ROOT / "Moderation"), "--log-level", log_level, *extra]
        environment = clean_environment()
        # No metrics listener unless a test asks for one (--metrics-address
        # or this variable): servers started side by side would all want
        # the default 127.0.0.1:9464.
        environment["WENZHENG_METRICS_ADDRESS"] = "off"
        environment.update(env or {})
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=database.parent,
            env=environment, text=True, encoding="utf-8", errors="replace", preexec_fn=preexec_fn)
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, "out"), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, "err"), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        deadline = time.monotonic() + start_timeout
        while not self._found.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                code = self.process.poll()
                self.kill()
                state = f"exited with code {code}" if code is not None else f"printed no URL within {start_timeout:.0f} s"
                raise HarnessError(f"wenzheng serve {state}. Output:\n{self.output()}")

    def _read(self, stream, label: str) -> None:
        for line in stream:
            line = line.rstrip("\n")
            with self._lock:
                self._lines.append(f"[{label}] {line}")
            if label == "out" and self.url is None:
                match = URL_PATTERN.search(line)
                if match:
                    self.url = match.group(1)
                    self.port = int(match.group(3))
                    self._found.set()

    def output(self) -> str:
        with self._lock:
            return "\n".join(self._lines)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_kib(self) -> int:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM, then wait up to `timeout`; returns the exit code, or
        None when it did not stop in time (it is then killed). The time it
        took is in `stop_seconds`."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self.stop_seconds = time.monotonic() - started
        for reader in self._readers:
            reader.join(timeout=2)
        return code

    def kill(self) -> None:
        """SIGKILL: the crash."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=2)


class Api:
    """JSON over urllib with a cookie jar and the CSRF header; one opener
    per thread, so it can post from many threads at once."""

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

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.csrf and method not in ("GET", "HEAD"):
            request.add_header("X-CSRF-Token", self.csrf)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with self._opener().open(request, timeout=HTTP_TIMEOUT) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        return status, payload.decode("utf-8", "replace")

    def request(self, method: str, path: str, body: dict | None = None, expect: int | tuple = (200, 201)) -> dict:
        status, text = self.call(method, path, body)
        expected = expect if isinstance(expect, tuple) else (expect,)
        if status not in expected:
            raise HarnessError(f"{method} {path} -> {status} (expected {expected}): {text[:500]}")
        return json.loads(text) if text else {}

    def login(self, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD) -> None:
        status, text = self.call("POST", "/api/v1/session", {"username": username, "password": password})
        if status != 200:
            raise HarnessError(f"signing in as {username} -> {status}: {text[:500]}")
        self.csrf = json.loads(text)["csrfToken"]
        if not any(cookie.name == "wz_session" for cookie in self.jar):
            raise HarnessError("no wz_session cookie was set")

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


def sockets_in_state(port: int, state: str = "08") -> int:
    """Server-side TCP sockets on `port` in a kernel state (08 = CLOSE_WAIT:
    the peer closed, the server never did)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    local_port = int(fields[1].rsplit(":", 1)[1], 16)
                    if local_port == port and fields[3] == state:
                        count += 1
        except FileNotFoundError:
            continue
    return count
