"""Browser tests of public comment on drafts (征求意见): the office imports a
draft through its page, checks the split and opens it; a citizen comments
on one article without JavaScript's help (a <details> form); once moderated
the comment and the article's count appear; the office ends the comment
period, decides on the comment and publishes the adoption report, which
the citizen then reads on the same page."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import Api, by_testid, load_strings, marker, shot, sign_in_via_page, visit, wait, wait_until_gone

ZH = load_strings("zh-CN.consultations")["consultations"]

BEIJING = timezone(timedelta(hours=8))

DRAFT = """江苏省法治宣传教育条例（修订草案征求意见稿）

第一章　总　　则

第一条　为了推进法治宣传教育，增强全社会的法治观念，根据有关法律、行政法规，结合本省实际，制定本条例。

第二条　本条例适用于本省行政区域内的法治宣传教育活动。

第二章　宣传教育的对象和内容

第三条　法治宣传教育的对象是一切有接受教育能力的公民，重点是国家工作人员和青少年。

第四条　县级以上地方人民政府应当将法治宣传教育纳入国民经济和社会发展规划。
"""


def local(moment: datetime) -> str:
    """A datetime-local value in Beijing time."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def set_value(driver: WebDriver, testid: str, value: str) -> None:
    """Fills an input or text area (a long draft, a datetime-local value)
    the way a paste does, without typing key by key."""
    field = driver.find_element(*by_testid(testid))
    driver.execute_script("arguments[0].value = arguments[1]", field, value)


def submit(driver: WebDriver, testid: str) -> None:
    old_html = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(*by_testid(testid)).click()
    wait_until_gone(driver, old_html)


def test_comment_on_an_article_and_read_the_adoption_report(browser: WebDriver, new_chrome, server) -> None:
    tag = marker()
    title = f"江苏省法治宣传教育条例（修订草案征求意见稿）{tag}"

    # The office imports the draft through its page and checks the split.
    office = new_chrome()
    sign_in_via_page(office, server, "admin", name="consultation-admin-login")
    visit(office, server.url + "staff/consultations/new", "consultation-import")
    now = datetime.now(timezone.utc)
    set_value(office, "consultation-draft-input", DRAFT)
    set_value(office, "consultation-title-input", title)
    set_value(office, "consultation-explanation-input", "为落实“八五”普法规划，对条例进行修订。")
    set_value(office, "consultation-opens-input", local(now - timedelta(hours=1)))
    set_value(office, "consultation-closes-input", local(now + timedelta(days=30)))
    submit(office, "consultation-import-submit")
    shot(office, "consultation-split")
    assert ZH["notices"]["imported"] in office.find_element(*by_testid("office-notice")).text
    preview = office.find_element(*by_testid("split-preview"))
    assert "共识别出 4 条、2 个章节标题。" in preview.text
    assert "宣传教育的对象和内容" in preview.text
    consultation_path = office.current_url.split("?")[0]
    consultation_id = int(consultation_path.rstrip("/").split("/")[-1])

    submit(office, "confirm-split")
    submit(office, "open-consultation")
    assert office.find_element(*by_testid("office-status")).text == ZH["states"]["open"]
    shot(office, "consultation-office-open")

    # A citizen finds it on the home page and comments on the third article.
    citizen = browser
    visit(citizen, server.url, "consultation-home")
    citizen.find_element(By.CSS_SELECTOR, f'[data-testid="home-participation"] a[href="/consultations/{consultation_id}"]').click()
    wait(citizen).until(EC.visibility_of_element_located(by_testid("consultation-title")))
    shot(citizen, "consultation-page")
    assert citizen.find_element(*by_testid("count-art-3")).text == "0 条意见"
    article = citizen.find_element(*by_testid("article-art-3"))
    citizen.execute_script("arguments[0].scrollIntoView({block: 'center'})", article)
    article.find_element(*by_testid("comment-toggle-art-3")).click()
    text = f"建议把农村留守老人也列为重点对象，提高防骗意识。{tag}"
    wait(citizen).until(EC.visibility_of_element_located(by_testid("comment-text-art-3"))).send_keys(text)
    citizen.find_element(*by_testid("comment-nickname-art-3")).send_keys("周大爷")
    shot(citizen, "consultation-comment-form")
    submit(citizen, "comment-submit-art-3")
    assert ZH["notices"]["received"] in citizen.find_element(*by_testid("consultation-notice")).text
    assert text not in citizen.page_source, "the comment was public before moderation"

    # Moderated, it appears under its article with the masked nickname.
    api = Api(server)
    items = api.get("/api/v1/moderation/items?kind=comment")["items"]
    item = next(item for item in items if tag in item["maskedText"])
    api.post(f"/api/v1/moderation/items/{item['id']}/decision", {"action": "approve"})
    visit(citizen, f"{server.url}consultations/{consultation_id}#art-3", "consultation-page-commented")
    assert citizen.find_element(*by_testid("count-art-3")).text == "1 条意见"
    article = citizen.find_element(*by_testid("article-art-3"))
    article.find_element(By.CSS_SELECTOR, ".article-comments summary").click()
    comment = wait(citizen).until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="article-art-3"] .comment'))
    assert text in comment.text and "周**" in comment.text
    citizen.execute_script("arguments[0].scrollIntoView({block: 'center'})", comment)
    shot(citizen, "consultation-comment-published")

    # The office ends the comment period: not finished until the report is published.
    visit(office, consultation_path, "consultation-office-before-close")
    submit(office, "close-comment-period")
    assert office.find_element(*by_testid("office-status")).text == ZH["states"]["closed"]
    visit(citizen, f"{server.url}consultations/{consultation_id}", "consultation-page-closed")
    assert citizen.find_element(*by_testid("consultation-status")).text == ZH["states"]["closed"]
    assert not citizen.find_elements(*by_testid("comment-toggle-art-3")), "comments still taken after the period"

    # Publishing is refused while the comment has no decision; decided, it goes through.
    visit(office, consultation_path + "/comments", "consultation-office-comments")
    submit(office, "publish-report")
    assert "尚未作出采纳决定" in office.find_element(*by_testid("report-blocker")).text
    shot(office, "consultation-report-blocked")
    subject = f"comment-{item['sourceId']}"
    Select(office.find_element(*by_testid(f"decision-{subject}"))).select_by_value("partly_adopted")
    office.find_element(*by_testid(f"reason-{subject}")).send_keys("第三条增加“农村留守老人”；防骗内容在第四条的规划中统筹。")
    submit(office, f"decide-{subject}")
    assert office.find_element(*by_testid("adoption-report")).is_displayed()
    submit(office, "publish-report")
    shot(office, "consultation-report-published-office")

    # The citizen reads the adoption report on the same page.
    visit(citizen, f"{server.url}consultations/{consultation_id}", "consultation-report")
    report = citizen.find_element(*by_testid("adoption-report"))
    assert "共收到公开意见 1 条，其中采纳 0 条，部分采纳 1 条，不予采纳 0 条。" in report.text
    entry = report.find_element(*by_testid("report-entry"))
    assert "第三条" in entry.text and "部分采纳" in entry.text and "农村留守老人" in entry.text
    assert citizen.find_element(*by_testid("consultation-status")).text == ZH["states"]["report_published"]
    citizen.execute_script("arguments[0].scrollIntoView({block: 'start'})", report)
    shot(citizen, "consultation-report-viewport")

    # Finished consultations leave the home page's open list.
    visit(citizen, server.url, "consultation-home-after")
    assert not citizen.find_elements(By.CSS_SELECTOR, f'a[href="/consultations/{consultation_id}"]')


