"""Browser test of the citizens' mailbox (领导信箱), end to end, with one
browser per person: a citizen writes a letter that holds personal data;
the office accepts it and hands it to a department; a handler there
drafts the reply; a reviewer signs it off; a moderator approves it for
publication; the citizen reads and rates the reply; the public list shows
the letter with the personal data masked, and search finds it."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import REPO_ROOT, ZH, Server, add_user, by_testid, marker, moderation_card, shot, sign_in_via_page, submit_and_wait, visit, wait


def load_fragment(name: str) -> dict:
    """A per-feature translation file, Web/i18n/zh-CN.<name>.json."""
    with open(REPO_ROOT / "Web" / "i18n" / f"zh-CN.{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


LETTERS = load_fragment("letters")["letters"]
OFFICE = load_fragment("office")["office"]

LEGAL_AID = "法律援助处"

TRIAGE = "mailbox-triage"
TRIAGE_NAME = "办公室王秘书"
LEGAL = "mailbox-legal"
LEGAL_NAME = "法援处刘科长"
REVIEWER = "mailbox-reviewer"
REVIEWER_NAME = "审核人孙处长"
MODERATOR = "mailbox-moderator"
MODERATOR_NAME = "审核员小周"

CITIZEN_NAME = "张三"
CITIZEN_MOBILE = "13812345678"
MASKED_MOBILE = "138****5678"
MASKED_NAME = "张*"

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def add_staff(server: Server, username: str, role: str, display_name: str, department: str | None = None) -> None:
    """`wenzheng users add`, with a department (created if new)."""
    add_user(server, username, role, display_name, department=department)


def text_of(driver: WebDriver, testid: str) -> str:
    return driver.find_element(*by_testid(testid)).text.strip()


def open_office_letter(driver: WebDriver, server: Server, number: str, name: str) -> None:
    """Finds the letter in the office list by its number and opens it."""
    visit(driver, server.url + "office/letters", f"{name}-list")
    wait(driver).until(EC.visibility_of_element_located(by_testid("office-letters")),
                       f"{name}: the office list shows no letters")
    links = [link for link in driver.find_elements(*by_testid("letter-link")) if link.text.strip() == number]
    assert links, f"{name}: letter {number} is not in the office list"
    submit_and_wait(driver, links[0])
    wait(driver).until(EC.visibility_of_element_located(by_testid("office-letter")))
    assert text_of(driver, "letter-number") == number
    shot(driver, f"{name}-letter")


def office_action(driver: WebDriver, action: str, notice_key: str, name: str) -> None:
    """Clicks an action's button on the office letter page and checks the notice."""
    submit_and_wait(driver, driver.find_element(*by_testid(f"action-{action}")))
    errors = driver.find_elements(*by_testid("office-error"))
    assert not errors, f"{name}: {action} failed at {driver.current_url}: {errors[0].text}"
    notice = wait(driver).until(EC.visibility_of_element_located(by_testid("office-notice")),
                                f"{name}: no notice after {action}")
    shot(driver, name)
    assert notice.text == OFFICE["notices"][notice_key], notice.text


