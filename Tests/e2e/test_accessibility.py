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
from selenium.webdriver.common.action_chains import ActionChains
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


# MARK: Keyboard alone


def active(driver: WebDriver):
    return driver.switch_to.active_element


def press(driver: WebDriver, *keys: str) -> None:
    """Sends keys to whatever has focus, as a keyboard does."""
    ActionChains(driver).send_keys(*keys).perform()


def tab_to(driver: WebDriver, matches, what: str, limit: int = 120, backwards: bool = False) -> None:
    """Presses Tab (or Shift+Tab) until the focused element matches."""
    for _ in range(limit):
        if matches(active(driver)):
            return
        if backwards:
            ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        else:
            press(driver, Keys.TAB)
    raise AssertionError(f"{what} was never reached with Tab ({limit} presses)")


def focused(driver: WebDriver) -> str:
    """What has focus, read in the page (no element reference to go stale
    while a page loads): "tag#id[data-testid]"."""
    return driver.execute_script(
        "const e = document.activeElement; return e ? e.tagName.toLowerCase() + '#' + (e.id || '') + "
        "'[' + (e.dataset.testid || '') + ']' : ''")


def has_testid(testid: str):
    return lambda element: element.get_attribute("data-testid") == testid


def has_id(element_id: str):
    return lambda element: element.get_attribute("id") == element_id


FOCUS_STYLE = """
const el = document.activeElement;
const style = getComputedStyle(el);
// The ring is drawn outside the element (outline-offset): what lies behind
// it is the parent's background, not the element's own.
let node = el.parentElement, background = 'rgba(0, 0, 0, 0)';
while (node && node.nodeType === 1) {
  const colour = getComputedStyle(node).backgroundColor;
  if (colour && colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') { background = colour; break; }
  node = node.parentElement;
}
if (background === 'rgba(0, 0, 0, 0)') background = getComputedStyle(document.documentElement).backgroundColor;
return {tag: el.tagName, text: (el.textContent || '').trim().slice(0, 30), visible: el.matches(':focus-visible'),
        outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth), outlineColor: style.outlineColor,
        boxShadow: style.boxShadow, background};
"""


def assert_focus_visible(driver: WebDriver, where: str) -> float:
    """The focused element shows a ring (outline of at least 2 px) whose
    colour has at least 3:1 contrast with the background behind it."""
    style = driver.execute_script(FOCUS_STYLE)
    assert style["visible"], f"{where}: {style['tag']} '{style['text']}' is focused but not :focus-visible"
    assert style["outlineStyle"] not in ("none", "") and style["outlineWidth"] >= 2, f"{where}: no focus ring: {style}"
    ring, background = parse_rgb(style["outlineColor"]), parse_rgb(style["background"])
    assert ring and background, f"{where}: colours unreadable: {style}"
    ratio = contrast(ring, background)
    assert ratio >= 3, f"{where}: focus ring {style['outlineColor']} on {style['background']} is {ratio:.2f}:1 (3:1 needed)"
    return ratio


