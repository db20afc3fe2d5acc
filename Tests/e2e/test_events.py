"""Browser tests of open days (开放日): an organiser schedules one with three
seats through the API; visitors register through the event page until it
is full, the next party is waitlisted; a registered visitor cancels with
the code, and the waitlisted visitor's lookup shows the seat. At the door,
on a phone, the organiser checks a visitor in twice. Finally the open day
is called off through the door page, so nothing stays open on the home
page for the other tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import Api, by_testid, load_strings, marker, shot, sign_in_via_page, submit_and_wait, visit, wait

ZH = load_strings("zh-CN.events")["events"]

BEIJING = timezone(timedelta(hours=8))


def register(driver: WebDriver, url: str, name: str, phone: str, party: int, shot_name: str) -> str:
    """Fills the event page's form and returns the confirmation code shown."""
    visit(driver, url, shot_name)
    form = driver.find_element(*by_testid("register-form"))
    form.find_element(*by_testid("register-name")).send_keys(name)
    form.find_element(*by_testid("register-phone")).send_keys(phone)
    Select(form.find_element(*by_testid("register-party"))).select_by_value(str(party))
    submit_and_wait(driver, form.find_element(*by_testid("register-submit")))
    return driver.find_element(*by_testid("registered-code")).text


def look_up(driver: WebDriver, url: str, code: str, shot_name: str) -> str:
    """Looks a registration up by its code and returns its status line."""
    visit(driver, url + "/registration", shot_name + "-form")
    field = driver.find_element(*by_testid("lookup-code-input"))
    field.send_keys(code)
    submit_and_wait(driver, driver.find_element(*by_testid("lookup-submit")))
    shot(driver, shot_name)
    return driver.find_element(*by_testid("lookup-status")).text