def tiny_png(path: Path) -> Path:
    """A real 2x2 PNG (a photo a citizen attaches)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * 2 for _ in range(2))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def tiny_pdf(path: Path) -> Path:
    """A one-page PDF (a document the office attaches to its reply)."""
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                     b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return path


def test_letter_is_answered_rated_and_published_masked(new_chrome, server, tmp_path) -> None:
    add_staff(server, TRIAGE, "handler", TRIAGE_NAME)  # 办公室, the default department: triage
    add_staff(server, LEGAL, "handler", LEGAL_NAME, department=LEGAL_AID)
    add_staff(server, REVIEWER, "reviewer", REVIEWER_NAME)
    add_staff(server, MODERATOR, "moderator", MODERATOR_NAME)

    tag = marker()
    subject = f"咨询申请法律援助的条件 {tag}"
    body = (f"我叫{CITIZEN_NAME}，在本市一家工厂打工，老板拖欠了三个月工资。"
            f"请问申请法律援助需要什么条件？能不能指派律师代理劳动争议仲裁？"
            f"我的手机号是{CITIZEN_MOBILE}，白天都能接。{tag}")
    reply = (f"{CITIZEN_NAME}同志：您好！因追索劳动报酬申请法律援助的，不审查经济困难条件。"
             f"请携带身份证明和欠薪证据到市法律援助中心窗口申请，符合条件的将指派律师为您代理。{tag}")

    # A phone-width look at the form.
    phone = new_chrome(phone=True)
    visit(phone, server.url + "letters/new", "mailbox-new-phone")
    wait(phone).until(EC.visibility_of_element_located(by_testid("letter-form")))
    assert phone.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        "the letter form scrolls sideways at phone width"
    phone.quit()

    # 1. The citizen writes.
    citizen = new_chrome()
    visit(citizen, server.url + "letters/new", "mailbox-new")
    form = wait(citizen).until(EC.visibility_of_element_located(by_testid("letter-form")))
    Select(form.find_element(*by_testid("letter-type"))).select_by_value("consultation")
    form.find_element(*by_testid("letter-subject")).send_keys(subject)
    form.find_element(*by_testid("letter-body")).send_keys(body)
    form.find_element(*by_testid("letter-name")).send_keys(CITIZEN_NAME)
    form.find_element(*by_testid("letter-phone")).send_keys(CITIZEN_MOBILE)
    may_publish = form.find_element(*by_testid("letter-may-publish"))
    if not may_publish.is_selected():
        may_publish.click()
    form.find_element(*by_testid("letter-attachments")).send_keys(str(tiny_png(tmp_path / "欠薪证据.png")))
    shot(citizen, "mailbox-new-filled")
    submit_and_wait(citizen, form.find_element(*by_testid("letter-submit")))
    errors = citizen.find_elements(*by_testid("letter-errors"))
    assert not errors, f"the letter was refused: {errors[0].text}"
    wait(citizen).until(EC.visibility_of_element_located(by_testid("receipt")))
    shot(citizen, "mailbox-receipt")
    number = text_of(citizen, "receipt-number")
    password = text_of(citizen, "receipt-password")
    assert re.fullmatch(r"\d{4}-[1-9]\d{8}", number), number
    assert len(password) >= 6, password
    assert LETTERS["receipt"]["heading"] in citizen.find_element(By.TAG_NAME, "h1").text

    # 2. The office (办公室) accepts it and hands it to 法律援助处.
    triage = new_chrome()
    sign_in_via_page(triage, server, TRIAGE, name="mailbox-triage-login")
    open_office_letter(triage, server, number, "mailbox-triage")
    assert text_of(triage, "letter-state") == OFFICE["states"]["received"]
    assert CITIZEN_MOBILE in triage.find_element(*by_testid("letter-contact")).text, \
        "the office does not see the citizen's phone number"
    attachments = triage.find_elements(*by_testid("attachment-link"))
    assert [a.text for a in attachments] == ["欠薪证据.png"], "the citizen's attachment is not listed"
    office_action(triage, "accept", "accept", "mailbox-triage-accepted")
    assert text_of(triage, "letter-state") == OFFICE["states"]["accepted"]
    assign = triage.find_element(*by_testid("form-assign"))
    Select(assign.find_element(*by_testid("assign-lead"))).select_by_visible_text(LEGAL_AID)
    office_action(triage, "assign", "assign", "mailbox-triage-assigned")
    assert text_of(triage, "letter-state") == OFFICE["states"]["assigned"]
    assert text_of(triage, "letter-lead") == LEGAL_AID

    # 3. The handler of 法律援助处 drafts the reply.
    legal = new_chrome()
    sign_in_via_page(legal, server, LEGAL, name="mailbox-legal-login")
    open_office_letter(legal, server, number, "mailbox-legal")
    assert not legal.find_elements(*by_testid("form-sign-off")), "a handler may sign off their own draft"
    document = legal.find_element(*by_testid("reply-document-form"))
    document.find_element(*by_testid("reply-document-input")).send_keys(str(tiny_pdf(tmp_path / "法律援助告知书.pdf")))
    submit_and_wait(legal, document.find_element(*by_testid("reply-document-submit")))
    notice = wait(legal).until(EC.visibility_of_element_located(by_testid("office-notice")))
    assert notice.text == OFFICE["attachments"]["notices"]["document-added"], notice.text
    shot(legal, "mailbox-legal-reply-document")
    assert "法律援助告知书.pdf" in [a.text for a in legal.find_elements(*by_testid("attachment-link"))]
    legal.find_element(*by_testid("draft-body")).send_keys(reply)
    office_action(legal, "draft", "draft", "mailbox-legal-drafted")
    assert text_of(legal, "letter-state") == OFFICE["states"]["awaiting_sign_off"]

    # 4. The reviewer signs it off: the reply goes out.
    reviewer = new_chrome()
    sign_in_via_page(reviewer, server, REVIEWER, name="mailbox-reviewer-login")
    open_office_letter(reviewer, server, number, "mailbox-reviewer")
    drafts = reviewer.find_elements(*by_testid("draft"))
    assert drafts and tag in drafts[-1].text, "the reviewer does not see the draft"
    office_action(reviewer, "sign-off", "signOff", "mailbox-reviewer-signed-off")
    assert text_of(reviewer, "letter-state") == OFFICE["states"]["replied"]
    assert text_of(reviewer, "letter-reply") == reply

    # 5. The moderator approves publication.
    moderator = new_chrome()
    sign_in_via_page(moderator, server, MODERATOR, name="mailbox-moderator-login")
    visit(moderator, server.url + "moderation", "mailbox-moderation")
    card = moderation_card(moderator, tag)
    assert card is not None, "the letter never reached the moderation console"
    moderator.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
    shot(moderator, "mailbox-moderation-card")
    overrides = card.find_elements(*by_testid("override"))
    if overrides:
        overrides[0].click()
    submit_and_wait(moderator, card.find_element(*by_testid("approve")))
    notice = wait(moderator).until(EC.visibility_of_element_located(by_testid("notice")))
    shot(moderator, "mailbox-moderation-approved")
    assert notice.text == ZH["moderation"]["notices"]["approved"], notice.text
    assert moderation_card(moderator, tag) is None, "the approved letter is still pending"

    # 6. The citizen looks the letter up, reads the reply and rates it.
    visit(citizen, server.url + "letters/query", "mailbox-query")
    form = wait(citizen).until(EC.visibility_of_element_located(by_testid("query-form")))
    form.find_element(*by_testid("query-number")).send_keys(number)
    form.find_element(*by_testid("query-password")).send_keys(password)
    submit_and_wait(citizen, form.find_element(*by_testid("query-submit")))
    errors = citizen.find_elements(*by_testid("query-error"))
    assert not errors, f"the query failed: {errors[0].text}"
    wait(citizen).until(EC.visibility_of_element_located(by_testid("letter-reply")))
    shot(citizen, "mailbox-citizen-letter")
    assert text_of(citizen, "letter-number") == number
    assert citizen.find_element(*by_testid("letter-state")).get_attribute("data-state") == "replied"
    assert text_of(citizen, "letter-reply-body") == reply
    assert text_of(citizen, "letter-reply-department") == LEGAL_AID
    # Their own letter, unmasked, with their file and the office's document.
    assert CITIZEN_MOBILE in text_of(citizen, "letter-body")
    assert "欠薪证据.png" in text_of(citizen, "letter-own-files")
    assert "法律援助告知书.pdf" in text_of(citizen, "letter-reply-files")
    citizen.find_element(*by_testid("rate-satisfied")).click()
    submit_and_wait(citizen, citizen.find_element(*by_testid("rate-submit")))
    notice = wait(citizen).until(EC.visibility_of_element_located(by_testid("letter-notice")))
    shot(citizen, "mailbox-citizen-rated")
    assert notice.text == LETTERS["letter"]["rated"], notice.text
    assert text_of(citizen, "letter-rating") == LETTERS["ratings"]["satisfied"]
    assert not citizen.find_elements(*by_testid("rate-form")), "the reply can be rated twice"

    # 7. The public: the list shows it, masked; search finds it.
    public = new_chrome()
    visit(public, server.url + "letters", "mailbox-public-list")
    results = [card for card in public.find_elements(*by_testid("letters-result")) if tag in card.text]
    assert results, "the published letter is not on the public list"
    listed = results[0].text
    assert CITIZEN_MOBILE not in listed and CITIZEN_NAME not in listed, listed
    assert LEGAL_AID in listed, listed
    submit_and_wait(public, results[0].find_element(By.CSS_SELECTOR, "h3 a"))
    wait(public).until(EC.visibility_of_element_located(by_testid("published-letter")))
    shot(public, "mailbox-public-letter")
    assert text_of(public, "published-department") == LEGAL_AID
    received = text_of(public, "published-received")
    replied = text_of(public, "published-replied")
    assert DATE.match(received) and DATE.match(replied), (received, replied)
    assert received <= replied, (received, replied)
    published_body = text_of(public, "published-body")
    assert MASKED_MOBILE in published_body, published_body
    assert f"我叫{MASKED_NAME}，" in published_body, published_body
    published_reply = text_of(public, "published-reply")
    assert published_reply.startswith(f"{MASKED_NAME}同志"), published_reply
    assert tag in text_of(public, "published-subject")
    page = public.page_source
    assert CITIZEN_MOBILE not in page, "the raw phone number is on the public page"
    assert CITIZEN_NAME not in page, "the citizen's name is on the public page"

    visit(public, server.url + "letters", "mailbox-public-search-form")
    search = public.find_element(*by_testid("letters-search"))
    search.find_element(*by_testid("letters-search-input")).send_keys("律师")
    submit_and_wait(public, search.find_element(*by_testid("letters-search-submit")))
    wait(public).until(EC.visibility_of_element_located(by_testid("letters-results")))
    shot(public, "mailbox-public-search")
    assert "q=" in public.current_url
    found = [card for card in public.find_elements(*by_testid("letters-result")) if tag in card.text]
    assert found, "searching for 律师 does not find the letter"
    assert CITIZEN_MOBILE not in public.page_source
