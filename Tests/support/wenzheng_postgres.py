"""Several `wenzheng serve` nodes on one PostgreSQL database (issue 16),
for the interop tests (Tests/interop/test_two_nodes.py) and the live-load
benchmark's two-node mode. Standard library only, like wenzheng_process.

- `postgres_url()`: the test cluster's superuser URL (to its `postgres`
  database) from WENZHENG_TEST_POSTGRES_URL, which `script/with-postgres`
  sets; None without it.
- `create_database()` / `drop_database()`: a database of our own in that
  cluster, through PostgreSQL's `createdb`/`dropdb` (WENZHENG_PG_BIN, else
  PATH).
- `create_user_in()`: `wenzheng users add` on that database.
- `Node`: `wenzheng serve --database postgres://…`, otherwise exactly
  wenzheng_process.Server (same output handling, stop and kill).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from wenzheng_process import ADMIN_PASSWORD, ADMIN_USERNAME, REPO_ROOT, START_TIMEOUT, HarnessError, Server, \
    clean_environment

POSTGRES_URL_VARIABLE = "WENZHENG_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    return url or None


def _tool(name: str) -> str:
    directory = os.environ.get("WENZHENG_PG_BIN")
    if directory and (Path(directory) / name).is_file():
        return str(Path(directory) / name)
    found = shutil.which(name)
    if found is None:
        raise HarnessError(f"PostgreSQL's `{name}` is not installed (set WENZHENG_PG_BIN or install postgresql-client)")
    return found


def database_url(server_url: str, name: str) -> str:
    """`server_url` with another database; plain TCP (the test cluster has
    no TLS) unless the URL says otherwise."""
    parts = urlsplit(server_url)
    query = parts.query
    if "sslmode=" not in query:
        query = "&".join(part for part in (query, "sslmode=disable") if part)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, query, ""))


def create_database(server_url: str, prefix: str = "wz_nodes") -> tuple[str, str]:
    """Creates a fresh database in the cluster; returns (name, URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    result = subprocess.run([_tool("createdb"), f"--maintenance-db={server_url}", name],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise HarnessError(f"createdb {name} failed: {result.stderr.strip()}")
    return name, database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    subprocess.run([_tool("dropdb"), f"--maintenance-db={server_url}", "--force", "--if-exists", name],
                   capture_output=True, text=True, timeout=60)


def create_user_in(binary: Path, url: str, directory: Path, username: str = ADMIN_USERNAME,
                   password: str = ADMIN_PASSWORD, role: str = "admin") -> None:
    """`wenzheng users add` on the PostgreSQL database at `url`: with
    `--database`, or, when the subcommand takes the database only from the
    environment, with WENZHENG_DATABASE_URL."""
    base = [str(binary), "users", "add", username, "--role", role, "--password-stdin"]
    attempts = [(base + ["--database", url], clean_environment()),
                (base, {**clean_environment(), "WENZHENG_DATABASE_URL": url})]
    failures = []
    for command, environment in attempts:
        result = subprocess.run(command, input=password + "\n", capture_output=True, text=True, cwd=directory,
                                env=environment, timeout=60)
        if result.returncode == 0:
            return
        failures.append(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}")
        # Only an unknown option is worth the second form.
        if "--database" not in result.stderr:
            break
    raise HarnessError("`wenzheng users add` on PostgreSQL failed:\n" + "\n".join(failures))


class Node(Server):
    """`wenzheng serve --database URL --port 0`: one node of several on one
    PostgreSQL database. Everything but the start is Server's."""

    def __init__(self, binary: Path, url: str, directory: Path, *, name: str = "node", extra: list[str] | tuple = (),
                 log_level: str = "warning", env: dict[str, str] | None = None,
                 start_timeout: float = START_TIMEOUT) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.binary = binary
        self.database = directory / "no-sqlite-file"
        self.url = None
        self.port = None
        self.stop_seconds = None
        self._lines = []
        self._lock = threading.Lock()
        self._found = threading.Event()
        command = [str(binary), "serve", "--database", url, "--port", "0", "--web", str(REPO_ROOT / "Web"),
                   "--moderation", str(REPO_ROOT / "Moderation"), "--log-level", log_level,
                   "--attachments", str(directory / "attachments"), *extra]
        environment = clean_environment()
        environment["WENZHENG_METRICS_ADDRESS"] = "off"
        environment.update(env or {})
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=directory,
            env=environment, text=True, encoding="utf-8", errors="replace")
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
                raise HarnessError(f"{name}: wenzheng serve --database … {state}. Output:\n{self.output()}")
