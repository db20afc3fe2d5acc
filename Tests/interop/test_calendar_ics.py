"""The iCalendar files of `wenzheng export calendar` and `wenzheng events
list --format ics`, read back by an independent parser (Python's
icalendar, installed by script/test from Tests/e2e/requirements.txt).

The events are scheduled, moved and cancelled with the built `wenzheng`
command on a throw-away database, with texts that stress the writer:
commas, semicolons, backslashes, quotes, line breaks, long Chinese lines
(folded at 75 octets) and an emoji. Every property must come back intact.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from wenzheng_process import clean_environment, server_binary  # noqa: E402

BEIJING = timezone(timedelta(hours=8))
YEAR = datetime.now(BEIJING).year + 1
BASE = "https://wz.example.gov.cn/"


def weekday(month: int, day: int) -> date:
    """The first Monday to Friday on or after month/day of next year."""
    found = date(YEAR, month, day)
    while found.weekday() >= 5:
        found += timedelta(days=1)
    return found


def run(database: Path, *arguments: str) -> bytes:
    """Standard output as bytes: a text mode would turn CRLF into LF."""
    result = subprocess.run(
        [str(server_binary()), *arguments, "--db", str(database)], capture_output=True, env=clean_environment(), timeout=60)
    assert result.returncode == 0, f"{arguments}: {result.stderr.decode('utf-8', 'replace')}"
    return result.stdout


def utc(day: date, hour: int, minute: int) -> datetime:
    """A Beijing wall-clock time as the UTC instant the file must hold."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BEIJING).astimezone(timezone.utc)


HOSTILE_TITLE = '法律援助, 与你同行; 第一期 \\ "引号"'
LONG_TITLE = "关于进一步加强和改进新时代公共法律服务体系建设、推进法律援助惠民生工程与基层人民调解工作的在线访谈" * 2
SUMMARY = "第一行：介绍新规，答疑；\n第二行 🙂 欢迎提问"
PROGRAMME = "09:30 参观法律援助中心；10:30 座谈, 互动\n11:30 结束"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> dict:
    assert server_binary().exists(), f"no built wenzheng at {server_binary()}: swift build first"
    folder = tmp_path_factory.mktemp("calendar")
    database = folder / "db.sqlite"
    days = {
        "hostile": weekday(3, 16), "long": weekday(5, 18), "cancelled": weekday(8, 17), "open_day": weekday(6, 9),
        "moved": weekday(6, 23),
    }
    run(database, "schedule", "interview", "--title", HOSTILE_TITLE, "--start", f"{days['hostile']}T09:30",
        "--duration", "90m", "--summary", SUMMARY, "--guest", "张明|副厅长|江苏省司法厅", "--guest", "李华||法律援助处")
    run(database, "schedule", "interview", "--title", LONG_TITLE[:120], "--start", f"{days['long']}T14:00",
        "--duration", "2h")
    run(database, "schedule", "interview", "--title", "三季度访谈", "--start", f"{days['cancelled']}T09:30")
    run(database, "events", "cancel", "interview:3", "--reason", "嘉宾临时公务, 改期另行通知")
    run(database, "schedule", "open-day", "--title", "司法行政开放日", "--start", f"{days['open_day']}T09:30",
        "--duration", "2h30m", "--location", "南京市北京西路28号; 一楼", "--capacity", "50", "--programme", PROGRAMME)
    run(database, "events", "reschedule", "open-day:1", "--start", f"{days['moved']}T14:00", "--duration", "3h")
    output = folder / "plan.ics"
    run(database, "export", "calendar", "--year", str(YEAR), "-o", str(output), "--base-url", BASE)
    return {"database": database, "file": output.read_bytes(), "days": days}


def events_by_uid(data: bytes) -> dict:
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Wenzheng//Wenzheng Public Events//ZH"
    assert str(calendar["X-WR-CALNAME"]) == f"问政 {YEAR} 年访谈与开放日"
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_every_event_reads_back_intact(plan: dict) -> None:
    events = events_by_uid(plan["file"])
    days = plan["days"]
    assert sorted(events) == ["interview-1@wz.example.gov.cn", "interview-2@wz.example.gov.cn",
                              "interview-3@wz.example.gov.cn", "open-day-1@wz.example.gov.cn"]

    hostile = events["interview-1@wz.example.gov.cn"]
    assert str(hostile["SUMMARY"]) == HOSTILE_TITLE
    assert hostile.decoded("DTSTART") == utc(days["hostile"], 9, 30)
    assert hostile.decoded("DTEND") == utc(days["hostile"], 11, 0)
    assert str(hostile["DESCRIPTION"]) == SUMMARY + "\n嘉宾：张明，副厅长，江苏省司法厅\n嘉宾：李华，法律援助处"
    assert str(hostile["URL"]) == BASE + "interviews/1"
    assert str(hostile["LOCATION"]) == BASE + "interviews/1"
    assert int(hostile["SEQUENCE"]) == 0 and str(hostile["STATUS"]) == "CONFIRMED"

    long = events["interview-2@wz.example.gov.cn"]
    assert str(long["SUMMARY"]) == LONG_TITLE[:120]
    assert long.decoded("DTEND") - long.decoded("DTSTART") == timedelta(hours=2)

    cancelled = events["interview-3@wz.example.gov.cn"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 1
    assert str(cancelled["DESCRIPTION"]) == "本次访谈已取消：嘉宾临时公务, 改期另行通知"

    open_day = events["open-day-1@wz.example.gov.cn"]
    assert str(open_day["SUMMARY"]) == "司法行政开放日"
    assert str(open_day["LOCATION"]) == "南京市北京西路28号; 一楼"
    assert str(open_day["DESCRIPTION"]) == PROGRAMME
    assert open_day.decoded("DTSTART") == utc(days["moved"], 14, 0)
    assert open_day.decoded("DTEND") == utc(days["moved"], 17, 0)
    assert int(open_day["SEQUENCE"]) == 1 and str(open_day["STATUS"]) == "CONFIRMED"
    assert str(open_day["URL"]) == BASE + "events/1"

    stamps = {event.decoded("DTSTAMP") for event in events.values()}
    assert len(stamps) == 1 and next(iter(stamps)).tzinfo is not None


def test_lines_are_crlf_and_folded_at_75_octets(plan: dict) -> None:
    data = plan["file"]
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines), "the long title should have been folded"
    for line in lines:
        line.decode("utf-8")  # no UTF-8 sequence split by folding


def test_the_same_data_gives_the_same_bytes_and_the_list_agrees(plan: dict) -> None:
    again = run(plan["database"], "export", "calendar", "--year", str(YEAR), "--base-url", BASE)
    assert again == plan["file"]
    listed = run(plan["database"], "events", "list", "--year", str(YEAR), "--format", "ics", "--base-url", BASE)
    assert events_by_uid(listed).keys() == events_by_uid(plan["file"]).keys()


def test_public_calendar_leaves_out_unannounced_interviews(plan: dict) -> None:
    public = run(plan["database"], "export", "calendar", "--year", str(YEAR), "--public", "--base-url", BASE)
    assert sorted(events_by_uid(public)) == ["open-day-1@wz.example.gov.cn"]
