"""A real full disk under a running server (issue 14, "Faults").

The built `wenzheng serve` runs in its own mount namespace (`unshare
--mount`, with `--map-root-user` when the test is not root) with its
database on a small tmpfs mounted over the database's folder. The test
reaches that tmpfs through /proc/PID/root, fills it with a filler file
until a few hundred kilobytes are left, and then:

- citizens' letters and the host's remarks are answered 503 with
  Retry-After once the disk is full, never 500, and the server keeps
  running;
- reads go on: /readyz, the public pages, a letter's query, the transcript;
- every letter and remark answered 201 is stored exactly once, nothing
  refused is stored, and `PRAGMA integrity_check` is ok;
- once the filler is removed, the same requests succeed again.

(Tests/WenzhengServerTests' FullDiskTests does the same in process with
SQLite's max_page_count; this one proves it against the kernel's ENOSPC.)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(INTEROP_DIR))

from interop_support import Api, Server, binary, create_admin  # noqa: E402, F401 - binary is a fixture

DISK_SIZE = 16 * 1024 * 1024
LEFT_FREE = 256 * 1024
EXTRA = ["--letter-limit-per-address", "1000000/1s", "--letter-limit-per-browser", "1000000/1s"]


def can_mount_tmpfs() -> str | None:
    """Why this machine cannot run the test, or None."""
    if shutil.which("unshare") is None:
        return "unshare(1) is not installed"
    flags = [] if os.geteuid() == 0 else ["--map-root-user"]
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", *flags, "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True, text=True)
    return None if probe.returncode == 0 else f"cannot mount a tmpfs in a mount namespace: {probe.stderr.strip()}"


def wrapper(folder: Path, real_binary: Path, seed: Path, disk: Path) -> Path:
    """An executable that the harness starts as if it were `wenzheng`: it
    mounts the tmpfs over `disk` in a new mount namespace, copies the seeded
    database onto it and execs the real binary with the same arguments."""
    flags = "" if os.geteuid() == 0 else "--map-root-user"
    script = folder / "wenzheng-on-tmpfs"
    script.write_text(
        "#!/bin/sh\n"
        f"exec unshare --mount --propagation private {flags} sh -c '\n"
        f"  mount -t tmpfs -o size={DISK_SIZE},mode=0700 tmpfs \"{disk}\" &&\n"
        f"  cp \"{seed}\" \"{disk}/wenzheng.sqlite\" &&\n"
        "  exec \"$0\" \"$@\"' " f"\"{real_binary}\" \"$@\"\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def server_view(server: Server, path: Path) -> Path:
    """`path` as the server's mount namespace sees it."""
    return Path(f"/proc/{server.pid}/root") / path.relative_to("/")


def fill(folder: Path, leave: int) -> Path:
    """Writes a filler file into `folder` until `leave` bytes are free."""
    filler = folder / "filler"
    chunk = b"\0" * (1024 * 1024)
    with open(filler, "wb") as out:
        while True:
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            if free <= leave:
                break
            out.write(chunk[: min(len(chunk), free - leave)])
            out.flush()
            os.fsync(out.fileno())
    return filler


def letter(subject: str) -> dict:
    return {"type": "consultation", "subject": subject, "body": "请问法律援助怎么申请？" + "材料" * 300,
            "authorName": "王五", "email": "wang@example.cn", "mayPublish": False}


def test_full_disk_refuses_writes_serves_reads_and_recovers(binary, tmp_path: Path) -> None:
    reason = can_mount_tmpfs()
    if reason:
        pytest.fail(f"this test needs a tmpfs in a private mount namespace (root, or user namespaces): {reason}")
    seed = tmp_path / "seed.sqlite"
    create_admin(binary, seed)
    disk = tmp_path / "disk"
    disk.mkdir()
    database = disk / "wenzheng.sqlite"
    server = Server(wrapper(tmp_path, binary, seed, disk), database, extra=EXTRA)
    try:
        # The server runs `unshare`'s sh, which execs the binary: same pid.
        assert (disk / "wenzheng.sqlite").exists() is False, "the tmpfs is visible outside the server's namespace"
        view = server_view(server, disk)
        assert (view / "wenzheng.sqlite").exists()

        api = Api(server.base)
        api.login()
        interview = api.create_live_interview("磁盘已满时的在线访谈")
        stored_letters: dict[str, str] = {}
        stored_remarks: dict[int, str] = {}

        def send_letter(subject: str) -> int:
            status, text = api.call("POST", "/api/v1/letters", letter(subject))
            if status == 201:
                stored_letters[subject] = json.loads(text)["number"]
            assert status in (201, 503), f"{status} {text[:300]}"
            return status

        def send_remark(body: str) -> tuple[int, str]:
            status, text = api.call("POST", f"/api/v1/interviews/{interview}/entries", {"kind": "remark", "body": body})
            if status == 201:
                stored_remarks[json.loads(text)["seq"]] = body
            assert status in (201, 503), f"{status} {text[:300]}"
            return status, text

        assert send_letter("空间充足时的留言") == 201
        assert send_remark("空间充足时的发言")[0] == 201

        filler = fill(view, LEFT_FREE)
        refused: dict[str, tuple[int, str]] = {}
        for index in range(400):
            status = send_letter(f"磁盘将满 {index}")
            remark_status, remark_text = send_remark(f"磁盘将满时的发言 {index} " + "长" * 500)
            for kind, answer in (("letter", (status, "")), ("remark", (remark_status, remark_text))):
                if answer[0] != 201:
                    refused.setdefault(kind, answer)
            if len(refused) == 2:
                break
        assert set(refused) == {"letter", "remark"}, f"the disk never filled: {len(stored_letters)} letters stored"
        print(f"disk full after {len(stored_letters)} letters and {len(stored_remarks)} remarks")
        for kind, (status, text) in refused.items():
            assert status == 503, f"{kind}: {status} {text[:300]}"
        assert server.alive(), server.output()

        # The refusal as a client sees it.
        status, text = api.call("POST", "/api/v1/letters", letter("磁盘已满"))
        assert status == 503, text
        assert "nothing was saved" in text, text

        # Reads go on.
        for path in ("/readyz", "/letters", f"/interviews/{interview}", f"/api/v1/interviews/{interview}/transcript"):
            status, text = api.call("GET", path)
            assert status == 200, f"{path}: {status} {text[:200]}"

        # What was answered 201 is stored once; nothing refused is.
        # SQLite resolves the /proc/PID/root link to "/", so it reads a copy
        # (taken while nothing writes; without -shm it rebuilds the WAL index).
        copy = tmp_path / "copy"
        copy.mkdir()
        for suffix in ("", "-wal"):
            if (view / f"wenzheng.sqlite{suffix}").exists():
                shutil.copyfile(view / f"wenzheng.sqlite{suffix}", copy / f"wenzheng.sqlite{suffix}")
        with sqlite3.connect(copy / "wenzheng.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = db.execute("SELECT subject, number FROM letter").fetchall()
            assert sorted(rows) == sorted(stored_letters.items()), "letters differ from the 201 answers"
            events = dict(db.execute(
                "SELECT seq, body FROM transcript_entry WHERE interview_id = ? AND kind = 'remark'", (interview,)).fetchall())
            assert {seq: body for seq, body in events.items()} == stored_remarks

        # Space is back: the same requests succeed.
        filler.unlink()
        assert send_letter(f"空间恢复之后 {uuid.uuid4().hex[:6]}") == 201
        status, text = send_remark("空间恢复之后的发言")
        assert status == 201, text
        assert server.stop() == 0, server.output()
    finally:
        if server.alive():
            server.kill()