def test_skip_link_first_and_focus_visible_everywhere(demo_server: Server, a11y_driver: WebDriver) -> None:
    driver = a11y_driver
    driver.delete_all_cookies()
    configure(driver, demo_server, "zh", "normal", DESKTOP_WIDTH)
    driver.get(demo_server.url)
    wait_for_page(driver)

    press(driver, Keys.TAB)
    first = active(driver)
    assert "skip-link" in (first.get_attribute("class") or ""), \
        f"the first Tab stop is {first.tag_name} '{first.text}', not the skip link"
    assert first.is_displayed() and first.location["x"] >= 0, "the focused skip link is off screen"
    ratios = {"skip link": assert_focus_visible(driver, "skip link")}
    shot(driver, "a11y-keyboard-skip-link")

    press(driver, Keys.ENTER)
    wait(driver).until(lambda d: d.execute_script("return document.activeElement.id") == "main",
                       "Enter on the skip link did not move focus to the main content")
    press(driver, Keys.TAB)
    assert driver.execute_script("return document.getElementById('main').contains(document.activeElement)"), \
        "after the skip link, Tab does not continue inside the main content"
    ratios["link in main"] = assert_focus_visible(driver, "first link in the main content")

    # The header (red) and the nav (dark red): the ring must stand out there too.
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    driver.get(demo_server.url)
    wait_for_page(driver)
    tab_to(driver, has_testid("switch-language"), "the language switch")
    ratios["header"] = assert_focus_visible(driver, "language switch on the red header")
    shot(driver, "a11y-keyboard-focus-header")
    tab_to(driver, lambda e: e.get_attribute("href") and e.get_attribute("href").endswith("/interviews"), "the nav")
    ratios["nav"] = assert_focus_visible(driver, "nav link on the dark red bar")
    shot(driver, "a11y-keyboard-focus-nav")
    print("focus ring contrast: " + ", ".join(f"{k} {v:.2f}:1" for k, v in ratios.items()))

    # The language switch names its language in that language.
    switch = driver.find_element(*by_testid("switch-language"))
    assert switch.get_attribute("lang") == "en" and switch.get_attribute("hreflang") == "en"
    assert driver.title == "首页 – 问政", driver.title
    driver.get(demo_server.url + "letters/new")
    wait_for_page(driver)
    assert driver.title.endswith(" – 领导信箱 – 问政") and len(driver.title) > len(" – 领导信箱 – 问政"), driver.title


def test_keyboard_alone_asks_a_question_on_a_live_interview(demo_server: Server, a11y_driver: WebDriver) -> None:
    admin = Api(demo_server, DEMO_ADMIN)
    if admin.get("/api/v1/interviews/2")["status"] != "live":
        admin.set_status(2, "live")
    driver = a11y_driver
    driver.delete_all_cookies()
    configure(driver, demo_server, "zh", "large", DESKTOP_WIDTH)
    driver.get(demo_server.url + "interviews/2")
    wait_for_page(driver)
    text = f"请问法律援助的申请材料有哪些 {marker()}"

    tab_to(driver, has_id("question-text"), "the question box")
    press(driver, text)
    press(driver, Keys.TAB)  # the nickname
    assert active(driver).get_attribute("id") == "question-nickname"
    press(driver, "键盘用户")
    tab_to(driver, lambda e: e.tag_name == "button" and e.get_attribute("type") == "submit"
           and e.find_element(By.XPATH, "ancestor::form").get_attribute("data-testid") == "ask-form", "the send button")
    assert_focus_visible(driver, "the question form's button")
    old = driver.find_element(By.TAG_NAME, "html")
    press(driver, Keys.ENTER)
    wait_until_gone(driver, old)
    wait(driver).until(lambda d: d.find_elements(*by_testid("asked")), "no confirmation after the question was sent")
    # The page was reached with #ask: focus is taken back after the browser
    # scrolls to the fragment (Web/static/js/forms.js).
    wait(driver).until(lambda d: focused(d).endswith("[asked]"), "the confirmation did not take focus")
    shot(driver, "a11y-keyboard-question-asked")

    # The moderator approves it: the list is rebuilt live. A keyboard user
    # on a vote button stays on that same button, and every vote button
    # says which question it supports.
    buttons = driver.find_elements(By.CSS_SELECTOR, "#question-list button[id^=vote-]")
    assert buttons, "the live interview shows no question to vote for"
    for button in buttons:
        label = button.get_attribute("aria-label")
        assert label and label.startswith("支持：") and "当前" in label and len(label) > len("支持：，当前 0 票"), label
    target_id = buttons[0].get_attribute("id")
    tab_to(driver, has_id(target_id), "a vote button")
    driver.execute_script("document.getElementById('question-list').dataset.generation = 'old'")
    moderator = Api(demo_server, DEMO_ADMIN)
    items = moderator.get("/api/v1/moderation/items?kind=question")["items"]
    item = next(i for i in items if text in (i.get("text") or ""))
    moderator.post(f"/api/v1/moderation/items/{item['id']}/decision", {"action": "approve"})
    wait(driver).until(lambda d: text in d.find_element(By.ID, "question-list").text,
                       "the approved question never reached the open page")
    assert driver.execute_script("return document.getElementById('question-list').dataset.generation") == "old", \
        "the page reloaded instead of updating the list"
    now_focused = focused(driver)
    assert now_focused.startswith(f"button#{target_id}["), f"focus moved to {now_focused} when the list was rebuilt"
    new_button = driver.find_element(By.ID, f"vote-{item['id']}") if driver.find_elements(By.ID, f"vote-{item['id']}") else None
    if new_button is not None:
        assert "法律援助" in new_button.get_attribute("aria-label")

    transcript = driver.find_element(By.ID, "transcript")
    assert transcript.get_attribute("aria-live") == "polite"
    assert transcript.get_attribute("aria-relevant") == "additions"


