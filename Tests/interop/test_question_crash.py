"""Citizens' questions survive `kill -9` while many clients are asking.

Questions are committed in shared transactions (group commit, issue 13):
a question is answered 201 only after the transaction holding it has
committed. This test starts the built `wenzheng serve` on a throw-away
database, takes an interview live, has many client threads post questions
concurrently on keep-alive connections (no cookies: every request is a new
browser; the per-address limit is raised with --question-limit-per-address,
as every request comes from 127.0.0.1), sends SIGKILL to the server while
they post, restarts it on the same file and checks that:

- every question answered 201 is in the database exactly once, with the id
  it was given, its text, and its own pending moderation item;
- nothing else is there but questions that were in flight when the server
  died (at most one per client), each also with its queue item;
- the file passes `PRAGMA integrity_check`, and the restarted server takes
  new questions after the old ones.

Each text is sent once and never retried: questions have no idempotency
key, so a client that resent a question left unanswered by the crash could
store it twice (the letters' API has keys; questions do not).

Bounded for CI: one round of about 1.5 s of posting. For a longer form,
WENZHENG_STRESS_SECONDS=60 repeats post / kill / restart rounds on the same
database for that long (WENZHENG_STRESS_CLIENTS sets the threads, default
16). The server binary is $WENZHENG_BIN, else .build/debug/wenzheng.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(INTEROP_DIR))

from interop_support import Api, Server, binary, create_admin  # noqa: E402, F401 - binary is a fixture

STRESS_SECONDS = float(os.environ.get("WENZHENG_STRESS_SECONDS", "0"))
CLIENTS = int(os.environ.get("WENZHENG_STRESS_CLIENTS", "16"))
POSTING_SECONDS = (0.8, 2.0)
ADDRESS_LIMIT = ["--question-limit-per-address", "1000000/1s"]


class Asker(threading.Thread):
    """One client: posts questions with unique texts on one keep-alive
    connection until told to stop or the connection dies (the crash)."""

    def __init__(self, port: int, interview_id: int, name: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.interview_id = interview_id
        self.name_prefix = name
        self.stop = stop
        self.answered: dict[str, int] = {}  # text -> question id (201)
        self.unanswered: list[str] = []  # sent, no answer: in flight when the server died
        self.unexpected: list[str] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        index = 0
        while not self.stop.is_set():
            text = f"{self.name_prefix} 第{index}个问题：法律援助怎么申请？"
            body = json.dumps({"text": text, "nickname": "老王"}, ensure_ascii=False).encode()
            index += 1
            try:
                connection.request("POST", f"/api/v1/interviews/{self.interview_id}/questions", body,
                                   {"Content-Type": "application/json", "Accept": "application/json"})
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                self.unanswered.append(text)  # the server died with this request in flight
                return
            if response.status != 201:
                self.unexpected.append(f"{response.status}: {payload[:200]!r}")
                return
            self.answered[text] = int(json.loads(payload)["id"])


def start(binary: Path, database: Path) -> Server:
    return Server(binary, database, extra=ADDRESS_LIMIT)


def run_round(binary: Path, database: Path, interview_id: int, round_number: int, rng: random.Random) -> dict:
    """One round: a server on the file, CLIENTS askers, kill -9 mid-flight."""
    server = start(binary, database)
    stop = threading.Event()
    askers = [Asker(server.port, interview_id, f"r{round_number}c{index}", stop) for index in range(CLIENTS)]
    try:
        for asker in askers:
            asker.start()
        time.sleep(rng.uniform(*POSTING_SECONDS))
        assert server.alive(), f"the server died on its own:\n{server.output()}"
    finally:
        server.kill()  # SIGKILL while the askers post: no shutdown, no checkpoint
    assert server.process.returncode == -9
    stop.set()
    for asker in askers:
        asker.join(timeout=30)
        assert not asker.is_alive(), "a client did not stop after the crash"
    unexpected = [line for asker in askers for line in asker.unexpected]
    assert not unexpected, f"statuses other than 201 before the crash: {unexpected[:5]}"
    answered = {text: question for asker in askers for text, question in asker.answered.items()}
    unanswered = [text for asker in askers for text in asker.unanswered]
    assert answered, "no question was answered before the kill"
    return {"answered": answered, "unanswered": unanswered}


def stored_questions(database: Path, interview_id: int) -> list[tuple]:
    """(id, text, moderation item id, item state, item's source id) of every
    question, read from the file the restarted server has recovered."""
    connection = sqlite3.connect(str(database), timeout=30)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return connection.execute(
            """SELECT q.id, q.text, q.moderation_item_id, m.state, m.source_id
               FROM interview_question AS q LEFT JOIN moderation_item AS m ON m.id = q.moderation_item_id
               WHERE q.interview_id = ? ORDER BY q.id""", (interview_id,)).fetchall()
    finally:
        connection.close()


def test_every_question_answered_201_survives_kill_9_exactly_once(binary, tmp_path):
    database = tmp_path / "questions.sqlite"
    create_admin(binary, database)
    server = start(binary, database)
    try:
        admin = Api(server.base)
        admin.login()
        interview_id = admin.create_live_interview("提问崩溃测试")
    finally:
        server.stop()

    rng = random.Random(13)
    answered: dict[str, int] = {}
    unanswered: set[str] = set()
    deadline = time.monotonic() + STRESS_SECONDS
    rounds = 0
    while True:
        rounds += 1
        result = run_round(binary, database, interview_id, rounds, rng)
        answered.update(result["answered"])
        unanswered.update(result["unanswered"])

        restarted = start(binary, database)
        try:
            rows = stored_questions(database, interview_id)
            by_text: dict[str, list[tuple]] = {}
            for row in rows:
                by_text.setdefault(row[1], []).append(row)
            for text, question_id in answered.items():
                found = by_text.get(text, [])
                assert len(found) == 1, f"{text!r} answered 201 as {question_id} is stored {len(found)} times"
                assert found[0][0] == question_id, f"{text!r} was answered as {question_id}, stored as {found[0][0]}"
            extra = set(by_text) - set(answered)
            assert extra <= unanswered, f"rows for texts never sent: {sorted(extra - unanswered)[:5]}"
            assert len(extra) <= CLIENTS * rounds, "more rows than requests in flight at the kills"
            assert all(len(found) == 1 for found in by_text.values()), "a text is stored twice"
            for question_id, text, item_id, state, source_id in rows:
                assert item_id is not None and state == "pending" and source_id == str(question_id), \
                    f"question {question_id} lacks its own queue item: {(item_id, state, source_id)}"

            # The restarted server takes questions again, after the old ones.
            public = Api(restarted.base)
            status, text = public.call("POST", f"/api/v1/interviews/{interview_id}/questions",
                                       {"text": f"重启后第{rounds}轮的问题", "nickname": "老李"})
            assert status == 201, text
            after = int(json.loads(text)["id"])
            assert after > max(question_id for question_id, *_ in rows)
            answered[f"重启后第{rounds}轮的问题"] = after
        finally:
            restarted.stop()
        if time.monotonic() >= deadline:
            break
    print(f"\n{rounds} round(s): {len(answered)} questions answered 201, all stored once; "
          f"{len(unanswered)} in flight at the kills")
