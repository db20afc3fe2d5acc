"""Letter notices end to end, received by an SMTP server nobody here wrote:
aiosmtpd (installed by script/test from Tests/e2e/requirements.txt) runs a
sink on a free port, the built `wenzheng serve --smtp-url` sends the outbox
to it, and Python's own `email` package takes each message apart again.

A citizen writes a letter with an e-mail address through the API; the
office (办公室) is told of it, the lead department when it is assigned,
and the citizen when the reply is signed off: the number and the query
link, never the reply's text. `wenzheng notifications digest` then makes
the daily digest for a department with a letter due today. A second test
points the server at a port where nothing listens: it stays up, answers
/healthz, and the notice waits for its retry.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

INTEROP_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(INTEROP_DIR))
sys.path.insert(0, str(INTEROP_DIR.parent / "support"))

from interop_support import Api, Server, binary  # noqa: E402, F401 - binary is a fixture
from wenzheng_process import clean_environment, create_user  # noqa: E402

BASE = "https://wz.example.gov.cn/"
REPLY = "请携带身份证原件到一楼窗口办理，办理时间为工作日上午。"
SUBJECT = "关于王五家门前路灯的问题"
PASSWORD = "password-12345"
BEIJING = timezone(timedelta(hours=8))


class Sink:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 2.0.0 OK"

    def to(self, recipient: str) -> list:
        with self.lock:
            raw = [content for _, recipients, content in self.messages if recipient in recipients]
        return [message_from_bytes(content, policy=policy.default) for content in raw]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


def cli(binary: Path, database: Path, *arguments: str) -> str:
    result = subprocess.run([str(binary), *arguments, "--db", str(database)], capture_output=True, text=True,
                            env=clean_environment(), timeout=60)
    assert result.returncode == 0, f"wenzheng {' '.join(arguments)}: {result.stderr}"
    return result.stdout


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def sink():
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def test_letter_notices_reach_a_real_smtp_server(binary: Path, tmp_path: Path, sink) -> None:
    handler, port = sink
    database = tmp_path / "wenzheng.sqlite"
    create_user(binary, database)  # admin, 办公室
    create_user(binary, database, username="city", role="handler", department="城建处")
    create_user(binary, database, username="edu", role="handler", department="教育处")
    create_user(binary, database, username="leader", role="reviewer")
    for department, address in [("办公室", "bgs@sft.example.cn"), ("城建处", "cjc@sft.example.cn"),
                                ("教育处", "jyc@sft.example.cn")]:
        cli(binary, database, "departments", "set-email", department, address)

    server = Server(binary, database, extra=[
        "--smtp-url", f"smtp://127.0.0.1:{port}", "--mail-from", "江苏省司法厅 <noreply@sft.example.cn>",
        "--outbox-interval", "200ms", "--base-url", BASE, "--digest-time", "off"])
    try:
        citizen = Api(server.base)
        receipt = citizen.request("POST", "/api/v1/letters", {
            "type": "complaint", "subject": SUBJECT, "body": "路灯坏了三个月，王五说没人管。", "authorName": "张三",
            "email": "zhang.san@example.cn", "mayPublish": False}, expect=201)
        number = receipt["number"]

        admin = Api(server.base)
        admin.login()
        letter_id = next(row["id"] for row in admin.request("GET", "/api/v1/office/letters?state=received")["letters"]
                         if row["number"] == number)
        departments = {d["name"]: d["id"] for d in admin.request("GET", "/api/v1/office/departments")["departments"]}
        admin.request("POST", f"/api/v1/office/letters/{letter_id}/accept", {})
        admin.request("POST", f"/api/v1/office/letters/{letter_id}/assign", {"lead": departments["城建处"]})
        city = Api(server.base)
        city.login("city", PASSWORD)
        city.request("POST", f"/api/v1/office/letters/{letter_id}/draft", {"body": REPLY})
        leader = Api(server.base)
        leader.login("leader", PASSWORD)
        leader.request("POST", f"/api/v1/office/letters/{letter_id}/sign-off", {"comment": "同意"})

        office_mail = wait_for(lambda: handler.to("bgs@sft.example.cn"), "the office's notice")[0]
        assert number in body_of(office_mail)
        assert f"{BASE}office/letters/{letter_id}" in body_of(office_mail)
        assert "新来信" in office_mail["Subject"]
        assert office_mail["From"].addresses[0].addr_spec == "noreply@sft.example.cn"

        city_mail = wait_for(lambda: handler.to("cjc@sft.example.cn"), "the lead department's notice")[0]
        assert number in body_of(city_mail) and "主办" in body_of(city_mail)

        citizen_mail = wait_for(lambda: handler.to("zhang.san@example.cn"), "the citizen's notice")[0]
        text = body_of(citizen_mail)
        assert number in text and "已有答复" in text and "was answered" in text
        assert f"{BASE}letters/query?number={number}" in text
        assert "已答复" in citizen_mail["Subject"]
        for secret in (REPLY, "身份证", SUBJECT, "王五", "张三"):
            assert secret not in text and secret not in citizen_mail["Subject"], secret
        for mail in (office_mail, city_mail):
            assert SUBJECT not in body_of(mail) and "王五" not in body_of(mail)

        # A second letter, which 教育处 co-handles with its own date today.
        second = citizen.request("POST", "/api/v1/letters", {
            "type": "suggestion", "subject": "建议增加夜间服务", "body": "建议窗口晚上开放。", "authorName": "李四",
            "phone": "13812345678", "mayPublish": False}, expect=201)["number"]
        second_id = next(row["id"] for row in admin.request("GET", "/api/v1/office/letters?state=received")["letters"]
                         if row["number"] == second)
        admin.request("POST", f"/api/v1/office/letters/{second_id}/accept", {})
        today = datetime.now(BEIJING).date().isoformat()
        admin.request("POST", f"/api/v1/office/letters/{second_id}/assign", {
            "lead": departments["城建处"], "coHandlers": [{"departmentId": departments["教育处"], "dueOn": today}]})

        made = cli(binary, database, "notifications", "digest", "--base-url", BASE)
        assert "教育处: 1 letters" in made, made
        digest = wait_for(lambda: [m for m in handler.to("jyc@sft.example.cn") if "即将到期" in m["Subject"]], "the digest")[0]
        text = body_of(digest)
        assert second in text and f"{BASE}office/letters/{second_id}" in text and today in text
        assert "建议增加夜间服务" not in text
        # Made once: a second run makes nothing.
        assert "no digest to make" in cli(binary, database, "notifications", "digest")
        assert server.alive()
    finally:
        server.stop()


def test_an_unreachable_mail_server_does_not_stop_the_server(binary: Path, tmp_path: Path) -> None:
    database = tmp_path / "wenzheng.sqlite"
    create_user(binary, database)
    cli(binary, database, "departments", "set-email", "办公室", "bgs@sft.example.cn")
    server = Server(binary, database, extra=[
        "--smtp-url", f"smtp://127.0.0.1:{free_port()}", "--mail-from", "noreply@sft.example.cn",
        "--outbox-interval", "200ms", "--digest-time", "off"])
    try:
        Api(server.base).request("POST", "/api/v1/letters", {
            "type": "consultation", "subject": "法律援助怎么申请", "body": "请问需要哪些材料？", "authorName": "李四",
            "email": "li@example.cn", "mayPublish": False}, expect=201)

        def attempted():
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
                return db.execute("SELECT attempts, last_error, sent_at, next_attempt_at, created_at FROM outbox_message "
                                  "WHERE kind = 'letter.received' AND attempts > 0").fetchone()

        attempts, error, sent, retry_at, created = wait_for(attempted, "a failed attempt")
        assert attempts == 1 and error and sent is None and retry_at > created
        with urllib.request.urlopen(server.base + "/healthz", timeout=10) as response:
            assert response.status == 200
        assert server.alive()
    finally:
        assert server.stop() == 0
