"""Browser tests of the foundation: home page, language and text-size
preferences, staff sign-in and sign-out, and the phone layout."""

from __future__ import annotations

import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC

from conftest import (
    ADMIN_DISPLAY_NAME,
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    PHONE_SIZE,
    by_testid,
    load_strings,
    shot,
    visit,
    wait,
    wait_for_page,
)

ZH = load_strings("zh-CN")
EN = load_strings("en")


def html_lang(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


def wait_for_lang(driver: WebDriver, lang: str) -> None:
    wait(driver).until(lambda d: html_lang(d) == lang, f"<html lang> never became {lang!r}")
    wait_for_page(driver)


def heading(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def path_of(driver: WebDriver) -> str:
    return driver.execute_script("return location.pathname")


def click_and_wait_for_new_page(driver: WebDriver, locator: tuple[str, str]) -> None:
    """Clicks something that navigates, and waits until the old page is gone."""
    old_html = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(*locator).click()
    wait(driver).until(EC.staleness_of(old_html))
    wait_for_page(driver)


def fetch(url: str, cookies: dict[str, str] | None = None) -> tuple[int, str]:
    """A plain HTTP GET without redirects or Accept-Language."""
    request = urllib.request.Request(url)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


# MARK: 1. Home page


def test_home_page_is_chinese_by_default(browser: WebDriver, server) -> None:
    visit(browser, server.url, "home-zh")

    assert html_lang(browser) == "zh-CN"
    assert "问政" in browser.title
    assert heading(browser) == "欢迎参与问政"

    interviews = browser.find_element(*by_testid("section-interviews"))
    surveys = browser.find_element(*by_testid("section-surveys"))
    replies = browser.find_element(*by_testid("section-replies"))
    assert "近期暂无在线访谈安排" in interviews.text
    assert ZH["home"]["noInterviews"] in interviews.text
    assert ZH["home"]["noSurveys"] in surveys.text
    assert ZH["home"]["noReplies"] in replies.text
    for section in (interviews, surveys, replies):
        assert section.is_displayed()

    assert browser.find_element(*by_testid("switch-language")).text == "English"
    assert browser.find_element(*by_testid("login-link")).is_displayed()

    # Without any Accept-Language (a bare client) the server also picks Chinese.
    status, body = fetch(server.url)
    assert status == 200
    assert '<html lang="zh-CN"' in body


# MARK: 2. Language


def test_switching_language_persists(browser: WebDriver, server) -> None:
    visit(browser, server.url, "home-before-switch")
    assert html_lang(browser) == "zh-CN"

    switch = browser.find_element(*by_testid("switch-language"))
    assert switch.text == "English"
    click_and_wait_for_new_page(browser, by_testid("switch-language"))
    wait_for_lang(browser, "en")
    shot(browser, "home-en")
    assert heading(browser) == "Take part in government"
    assert path_of(browser) == "/"
    assert EN["home"]["noInterviews"] in browser.find_element(*by_testid("section-interviews")).text
    assert browser.find_element(*by_testid("switch-language")).text == "中文"

    # The choice is kept in a cookie: a reload stays English.
    assert browser.get_cookie("lang") is not None
    browser.refresh()
    wait_for_page(browser)
    wait_for_lang(browser, "en")
    shot(browser, "home-en-reloaded")
    assert heading(browser) == "Take part in government"

    # Switch back: the link now reads 中文.
    switch = browser.find_element(*by_testid("switch-language"))
    assert switch.text == "中文"
    click_and_wait_for_new_page(browser, by_testid("switch-language"))
    wait_for_lang(browser, "zh-CN")
    shot(browser, "home-zh-switched-back")
    assert heading(browser) == "欢迎参与问政"
    assert browser.find_element(*by_testid("switch-language")).text == "English"
    browser.refresh()
    wait_for_lang(browser, "zh-CN")


def test_lang_query_parameter(browser: WebDriver, server) -> None:
    visit(browser, server.url + "?lang=en", "home-en-query")
    assert html_lang(browser) == "en"
    assert heading(browser) == "Take part in government"
    assert browser.find_element(*by_testid("switch-language")).text == "中文"

    visit(browser, server.url + "login?lang=en", "login-en-query")
    assert html_lang(browser) == "en"
    assert heading(browser) == EN["login"]["heading"]


# MARK: 3. Large text


def test_large_text_toggle(browser: WebDriver, server) -> None:
    def root_font_size() -> str:
        return browser.execute_script("return getComputedStyle(document.documentElement).fontSize")

    def html_classes() -> list[str]:
        return (browser.find_element(By.TAG_NAME, "html").get_attribute("class") or "").split()

    visit(browser, server.url, "home-normal-text")
    assert "large-text" not in html_classes()
    assert root_font_size() == "16px"
    toggle = browser.find_element(*by_testid("toggle-text-size"))
    assert toggle.text == ZH["prefs"]["largeText"]

    click_and_wait_for_new_page(browser, by_testid("toggle-text-size"))
    wait(browser).until(lambda d: "large-text" in html_classes(), "<html> never got class large-text")
    shot(browser, "home-large-text")
    assert root_font_size() == "24px"  # 150 % (docs/accessibility.md)
    assert path_of(browser) == "/"
    assert browser.find_element(*by_testid("toggle-text-size")).text == ZH["prefs"]["normalText"]

    # It is a preference: it survives a reload.
    browser.refresh()
    wait_for_page(browser)
    assert "large-text" in html_classes()

    click_and_wait_for_new_page(browser, by_testid("toggle-text-size"))
    wait(browser).until(lambda d: "large-text" not in html_classes(), "class large-text was never removed")
    shot(browser, "home-normal-text-again")
    assert root_font_size() == "16px"
    assert browser.find_element(*by_testid("toggle-text-size")).text == ZH["prefs"]["largeText"]


# MARK: 4. Sign in and out


def sign_in(browser: WebDriver, username: str, password: str) -> None:
    form = browser.find_element(*by_testid("login-form"))
    form.find_element(By.NAME, "username").clear()
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").clear()
    form.find_element(By.NAME, "password").send_keys(password)
    old_html = browser.find_element(By.TAG_NAME, "html")
    form.submit()
    wait(browser).until(EC.staleness_of(old_html))
    wait_for_page(browser)


def test_login_and_logout(browser: WebDriver, server) -> None:
    visit(browser, server.url, "home-anonymous")
    click_and_wait_for_new_page(browser, by_testid("login-link"))
    assert path_of(browser) == "/login"
    shot(browser, "login")
    wait(browser).until(EC.visibility_of_element_located(by_testid("login-form")))
    assert heading(browser) == ZH["login"]["heading"]

    # Wrong password: an error, and still on /login.
    sign_in(browser, ADMIN_USERNAME, "wrong-password-123")
    error = wait(browser).until(EC.visibility_of_element_located(by_testid("login-error")))
    shot(browser, "login-failed")
    assert path_of(browser) == "/login"
    assert error.text == ZH["login"]["failed"]
    assert browser.get_cookie("wz_session") is None
    # The username is kept, the password is not.
    form = browser.find_element(*by_testid("login-form"))
    assert form.find_element(By.NAME, "username").get_attribute("value") == ADMIN_USERNAME
    assert form.find_element(By.NAME, "password").get_attribute("value") == ""

    # Right password: on to the staff workspace.
    sign_in(browser, ADMIN_USERNAME, ADMIN_PASSWORD)
    wait(browser).until(lambda d: path_of(d) == "/staff", "sign-in did not lead to /staff")
    whoami = wait(browser).until(EC.visibility_of_element_located(by_testid("whoami")))
    shot(browser, "staff-home")
    assert ADMIN_DISPLAY_NAME in whoami.text
    assert browser.find_elements(*by_testid("login-link")) == []
    session = browser.get_cookie("wz_session")
    assert session is not None and session["value"]
    assert session.get("httpOnly") is True

    visit(browser, server.url + "admin/users", "admin-users")
    table = wait(browser).until(EC.visibility_of_element_located(by_testid("users-table")))
    assert ADMIN_USERNAME in table.text
    assert ADMIN_DISPLAY_NAME in table.text

    # Sign out: back home, anonymous again.
    click_and_wait_for_new_page(browser, by_testid("logout"))
    wait(browser).until(lambda d: path_of(d) == "/", "sign-out did not lead to /")
    wait(browser).until(EC.visibility_of_element_located(by_testid("login-link")))
    shot(browser, "after-logout")
    assert browser.find_elements(*by_testid("whoami")) == []

    # The workspace asks for a sign-in again.
    visit(browser, server.url + "staff", "staff-after-logout")
    assert path_of(browser) == "/staff"
    wait(browser).until(EC.visibility_of_element_located(by_testid("login-form")))
    status, body = fetch(server.url + "staff", {c["name"]: c["value"] for c in browser.get_cookies()})
    assert status == 401
    assert 'data-testid="login-form"' in body

    # The old session token is dead on the server, not just forgotten by
    # the browser.
    status, body = fetch(server.url + "staff", {"wz_session": session["value"]})
    assert status == 401, "the session token still works after signing out"
    assert 'data-testid="whoami"' not in body


# MARK: 5. Phone


def test_phone_layout_has_no_horizontal_scroll(phone: WebDriver, server) -> None:
    width, _ = PHONE_SIZE
    for lang, name in (("zh", "home-phone-zh"), ("en", "home-phone-en")):
        visit(phone, f"{server.url}?lang={lang}", name)
        inner_width = phone.execute_script("return window.innerWidth")
        scroll_width = phone.execute_script("return document.documentElement.scrollWidth")
        # A mobile browser widens the layout viewport (innerWidth) to fit
        # content that is too wide, so compare with the device width too.
        assert scroll_width <= inner_width and inner_width <= width, (
            f"{name}: the page is {scroll_width}px wide on a {width}px phone "
            f"(innerWidth {inner_width}px): it scrolls sideways")
        assert phone.find_element(*by_testid("section-interviews")).is_displayed()
        assert phone.find_element(*by_testid("switch-language")).is_displayed()
