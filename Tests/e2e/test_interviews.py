"""Browser test of a live interview, end to end, across separate browsers:
a citizen's question reaches the moderation console live; it is approved,
put on air and answered in the host console; a viewer who already has the
public page open sees the question and the answer arrive without a
reload."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.request import urlopen

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import ZH, Api, add_user, by_testid, marker, moderation_card, shot, sign_in_via_page, submit_and_wait, visit, wait

MODERATOR = "moderator-zhao"
MODERATOR_NAME = "审核员小赵"
HOST = "host-chen"
HOST_NAME = "主持人陈晨"
GUEST = {"name": "李四", "title": "局长", "department": "市住房和城乡建设局"}

# What interview.js shows once its WebSocket is open.
VIEWER_LIVE = "直播中，实时更新"
CONSOLE_LIVE = ZH["moderation"]["liveOn"]


def queued_question(driver: WebDriver, text: str) -> WebElement | None:
    for item in driver.find_elements(By.CSS_SELECTOR, '[data-testid="console-queue"] > li'):
        if text in item.text:
            return item
    return None


def transcript_entry(driver: WebDriver, kind: str, text: str) -> WebElement | None:
    for entry in driver.find_elements(By.CSS_SELECTOR, f'[data-testid="transcript"] > li.entry-{kind}'):
        if text in entry.text:
            return entry
    return None


def test_question_goes_live_and_answer_reaches_viewer(browser: WebDriver, new_chrome, server) -> None:
    add_user(server, MODERATOR, "moderator", MODERATOR_NAME)
    add_user(server, HOST, "host", HOST_NAME)
    host_api = Api(server, HOST)
    tag = marker()
    interview_id = host_api.create_interview(f"老旧小区改造在线访谈 {tag}", status="open", guests=[GUEST], host=HOST)
    page = f"{server.url}interviews/{interview_id}"
    question = f"我家小区加装电梯，补贴标准是多少？什么时候能开工？（{tag}）"
    answer = f"加装电梯每台补贴二十万元，今年三季度起分批开工。（{tag}）"

    # 1. The moderator has the console open, connected live.
    moderator = new_chrome()
    sign_in_via_page(moderator, server, MODERATOR, name="interview-moderator-login")
    visit(moderator, server.url + "moderation", "interview-moderation-before")
    wait(moderator).until(EC.text_to_be_present_in_element(by_testid("live-status"), CONSOLE_LIVE),
                          "the moderation console never connected live")
    pending_before = int(moderator.find_element(*by_testid("pending-total")).text)
    moderator.execute_script("window.__marker = 1")

    # 2. Citizen A asks on the public page.
    visit(browser, page, "interview-public-open")
    assert browser.find_element(*by_testid("interview-status")).text == ZH["interviews"]["statuses"]["open"]
    assert HOST_NAME in browser.find_element(By.CSS_SELECTOR, ".interview-head").text
    form = wait(browser).until(EC.visibility_of_element_located(by_testid("ask-form")))
    form.find_element(By.NAME, "text").send_keys(question)
    form.find_element(By.NAME, "nickname").send_keys("热心市民")
    submit_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait(browser).until(EC.visibility_of_element_located(by_testid("asked")))
    shot(browser, "interview-public-asked")

    # 3. It shows up in the moderator's console without a reload.
    wait(moderator).until(lambda d: moderation_card(d, tag) is not None,
                          "the new question never appeared in the open moderation console")
    assert moderator.execute_script("return window.__marker") == 1, "the moderation console reloaded"
    card = moderation_card(moderator, tag)
    moderator.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
    shot(moderator, "interview-moderation-live-card")
    assert card.find_element(*by_testid("item-text")).text == question
    assert card.find_elements(By.CSS_SELECTOR, "mark.hl") == [], "clean text was highlighted"
    assert card.find_elements(*by_testid("override")) == [], "clean text was held"
    assert int(moderator.find_element(*by_testid("pending-total")).text) == pending_before + 1

    # 4. Approve it (clean text: no override).
    submit_and_wait(moderator, card.find_element(*by_testid("approve")))
    notice = wait(moderator).until(EC.visibility_of_element_located(by_testid("notice")))
    shot(moderator, "interview-moderation-approved")
    assert notice.text == ZH["moderation"]["notices"]["approved"]
    assert moderation_card(moderator, tag) is None, "the approved question is still pending"

    # 5. The host starts the broadcast from the console.
    host = new_chrome()
    sign_in_via_page(host, server, HOST, name="interview-host-login")
    console = f"{server.url}staff/interviews/{interview_id}"
    visit(host, console, "interview-console-open")
    assert queued_question(host, tag) is not None, "the approved question is not in the host's queue"
    submit_and_wait(host, host.find_element(*by_testid("status-live")))
    wait(host).until(EC.text_to_be_present_in_element(by_testid("console-status"),
                                                      ZH["interviews"]["statuses"]["live"]))
    shot(host, "interview-console-live")

    # 6. Viewer B opens the public page while it is live, and stays on it.
    viewer = new_chrome()
    visit(viewer, page, "interview-viewer-live")
    wait(viewer).until(EC.text_to_be_present_in_element(by_testid("live-status"), VIEWER_LIVE),
                       "the viewer's page never connected live")
    status = viewer.find_element(*by_testid("live-status"))
    assert "on" in status.get_attribute("class").split()
    assert viewer.find_element(*by_testid("interview-status")).text == ZH["interviews"]["statuses"]["live"]
    transcript = viewer.find_element(*by_testid("transcript"))
    assert tag not in transcript.text
    viewer.execute_script("window.__marker = 1")
    shot(viewer, "interview-viewer-connected")

    # 7. The host puts the question on air and a guest's answer is posted.
    # (The console may land on a reload of its previous URL rather than the
    # ?notice=onAir redirect: its queue-changed handler reloads the page
    # while the form's navigation is pending. So no notice is checked here.)
    submit_and_wait(host, queued_question(host, tag).find_element(*by_testid("on-air")))
    wait(host, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: (item := queued_question(d, tag)) is not None and "on-air" in item.get_attribute("class").split(),
        "the question is not marked as on air in the queue")
    shot(host, "interview-console-on-air")

    # Viewer B sees the question go on air without reloading.
    wait(viewer).until(lambda d: transcript_entry(d, "question", tag) is not None,
                       "the on-air question never reached the viewer's transcript")

    compose = host.find_element(*by_testid("compose"))
    Select(compose.find_element(By.NAME, "kind")).select_by_value("answer")
    guests = Select(compose.find_element(By.NAME, "guestId"))
    guests.select_by_visible_text(f"{GUEST['name']} {GUEST['title']}")
    on_air = Select(compose.find_element(By.NAME, "questionId")).first_selected_option
    assert tag in on_air.text, f"the on-air question is not preselected: {on_air.text!r}"
    compose.find_element(By.NAME, "body").send_keys(answer)
    submit_and_wait(host, compose.find_element(*by_testid("post-entry")))
    wait(host, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: answer in d.find_element(*by_testid("console-transcript")).text,
        "the answer is not in the host console's transcript")
    shot(host, "interview-console-answered")

    # 8. The answer reaches viewer B, still on the same page.
    wait(viewer).until(lambda d: transcript_entry(d, "answer", answer) is not None,
                       "the answer never reached the viewer's transcript")
    assert viewer.execute_script("return window.__marker") == 1, "the viewer's page was reloaded"
    entry = transcript_entry(viewer, "answer", answer)
    viewer.execute_script("arguments[0].scrollIntoView({block: 'center'})", entry)
    shot(viewer, "interview-viewer-answered")
    assert entry.find_element(*by_testid("entry-body")).text == answer
    assert GUEST["name"] in entry.find_element(By.CSS_SELECTOR, ".entry-author").text
    question_entry = transcript_entry(viewer, "question", tag)
    assert question_entry.find_element(*by_testid("entry-body")).text == question
    # In order: the question before its answer.
    entries = viewer.find_elements(By.CSS_SELECTOR, '[data-testid="transcript"] > li')
    assert entries.index(question_entry) < entries.index(entry)
    assert "on" in viewer.find_element(*by_testid("live-status")).get_attribute("class").split()

    # A fresh load shows the same transcript, rendered by the server.
    visit(viewer, page, "interview-viewer-reloaded")
    assert transcript_entry(viewer, "question", tag) is not None
    assert transcript_entry(viewer, "answer", answer) is not None


def deferred_question(driver: WebDriver, text: str) -> WebElement | None:
    for item in driver.find_elements(*by_testid("deferred-question")):
        if text in item.text:
            return item
    return None


def deferred_row_for(new_chrome, server, username: str, tag: str, name: str) -> tuple[WebDriver, WebElement]:
    """Signs `username` in, in a browser of their own, and finds the deferred
    question tagged `tag` on their deferred list."""
    driver = new_chrome()
    sign_in_via_page(driver, server, username, name=f"{name}-login")
    visit(driver, server.url + "staff/interviews/deferred", name)
    row = deferred_question(driver, tag)
    assert row is not None, f"the deferred question is not on {username}'s list"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    return driver, row


def test_deferred_question_is_masked_for_the_moderator_and_answered_later_by_the_host(new_chrome, server, tmp_path: Path) -> None:
    """Issue 9, items 6 and 20: after the interview, a moderator sees the
    deferred question masked, the kind of each masked item marked, and no
    contact; its host sees the contact, answers it (补录) on the deferred
    list, and the public transcript shows 受理日期, 答复日期 and 答复部门. The
    archive page offers the transcript (实录) in four formats, with the
    later answer and without the number."""
    host_user, moderator_user = "host-deferred", "moderator-deferred"
    add_user(server, host_user, "host", "主持人周敏")
    add_user(server, moderator_user, "moderator", "审核员吴越")
    tag = marker()
    mobile, contact = "13812345678", "13900001111"
    interview_id = Api(server).create_interview(f"访谈后答复 {tag}", status="live", guests=[GUEST], host=host_user)

    # A citizen asks, leaving a mobile number in the text and a contact.
    citizen = new_chrome()
    visit(citizen, f"{server.url}interviews/{interview_id}", "deferred-citizen")
    form = wait(citizen).until(EC.visibility_of_element_located(by_testid("ask-form")))
    form.find_element(By.NAME, "text").send_keys(f"物业费标准怎么定？请回电{mobile}（{tag}）")
    form.find_element(By.NAME, "contact").send_keys(contact)
    submit_and_wait(citizen, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait(citizen).until(EC.visibility_of_element_located(by_testid("asked")))

    moderator_api = Api(server, moderator_user)
    items = moderator_api.get("/api/v1/moderation/items?kind=question")["items"]
    item = next(item for item in items if tag in item["text"])
    assert mobile not in json.dumps(item, ensure_ascii=False), "the queue API gave a moderator the number"
    moderator_api.post(f"/api/v1/moderation/items/{item['id']}/decision", {"action": "approve"})
    Api(server).set_status(interview_id, "ended")

    # The moderator: masked text, the kind marked, no contact.
    moderator, row = deferred_row_for(new_chrome, server, moderator_user, tag, "deferred-moderator")
    shot(moderator, "deferred-moderator-masked")
    assert "138****5678" in row.text
    assert row.find_element(*by_testid("pii-kind")).text == "[手机号]"
    assert mobile not in moderator.page_source and contact not in moderator.page_source

    # The host: the contact, then the answer.
    host, row = deferred_row_for(new_chrome, server, host_user, tag, "deferred-host")
    assert row.find_element(*by_testid("contact")).text == contact
    row.find_element(By.TAG_NAME, "summary").click()
    answer = f"物业费实行政府指导价，具体标准见市发改委公告。（{tag}）"
    row.find_element(By.NAME, "body").send_keys(answer)
    submit_and_wait(host, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    row = wait(host).until(lambda d: deferred_question(d, tag), "the answered question left the host's list")
    host.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    shot(host, "deferred-host-answered")
    assert row.find_elements(*by_testid("marker-on-time")), "an answer within the deadline is not marked on time"
    assert GUEST["department"] in row.find_element(*by_testid("answered")).text

    # The public transcript: the late answer with its dates and department.
    visit(citizen, f"{server.url}interviews/{interview_id}", "deferred-public-answered")
    late = wait(citizen).until(EC.visibility_of_element_located(by_testid("late-answer")))
    assert ZH["interviews"]["receivedOn"] in late.text and ZH["interviews"]["answeredOn"] in late.text
    assert GUEST["department"] in late.text

    # The archive offers the transcript in four formats; the later answer
    # is in them, the number and the contact are not.
    downloads = citizen.find_element(*by_testid("transcript-downloads"))
    citizen.execute_script("arguments[0].scrollIntoView({block: 'start'})", downloads)
    shot(citizen, "deferred-archive-downloads")
    links = {a.get_attribute("data-format"): a.get_attribute("href") for a in downloads.find_elements(By.TAG_NAME, "a")}
    assert sorted(links) == ["html", "json", "md", "txt"]
    assert links["md"] == f"{server.url}interviews/{interview_id}/transcript.md"
    text = urlopen(links["txt"]).read().decode("utf-8")
    assert answer in text and "138****5678" in text and GUEST["department"] in text
    assert mobile not in text and contact not in text
    # The standalone HTML, opened from a file, as someone who downloaded it would.
    exported = tmp_path / f"interview-{interview_id}-transcript.html"
    exported.write_bytes(urlopen(links["html"]).read())
    visit(citizen, exported.as_uri(), "deferred-transcript-export-html")
    body = citizen.find_element(By.TAG_NAME, "body").text
    assert answer in body and "补录" in body and "138****5678" in body