def test_register_until_full_then_a_cancellation_seats_the_waitlisted_visitor(browser: WebDriver, new_chrome, server) -> None:
    tag = marker()
    title = f"司法行政开放日：走进法律援助中心 {tag}"
    # Soon, so that the door is open today (check-in runs from 00:00 on
    # the day); registration closes at the start.
    start = datetime.now(timezone.utc) + timedelta(minutes=30)
    api = Api(server)
    created = api.post("/api/v1/events", {
        "title": title,
        "programme": "参观法律援助中心和公共法律服务大厅\n与值班律师面对面交流\n了解人民调解工作",
        "location": "南京市鼓楼区北京西路28号 江苏省司法厅",
        "start": start.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "durationMinutes": 90,
        "capacity": 3,
    })
    event_id = created["id"]
    url = f"{server.url}events/{event_id}"
    assert created["seatsLeft"] == 3 and created["registration"] == "open"

    # The public finds it on the home page, in the list and on its page.
    visitor = browser
    visit(visitor, server.url, "event-home")
    home = visitor.find_element(By.CSS_SELECTOR, f'[data-testid="home-participation"] a[href="/events/{event_id}"]')
    assert home.text == title
    visit(visitor, server.url + "events", "events-list")
    assert title in visitor.find_element(*by_testid("events-upcoming")).text
    visit(visitor, url, "event-page")
    assert visitor.find_element(*by_testid("event-title")).text == title
    assert visitor.find_element(*by_testid("event-status")).text == ZH["states"]["open"]
    assert "共 3 个名额，剩余 3 个" in visitor.find_element(*by_testid("event-seats")).text
    assert "北京时间" in visitor.find_element(*by_testid("event-when")).text

    # A party of two and one of one take the three seats.
    first = register(visitor, url, "张三", "138 0013 8000", 2, "event-register-1")
    assert visitor.find_element(*by_testid("registered-headline")).text == ZH["registered"]["seated"]
    shot(visitor, "event-confirmation")
    second = register(visitor, url, "李四", "+86 139-0013-9000", 1, "event-register-2")
    assert visitor.find_element(*by_testid("registered-headline")).text == ZH["registered"]["seated"]

    # Full: the page says so and the next party is waitlisted.
    visit(visitor, url, "event-page-full")
    assert "已满" in visitor.find_element(*by_testid("event-seats")).text
    assert visitor.find_element(*by_testid("event-full-note")).is_displayed()
    waiting = register(visitor, url, "王五", "13700137000", 1, "event-page-full")
    assert visitor.find_element(*by_testid("registered-headline")).text == ZH["registered"]["waitlisted"]
    assert "候补名单第 1 位" in visitor.find_element(*by_testid("registered-standing")).text
    shot(visitor, "event-waitlisted")

    # The same phone again keeps one registration, and says how to cancel.
    visit(visitor, url, "event-page-again")
    form = visitor.find_element(*by_testid("register-form"))
    form.find_element(*by_testid("register-name")).send_keys("张三")
    form.find_element(*by_testid("register-phone")).send_keys("13800138000")
    submit_and_wait(visitor, form.find_element(*by_testid("register-submit")))
    errors = visitor.find_element(*by_testid("event-errors"))
    assert "此手机号已报名本次开放日" in errors.text
    assert errors.find_element(*by_testid("event-errors-lookup")).get_attribute("href").endswith(f"/events/{event_id}/registration")
    assert first not in visitor.page_source
    assert visitor.find_element(*by_testid("register-phone")).get_attribute("aria-invalid") == "true"
    visitor.execute_script("arguments[0].scrollIntoView({block: 'center'})", errors)
    shot(visitor, "event-same-phone")

    # The visitor with one seat cancels with the code (typed in lower case).
    status = look_up(visitor, url, second.lower(), "event-lookup")
    assert status == "已报名（1 人）"
    submit_and_wait(visitor, visitor.find_element(*by_testid("cancel-submit")))
    assert ZH["notices"]["cancelled"] in visitor.find_element(*by_testid("lookup-notice")).text
    assert visitor.find_element(*by_testid("lookup-status")).text == "已取消（1 人）"
    shot(visitor, "event-cancelled-registration")

    # The waitlisted visitor, in another browser, now has the seat.
    other = new_chrome()
    assert look_up(other, url, waiting, "event-promoted") == "已报名（1 人）"
    assert "从候补名单递补" in other.find_element(*by_testid("lookup-promoted")).text

    # At the door, on a phone: the organiser checks the first party in, twice.
    door = new_chrome(phone=True)
    sign_in_via_page(door, server, "admin", name="event-door-login")
    visit(door, f"{server.url}staff/events/{event_id}", "event-door-phone")
    assert door.find_element(*by_testid("count-registered")).text.endswith("3 人（2 组）")
    assert "138****8000" in door.page_source and "13800138000" not in door.page_source
    today = datetime.now(BEIJING).date()
    if start.astimezone(BEIJING).date() == today:
        code_field = door.find_element(*by_testid("check-in-code"))
        assert door.switch_to.active_element == code_field, "the code field has the focus"
        code_field.send_keys(first.replace("-", "").lower())
        submit_and_wait(door, door.find_element(*by_testid("check-in-submit")))
        result = door.find_element(*by_testid("check-in-result"))
        assert result.get_attribute("data-kind") == "ok"
        assert "签到成功" in result.text and "张三 · 2 人" in result.text
        shot(door, "event-check-in-phone")
        door.find_element(*by_testid("check-in-code")).send_keys(first)
        submit_and_wait(door, door.find_element(*by_testid("check-in-submit")))
        result = door.find_element(*by_testid("check-in-result"))
        assert result.get_attribute("data-kind") == "again"
        assert "无需重复签到" in result.text
        shot(door, "event-check-in-again-phone")
        assert door.find_element(*by_testid("count-checked-in")).text.endswith("2 人（1 组）")
    else:
        # Started just before midnight Beijing time: the door opens tomorrow.
        assert door.find_element(*by_testid("check-in-hours")).is_displayed()

    # The organisers' list, on a desktop.
    office = new_chrome()
    sign_in_via_page(office, server, "admin", name="event-office-login")
    visit(office, f"{server.url}staff/events", "event-staff-list")
    assert title in office.find_element(*by_testid("staff-events")).text
    visit(office, f"{server.url}staff/events/{event_id}", "event-staff-page")

    # Called off: the reason is public and nothing stays open on the home page.
    office.find_element(*by_testid("cancel-day-toggle")).click()
    wait(office).until(EC.visibility_of_element_located(by_testid("cancel-day-reason"))).send_keys("场馆临时检修，另行通知")
    submit_and_wait(office, office.find_element(*by_testid("cancel-day-submit")))
    assert ZH["notices"]["dayCancelled"] in office.find_element(*by_testid("staff-event-notice")).text
    visit(visitor, url, "event-page-cancelled")
    assert "场馆临时检修" in visitor.find_element(*by_testid("event-cancellation")).text
    assert not visitor.find_elements(*by_testid("register-form"))
    visit(visitor, server.url, "event-home-after")
    assert not visitor.find_elements(By.CSS_SELECTOR, f'a[href="/events/{event_id}"]')


def test_event_page_on_a_phone(new_chrome, server) -> None:
    """The event page and its form fit a phone; a refused form keeps what was typed."""
    tag = marker()
    api = Api(server)
    created = api.post("/api/v1/events", {
        "title": f"开放日（手机） {tag}",
        "programme": "参观公证处",
        "location": "南京市北京西路28号",
        "start": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "durationMinutes": 60,
        "capacity": 20,
    })
    url = f"{server.url}events/{created['id']}"
    phone = new_chrome(phone=True)
    visit(phone, url, "event-page-phone")
    form = phone.find_element(*by_testid("register-form"))
    form.find_element(*by_testid("register-name")).send_keys("赵六")
    form.find_element(*by_testid("register-phone")).send_keys("12345")
    submit_and_wait(phone, form.find_element(*by_testid("register-submit")))
    assert phone.find_element(*by_testid("register-name")).get_attribute("value") == "赵六"
    assert phone.find_element(*by_testid("register-phone")).get_attribute("aria-invalid") == "true"
    phone.execute_script("arguments[0].scrollIntoView({block: 'start'})", phone.find_element(*by_testid("event-errors")))
    shot(phone, "event-form-refused-phone")
    width = phone.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    api.post(f"/api/v1/events/{created['id']}/cancel", {"reason": "测试结束"})
