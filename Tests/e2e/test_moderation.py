"""Browser tests of moderation: a moderator sees a flagged question
highlighted and rejects it with a reason; a question the filter refuses
outright never reaches the queue."""

from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import ZH, Api, add_user, by_testid, moderation_card, shot, sign_in_via_page, visit, wait, wait_until_gone

MODERATOR = "moderator-li"
MODERATOR_NAME = "审核员小李"


def ask(driver: WebDriver, text: str, nickname: str = "", contact: str = "") -> None:
    """Fills in and sends the public question form, waiting for the next page."""
    form = wait(driver).until(EC.visibility_of_element_located(by_testid("ask-form")))
    form.find_element(By.NAME, "text").send_keys(text)
    if nickname:
        form.find_element(By.NAME, "nickname").send_keys(nickname)
    if contact:
        form.find_element(By.NAME, "contact").send_keys(contact)
    old_html = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until_gone(driver, old_html)


def all_items(api: Api) -> list[dict]:
    return api.get("/api/v1/moderation/items?state=all&limit=1000")["items"]


def test_moderator_rejects_highlighted_abuse(browser: WebDriver, new_chrome, server) -> None:
    api = Api(server)
    interview_id = api.create_interview("审核测试：政务服务“一网通办”", status="open")
    add_user(server, MODERATOR, "moderator", MODERATOR_NAME)
    page = f"{server.url}interviews/{interview_id}"
    marker = uuid.uuid4().hex[:8]
    question = f"办证排队三小时，你这个傻逼窗口到底管不管？编号{marker}"

    # A citizen asks through the public page.
    visit(browser, page, "moderation-public-open")
    # No host was named: the page does not print an empty "主持人：".
    meta = browser.find_element(By.CSS_SELECTOR, ".interview-head .meta").text
    assert ZH["interviews"]["host"] not in meta, meta
    ask(browser, question, nickname="市民王女士")
    wait(browser).until(EC.visibility_of_element_located(by_testid("asked")))
    shot(browser, "moderation-public-asked")
    assert browser.execute_script("return location.search") == "?asked=1"
    assert browser.find_element(*by_testid("asked")).text == ZH["interviews"]["asked"]
    # It is not public while it waits for a moderator.
    assert marker not in browser.find_element(*by_testid("questions")).text

    # A moderator, in a browser of their own, signs in and opens the console.
    moderator = new_chrome()
    sign_in_via_page(moderator, server, MODERATOR, name="moderation-login")
    visit(moderator, server.url + "moderation", "moderation-console-held")
    wait(moderator).until(lambda d: moderation_card(d, marker) is not None,
                          "the question never showed up in the moderation console")
    card = moderation_card(moderator, marker)
    moderator.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
    shot(moderator, "moderation-console-held")

    # The abusive word is highlighted, and the card says why it is held.
    marks = card.find_elements(By.CSS_SELECTOR, '[data-testid="item-text"] mark.hl.abuse')
    assert [mark.text for mark in marks] == ["傻逼"], f"highlighted: {[m.text for m in marks]}"
    assert marks[0].get_attribute("title"), "the highlight has no explanation (title)"
    background = moderator.execute_script("return getComputedStyle(arguments[0]).backgroundColor", marks[0])
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), "the highlight is not visibly coloured"
    assert card.find_element(*by_testid("item-text")).text == question
    flags = card.find_element(*by_testid("item-flags")).text
    assert "傻逼" in flags and ZH["moderation"]["categories"]["abuse"] in flags, flags
    assert "is-held" in card.get_attribute("class").split()
    assert card.find_elements(*by_testid("override")), "a held item should ask for an override to approve"
    assert card.find_element(*by_testid("item-state")).text == ZH["moderation"]["states"]["pending"]
    # Nobody has claimed it: it offers a claim, and names no one handling it.
    assert card.find_elements(*by_testid("claim")), "an unclaimed item offers no claim button"
    assert card.find_elements(*by_testid("item-claim")) == [], "an unclaimed item names someone handling it"
    item_id = card.get_attribute("data-item-id")

    # Reject it as abuse, with a note.
    reason = Select(card.find_element(*by_testid("reject-reason")))
    codes = [option.get_attribute("value") for option in reason.options]
    for code in ("abuse", "advertising", "personal_information", "off_topic", "duplicate",
                 "litigation_or_petition", "other"):
        assert code in codes, f"reason {code!r} missing from {codes}"
    reason.select_by_value("abuse")
    reason_text = reason.first_selected_option.text
    note = "含有辱骂性用语"
    card.find_element(By.NAME, "note").send_keys(note)
    old_html = moderator.find_element(By.TAG_NAME, "html")
    card.find_element(*by_testid("reject")).click()
    wait_until_gone(moderator, old_html)
    notice = wait(moderator).until(EC.visibility_of_element_located(by_testid("notice")))
    shot(moderator, "moderation-after-reject")
    assert notice.text == ZH["moderation"]["notices"]["rejected"]
    # Gone from the pending queue.
    assert moderation_card(moderator, marker) is None, "the rejected item is still in the pending queue"

    # Listed among the rejected, with who, why and the note.
    visit(moderator, server.url + "moderation?state=rejected", "moderation-rejected")
    card = moderation_card(moderator, marker)
    assert card is not None, "the item is not listed under state=rejected"
    moderator.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
    shot(moderator, "moderation-rejected")
    assert card.get_attribute("data-item-id") == item_id
    assert card.find_element(*by_testid("item-state")).text == ZH["moderation"]["states"]["rejected"]
    assert "is-decided" in card.get_attribute("class").split()
    decision = card.find_element(*by_testid("item-decision")).text
    assert MODERATOR_NAME in decision or MODERATOR in decision, decision
    assert reason_text in decision and note in decision, decision
    assert card.find_elements(*by_testid("reject")) == [], "a decided item still offers the reject button"
    assert ZH["moderation"]["editedTo"] not in card.text, "an unedited item shows an empty edit"

    item = api.get(f"/api/v1/moderation/items/{item_id}")
    assert item["state"] == "rejected"
    assert item["reasonCode"] == "abuse"
    assert item["reasonNote"] == note

    # The citizen's page never shows it.
    visit(browser, page, "moderation-public-after-reject")
    assert marker not in browser.find_element(*by_testid("questions")).text


def test_advertising_is_refused_on_the_public_form(browser: WebDriver, server) -> None:
    api = Api(server)
    interview_id = api.create_interview("审核测试：广告拦截", status="open")
    marker = uuid.uuid4().hex[:8]
    question = f"想了解补贴政策的加微信{marker}详聊"
    before = len(all_items(api))

    visit(browser, f"{server.url}interviews/{interview_id}", "moderation-public-ad-form")
    ask(browser, question)
    error = wait(browser).until(EC.visibility_of_element_located(by_testid("ask-error")))
    shot(browser, "moderation-public-ad-refused")
    assert error.text == ZH["interviews"]["errors"]["text"]["rejected"], error.text
    assert browser.find_elements(*by_testid("asked")) == []
    assert browser.execute_script("return location.search") != "?asked=1"
    # The form is still there, with the text kept so it can be corrected.
    form = browser.find_element(*by_testid("ask-form"))
    assert form.find_element(By.NAME, "text").get_attribute("value") == question

    # Nothing was queued for it.
    items = all_items(api)
    assert len(items) == before, "a refused question was still queued"
    assert not [item for item in items if marker in item["text"]]