def test_keyboard_alone_writes_a_letter_and_fixes_an_error(demo_server: Server, a11y_driver: WebDriver) -> None:
    driver = a11y_driver
    driver.delete_all_cookies()
    configure(driver, demo_server, "zh", "normal", PHONE_WIDTH)
    driver.get(demo_server.url + "letters/new")
    wait_for_page(driver)

    tab_to(driver, has_id("letter-type"), "the letter type")
    press(driver, Keys.ARROW_DOWN)
    press(driver, Keys.TAB)
    assert active(driver).get_attribute("id") == "letter-subject"
    press(driver, f"建议延长法律服务点开放时间 {marker()}")
    press(driver, Keys.TAB)
    press(driver, "社区法律服务点工作日下午五点关门，上班族来不及咨询，建议周末开放半天。")
    tab_to(driver, has_id("letter-name"), "the name field")
    press(driver, "王大妈")
    press(driver, Keys.TAB)
    press(driver, "abc")  # not a phone number: the server refuses it
    tab_to(driver, has_testid("letter-may-publish"), "the may-publish box")
    if not active(driver).is_selected():
        press(driver, Keys.SPACE)
    assert active(driver).is_selected()
    tab_to(driver, has_testid("letter-submit"), "the send button")
    old = driver.find_element(By.TAG_NAME, "html")
    press(driver, Keys.ENTER)
    wait_until_gone(driver, old)

    # The error summary has focus, is an alert, and links to the field.
    summary = active(driver)
    assert summary.get_attribute("data-testid") == "letter-errors", \
        f"focus is on {summary.tag_name} '{summary.text[:40]}', not the error summary"
    assert summary.get_attribute("role") == "alert"
    phone = driver.find_element(By.ID, "letter-phone")
    assert phone.get_attribute("aria-invalid") == "true"
    described = (phone.get_attribute("aria-describedby") or "").split()
    assert described and all(driver.find_elements(By.ID, d) for d in described), described
    assert any(driver.find_element(By.ID, d).text for d in described)
    shot(driver, "a11y-keyboard-letter-errors")
    press(driver, Keys.TAB)
    link = active(driver)
    assert link.tag_name == "a" and link.get_attribute("href").endswith("#letter-phone"), link.get_attribute("href")
    press(driver, Keys.ENTER)
    wait(driver).until(lambda d: focused(d).startswith("input#letter-phone["),
                       "the summary's link did not take focus to the phone field")
    press(driver, Keys.END)
    for _ in range(3):
        press(driver, Keys.BACKSPACE)
    press(driver, "025-83591234")
    tab_to(driver, has_testid("letter-submit"), "the send button")
    old = driver.find_element(By.TAG_NAME, "html")
    press(driver, Keys.ENTER)
    wait_until_gone(driver, old)
    confirmation = active(driver)
    assert confirmation.get_attribute("data-focus-on-load") is not None, \
        f"the receipt's confirmation did not take focus ({focused(driver)} has it)"
    assert driver.find_elements(*by_testid("receipt-number"))
    # The receipt in every configuration: axe and the sideways check.
    violations = failing(run_axe(driver, axe_source()))
    assert not violations, describe(violations)
    assert horizontal_overflow(driver) is None
    shot(driver, "a11y-keyboard-letter-receipt")


