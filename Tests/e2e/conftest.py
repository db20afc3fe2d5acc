"""Fixtures for the browser tests.

A session-wide Wenzheng server (the already built `.build/debug/wenzheng`,
or $WENZHENG_BIN) runs on a throw-away database and a free port, with one
admin account created through the command line first. Debian's chromium
drives it headless through chromedriver.

The database is an SQLite file, or, with WENZHENG_E2E_DATABASE=postgres, a
new database in the PostgreSQL test cluster (WENZHENG_TEST_POSTGRES_URL,
`script/with-postgres`): script/test runs a smoke set of these tests that
way, their screenshots in screenshots/postgres/.
"""

from __future__ import annotations

import base64
import json
import os
import random
import sys
import warnings
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
sys.path.insert(0, str(REPO_ROOT / "Tests" / "support"))

from wenzheng_process import ADMIN_PASSWORD, ADMIN_USERNAME, HarnessError, create_user, server_binary  # noqa: E402
from wenzheng_process import Api as BaseApi  # noqa: E402
from wenzheng_process import Server as BaseServer  # noqa: E402
from wenzheng_postgres import Node, create_database, postgres_url  # noqa: E402

ON_POSTGRES = os.environ.get("WENZHENG_E2E_DATABASE", "sqlite") == "postgres"
SCREENSHOT_DIR = E2E_DIR / "screenshots" / ("postgres" if ON_POSTGRES else "")

CHROMIUM = os.environ.get("WENZHENG_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("WENZHENG_E2E_CHROMEDRIVER", "/usr/bin/chromedriver")

ADMIN_DISPLAY_NAME = "管理员"

DESKTOP_SIZE = (1280, 900)
PHONE_SIZE = (390, 844)

SERVER_START_TIMEOUT = 30
SERVER_STOP_TIMEOUT = 10
WAIT_TIMEOUT = 10



def load_strings(language: str) -> dict:
    """The interface strings of Web/i18n/<language>.json."""
    with open(REPO_ROOT / "Web" / "i18n" / f"{language}.json", encoding="utf-8") as handle:
        return json.load(handle)


# The Chinese interface, which the browser asks for (Accept-Language).
ZH = load_strings("zh-CN")


# MARK: Server (Tests/support/wenzheng_process.py)


class Server(BaseServer):
    """The shared server harness, failing the test when it does not start."""

    def __init__(self, binary: Path, database: Path, **options) -> None:
        try:
            super().__init__(binary, database, log_level="info", **options)
        except HarnessError as error:
            pytest.fail(str(error), pytrace=False)


class PostgresServer(Node):
    """The shared server on PostgreSQL (`serve --database`)."""

    def __init__(self, binary: Path, database_url: str, directory: Path, **options) -> None:
        self.database_url = database_url
        try:
            super().__init__(binary, database_url, directory, log_level="info", **options)
        except HarnessError as error:
            pytest.fail(str(error), pytrace=False)


def create_staff(binary: Path, database: Path, username: str, role: str, display_name: str | None = None,
                 department: str | None = None, password: str = ADMIN_PASSWORD, database_url: str | None = None) -> None:
    try:
        create_user(binary, database, username, password, role, display_name, department, database_url=database_url)
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    binary = server_binary()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(
            f"The server binary {binary} is missing. Build it first with "
            "`swift build --product wenzheng` (script/test does this).",
            pytrace=False,
        )
    workdir = tmp_path_factory.mktemp("wenzheng")
    database = workdir / "db.sqlite"
    # The browser tests search letters far more often from one address than
    # a person would; the per-address search limit has its own tests.
    extra = ["--letter-search-limit", "100000/1m"]
    if ON_POSTGRES:
        cluster = postgres_url()
        if cluster is None:
            pytest.fail("WENZHENG_E2E_DATABASE=postgres needs WENZHENG_TEST_POSTGRES_URL (run through script/with-postgres)",
                        pytrace=False)
        _, url = create_database(cluster, "wz_e2e")
        create_staff(binary, database, ADMIN_USERNAME, "admin", ADMIN_DISPLAY_NAME, database_url=url)
        running = PostgresServer(binary, url, workdir, start_timeout=SERVER_START_TIMEOUT, extra=extra)
    else:
        create_staff(binary, database, ADMIN_USERNAME, "admin", ADMIN_DISPLAY_NAME)
        running = Server(binary, database, start_timeout=SERVER_START_TIMEOUT, extra=extra)
    yield running

    code = running.stop(timeout=SERVER_STOP_TIMEOUT)
    output = running.output()
    assert code is not None, f"wenzheng serve did not stop within {SERVER_STOP_TIMEOUT} s of SIGTERM. Output:\n{output}"
    if code == 70 and "the graceful stop did not finish" in output:
        # The stop deadline (Sources/wenzheng/Serve/StopDeadline.swift) ended
        # a graceful stop that hung: a known, open defect (seen once on
        # PostgreSQL, docs/deployment.md), reported here without failing the
        # pages' tests, which all ran.
        warnings.warn(f"wenzheng serve hit its stop deadline after SIGTERM. Output:\n{output[-4000:]}")
        return
    assert code == 0, f"wenzheng serve exited with code {code} after SIGTERM. Output:\n{output}"
    if "the database connections did not close" in output:
        # The same defect, caught earlier: the pool's close was cut short
        # (docs/deployment.md, "Stopping").
        warnings.warn(f"wenzheng serve's database pool did not close within its limit. Output:\n{output[-4000:]}")
    assert "Wenzheng stopped." in output, f"no 'Wenzheng stopped.' after SIGTERM. Output:\n{output}"


# MARK: Browsers


def chrome_options(*, phone: bool = False) -> Options:
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--disable-gpu", "--no-first-run", "--disable-extensions", "--lang=zh-CN"):
        options.add_argument(flag)
    # A reader in mainland China: Accept-Language asks for Chinese. The
    # server's default without any Accept-Language is checked separately.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    if phone:
        width, height = PHONE_SIZE
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": True, "mobile": True},
            "userAgent": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                          "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"),
        })
    else:
        options.add_argument("--window-size={},{}".format(*DESKTOP_SIZE))
    return options