def test_comment_form_errors_come_back_by_the_field(browser: WebDriver, server) -> None:
    api = Api(server)
    now = datetime.now(timezone.utc)
    created = api.post("/api/v1/consultations", {
        "draft": "第一条　为了规范人民陪审员选任工作，制定本办法。\n第二条　本办法自发布之日起施行。",
        "title": f"人民陪审员选任办法（征求意见稿）{marker()}",
        "draftingExplanation": "规范选任程序。",
        "opensAt": (now - timedelta(hours=1)).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "closesAt": (now + timedelta(days=30)).isoformat(timespec="seconds").replace("+00:00", "Z"),
    })
    consultation_id = created["id"]
    api.post(f"/api/v1/consultations/{consultation_id}/split/confirm")
    api.post(f"/api/v1/consultations/{consultation_id}/open")

    visit(browser, f"{server.url}consultations/{consultation_id}", "consultation-errors-before")
    form = browser.find_element(*by_testid("comment-form-draft"))
    # One character: the browser's own checks allow it, the server refuses it.
    form.find_element(By.NAME, "text").send_keys("好")
    submit(browser, "comment-submit-draft")
    shot(browser, "consultation-comment-refused")
    errors = browser.find_element(*by_testid("comment-errors"))
    assert ZH["errors"]["text"]["too_short"] in errors.text
    assert browser.find_element(*by_testid("comment-text-draft")).get_attribute("value") == "好"
    assert browser.find_element(*by_testid("comment-text-draft")).get_attribute("aria-invalid") == "true"

    # Leave nothing open on the home page for the other tests.
    api.post(f"/api/v1/consultations/{consultation_id}/close")
    api.post(f"/api/v1/consultations/{consultation_id}/report")