def test_login_error_takes_focus_and_describes_the_fields(demo_server: Server, a11y_driver: WebDriver) -> None:
    driver = a11y_driver
    driver.delete_all_cookies()
    configure(driver, demo_server, "en", "normal", DESKTOP_WIDTH)
    driver.get(demo_server.url + "login")
    wait_for_page(driver)
    tab_to(driver, has_id("username"), "the user name")
    press(driver, DEMO_ADMIN, Keys.TAB, "wrong-password-1", Keys.ENTER)
    wait(driver).until(lambda d: focused(d).endswith("[login-error]"),
                       "the sign-in error did not take focus")
    # Both fields are described by the message; neither is marked invalid,
    # so the page does not say which of the two was wrong
    # (AuthenticationTests: a missing field is marked).
    for field in ("username", "password"):
        element = driver.find_element(By.ID, field)
        assert element.get_attribute("aria-describedby") == "login-error"
        assert element.get_attribute("aria-invalid") is None


def test_moderation_shortcuts_are_off_until_turned_on(demo_server: Server, a11y_driver: WebDriver) -> None:
    driver = a11y_driver
    driver.delete_all_cookies()
    configure(driver, demo_server, "zh", "normal", DESKTOP_WIDTH)
    # A pending question to decide on.
    driver.get(demo_server.url + "interviews/2")
    wait_for_page(driver)
    text = f"请问调解协议如何申请司法确认 {marker()}"
    form = driver.find_element(*by_testid("ask-form"))
    form.find_element(By.NAME, "text").send_keys(text)
    old = driver.find_element(By.TAG_NAME, "html")
    form.submit()
    wait_until_gone(driver, old)

    sign_in(driver, demo_server, "demo-moderator")
    driver.get(demo_server.url + "moderation")
    wait_for_page(driver)
    driver.execute_script("try { localStorage.removeItem('wenzheng.moderation.shortcuts') } catch (e) {}")
    driver.refresh()
    wait_for_page(driver)
    toggle = driver.find_element(*by_testid("shortcuts-toggle"))
    assert toggle.is_displayed() and not toggle.is_selected(), "the one-key shortcuts are not off by default"

    def card_for(t: str):
        for card in driver.find_elements(*by_testid("moderation-item")):
            if t in card.find_element(*by_testid("item-text")).text:
                return card
        return None

    card = card_for(text)
    assert card is not None, "the new question is not in the console"
    driver.execute_script("""
        window.__submitted = 0;
        document.addEventListener('submit', () => { window.__submitted += 1; }, true);
        arguments[0].focus();""", card)
    press(driver, "a")
    press(driver, "j")
    assert driver.execute_script("return window.__submitted") == 0, "'a' approved with the shortcuts off"
    assert card.get_attribute("data-testid") == "moderation-item"  # still this page, nothing sent

    # Turned on with the keyboard, remembered across a reload; then "a" approves.
    tab_to(driver, has_testid("shortcuts-toggle"), "the shortcuts setting", backwards=True)
    press(driver, Keys.SPACE)
    assert active(driver).is_selected()
    driver.refresh()
    wait_for_page(driver)
    assert driver.find_element(*by_testid("shortcuts-toggle")).is_selected(), "the setting was not remembered"
    card = card_for(text)
    driver.execute_script("arguments[0].focus()", card)
    old = driver.find_element(By.TAG_NAME, "html")
    press(driver, "a")
    wait_until_gone(driver, old)
    assert card_for(text) is None, "'a' with the shortcuts on did not approve the question"
    driver.execute_script("localStorage.removeItem('wenzheng.moderation.shortcuts')")
    driver.delete_all_cookies()