def start_chrome(*, phone: bool = False) -> WebDriver:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing (apt-get install chromium chromium-driver).", pytrace=False)
    driver = webdriver.Chrome(options=chrome_options(phone=phone), service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def desktop_driver() -> WebDriver:
    driver = start_chrome()
    yield driver
    driver.quit()


@pytest.fixture()
def browser(desktop_driver: WebDriver, server: Server) -> WebDriver:
    """The desktop browser with no cookies for the server (fresh visitor)."""
    desktop_driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return desktop_driver


@pytest.fixture()
def phone(server: Server) -> WebDriver:
    driver = start_chrome(phone=True)
    yield driver
    driver.quit()


# MARK: Helpers


def shot(driver: WebDriver, name: str) -> Path:
    """Saves a PNG of the whole page into Tests/e2e/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    try:
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(data["data"]))
    except Exception:  # noqa: BLE001 - a viewport-only picture is still useful
        driver.save_screenshot(str(path))
    return path


def wait(driver: WebDriver, timeout: float = WAIT_TIMEOUT, **options) -> WebDriverWait:
    return WebDriverWait(driver, timeout, **options)


def wait_for_page(driver: WebDriver) -> None:
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def visit(driver: WebDriver, url: str, name: str) -> None:
    """Opens a URL, waits for it to load and takes its screenshot."""
    driver.get(url)
    wait_for_page(driver)
    shot(driver, name)


# MARK: Extra accounts, browsers and the JSON API


def add_user(server: Server, username: str, role: str, display_name: str | None = None,
             password: str = ADMIN_PASSWORD, department: str | None = None) -> None:
    """Creates a staff account with `wenzheng users add` on the running
    server's database (the CLI and the server share the SQLite file, or the
    PostgreSQL database)."""
    create_staff(server.binary, server.database, username, role, display_name, department, password,
                 database_url=getattr(server, "database_url", None))


@pytest.fixture()
def new_chrome(server: Server):
    """A factory of extra, independent desktop browsers (separate profiles,
    so separate cookies), all quit when the test ends."""
    drivers: list[WebDriver] = []

    def make(*, phone: bool = False) -> WebDriver:
        driver = start_chrome(phone=phone)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        try:
            driver.quit()
        except Exception:  # noqa: BLE001 - a dead browser is already gone
            pass


class ApiError(AssertionError):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} → {status}: {body}")
        self.status = status
        self.body = body


class Api(BaseApi):
    """A signed-in client of /api/v1 (session cookie plus CSRF token)."""

    def __init__(self, server: Server, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD) -> None:
        super().__init__(server.url.rstrip("/"))
        self.login(username, password)

    def request(self, method: str, path: str, body: dict | None = None) -> dict:  # type: ignore[override]
        status, text = self.call(method, path, body)
        if status >= 400:
            raise ApiError(method, path, status, text)
        return json.loads(text) if text else {}

    def get(self, path: str) -> dict:
        return self.request("GET", path)

    def post(self, path: str, body: dict | None = None) -> dict:
        return self.request("POST", path, body if body is not None else {})

    def create_interview(self, title: str, *, status: str | None = None,
                         guests: list[dict] | None = None, host: str | None = None) -> int:
        """Creates an interview and moves it through open (and live) as asked;
        `host` is the username of the staff member who hosts it."""
        body = {
            "title": title,
            "summary": "浏览器测试用的访谈。",
            "scheduledStart": "2026-12-03T02:00:00Z",
            "plannedMinutes": 90,
            "guests": guests or [{"name": "张三", "title": "副厅长", "department": "司法厅"}],
        }
        if host:
            body["host"] = host
        created = self.post("/api/v1/interviews", body)
        interview_id = created["id"]
        path = {None: [], "open": ["open"], "live": ["open", "live"]}[status]
        for step in path:
            self.set_status(interview_id, step)
        return interview_id

    def set_status(self, interview_id: int, status: str) -> dict:
        return self.post(f"/api/v1/interviews/{interview_id}/status", {"status": status})


def wait_until_gone(driver: WebDriver, old_html) -> None:
    """Waits until a page (its <html> element, taken before a click that
    navigates) has been replaced, then until the new one has loaded.

    Like EC.staleness_of, but chromedriver sometimes answers a question about
    a node of the page being torn down with "Node with given id does not
    belong to the document" instead of a stale-element error: that is gone
    too."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def gone(_) -> bool:
        try:
            old_html.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise

    wait(driver).until(gone, "the page never changed")
    wait_for_page(driver)


def by_testid(testid: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, f'[data-testid="{testid}"]'


def marker() -> str:
    """A tag that makes this run's text unique: consonants only, so it is
    neither a number (personal information) nor a word any list matches."""
    # The system's randomness, not the `random` module's: a test that seeds
    # that module for repeatable data made two tests draw the same tag.
    return "".join(random.SystemRandom().choice("BCDFGHJKLMNPRT") for _ in range(8))


def submit_and_wait(driver: WebDriver, button: WebElement) -> None:
    """Clicks a button that submits a plain form, and waits for the next page."""
    from selenium.webdriver.common.by import By

    old_html = driver.find_element(By.TAG_NAME, "html")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait_until_gone(driver, old_html)


def moderation_card(driver: WebDriver, text: str) -> WebElement | None:
    """The moderation console's card of the item whose text contains `text`."""
    for card in driver.find_elements(*by_testid("moderation-item")):
        if text in card.find_element(*by_testid("item-text")).text:
            return card
    return None


def sign_in_via_page(driver: WebDriver, server: Server, username: str, password: str = ADMIN_PASSWORD,
                     name: str | None = None) -> None:
    """Signs in through the /login form and waits for the staff workspace."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    visit(driver, server.url + "login", name or f"login-{username}")
    form = wait(driver).until(EC.visibility_of_element_located(by_testid("login-form")))
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(password)
    old_html = driver.find_element(By.TAG_NAME, "html")
    form.submit()
    wait_until_gone(driver, old_html)
    wait(driver).until(EC.visibility_of_element_located(by_testid("whoami")),
                       f"{username} is not signed in after the login form")
