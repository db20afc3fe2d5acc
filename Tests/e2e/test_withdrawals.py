"""Browser tests of withdrawing published text (issue 9, item 23): a viewer
who has an interview's live page open sees an entry the admin withdraws
leave the page at once, without a reload, and its corrected text come back
masked; the admin's console says who withdrew it and why. A letter withdrawn
on the office's letter page leaves its public page and search."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC

from conftest import Api, by_testid, marker, shot, sign_in_via_page, visit, wait, wait_until_gone
from test_interviews import VIEWER_LIVE

MOBILE = "13812345678"


def entry_with(driver: WebDriver, entry_id: int):
    return driver.find_element(By.ID, f"entry-{entry_id}")


def test_withdrawn_entry_leaves_the_viewers_page_live(browser: WebDriver, new_chrome, server) -> None:
    admin = Api(server)
    tag = marker()
    interview_id = admin.create_interview(f"撤回测试 {tag}", status="live")
    posted = admin.post(f"/api/v1/interviews/{interview_id}/entries",
                        {"kind": "remark", "body": f"有问题请打我手机{MOBILE}（{tag}）"})
    entry_id = posted["entry"]["id"]

    # A viewer follows the interview live.
    viewer = browser
    visit(viewer, f"{server.url}interviews/{interview_id}", "withdrawal-viewer-before")
    wait(viewer).until(EC.text_to_be_present_in_element(by_testid("live-status"), VIEWER_LIVE))
    viewer.execute_script("window.__marker = 1")
    assert MOBILE in entry_with(viewer, entry_id).text

    # The admin withdraws it: it leaves the open page at once.
    reason = f"主持人念出了个人手机号（{tag}）"
    admin.post(f"/api/v1/interviews/{interview_id}/entries/{entry_id}/unpublish", {"reason": reason})
    wait(viewer).until(lambda d: "entry-withdrawn" in entry_with(d, entry_id).get_attribute("class").split(),
                       "the withdrawal never reached the viewer")
    entry = entry_with(viewer, entry_id)
    viewer.execute_script("arguments[0].scrollIntoView({block: 'center'})", entry)
    shot(viewer, "withdrawal-viewer-withdrawn")
    assert MOBILE not in viewer.page_source, "the withdrawn text is still in the page"
    assert reason not in viewer.page_source, "the public saw the reason"
    assert entry.find_element(*by_testid("entry-withdrawn")).text == "该内容已撤回。"
    assert viewer.execute_script("return window.__marker") == 1, "the viewer's page was reloaded"

    # A fresh load: the server renders the same, without the text.
    visit(viewer, f"{server.url}interviews/{interview_id}", "withdrawal-viewer-reloaded")
    assert MOBILE not in viewer.page_source
    assert entry_with(viewer, entry_id).find_elements(*by_testid("entry-withdrawn"))
    wait(viewer).until(EC.text_to_be_present_in_element(by_testid("live-status"), VIEWER_LIVE))

    # The admin's console: withdrawn, by whom, why, and the form to republish.
    console = new_chrome()
    sign_in_via_page(console, server, "admin", name="withdrawal-admin-login")
    visit(console, f"{server.url}staff/interviews/{interview_id}", "withdrawal-console")
    item = console.find_element(By.ID, f"entry-{entry_id}")
    assert item.find_elements(*by_testid("marker-withdrawn"))
    assert reason in item.find_element(*by_testid("withdrawal-reason")).text
    console.execute_script("arguments[0].scrollIntoView({block: 'center'})", item)
    shot(console, "withdrawal-console-withdrawn")

    # Republished after correction: masked, and back on the open page live.
    admin.post(f"/api/v1/interviews/{interview_id}/entries/{entry_id}/republish",
               {"body": f"有问题请打13900001111（{tag}）"})
    wait(viewer).until(lambda d: "139****1111" in entry_with(d, entry_id).text,
                       "the republished text never reached the viewer")
    assert "entry-withdrawn" not in entry_with(viewer, entry_id).get_attribute("class").split()
    assert "13900001111" not in viewer.page_source
    shot(viewer, "withdrawal-viewer-republished")


def published_letter(admin: Api, tag: str) -> tuple[int, str]:
    """A letter written through the API, answered by the admin and approved
    for the public page; its id and number."""
    status, text = admin.call("POST", "/api/v1/letters", {
        "type": "complaint", "subject": f"路灯不亮 {tag}", "authorName": "张三", "phone": MOBILE, "mayPublish": True,
        "body": f"小区门口的路灯坏了三个月，我住幸福小区3号楼。{tag}",
    })
    assert status == 201, text
    number = json.loads(text)["number"]
    letters = admin.get("/api/v1/office/letters?state=received&limit=200")["letters"]
    letter_id = next(letter["id"] for letter in letters if letter["number"] == number)
    office = admin.get("/api/v1/office/departments")["departments"][0]["id"]
    admin.post(f"/api/v1/office/letters/{letter_id}/accept")
    admin.post(f"/api/v1/office/letters/{letter_id}/assign", {"lead": office})
    admin.post(f"/api/v1/office/letters/{letter_id}/draft", {"body": f"您好，已安排维修。{tag}"})
    admin.post(f"/api/v1/office/letters/{letter_id}/sign-off", {})
    item = admin.get(f"/api/v1/office/letters/{letter_id}")["letter"]["moderationItemId"]
    admin.post(f"/api/v1/moderation/items/{item}/decision", {"action": "approve", "override": True})
    return letter_id, number


def test_withdrawn_letter_through_the_office_page(browser: WebDriver, new_chrome, server) -> None:
    admin = Api(server)
    tag = marker()
    letter_id, _ = published_letter(admin, tag)
    visit(browser, f"{server.url}letters/{letter_id}", "withdrawal-letter-public")
    assert tag in browser.find_element(*by_testid("published-subject")).text

    # The admin withdraws it on the office's letter page, with a reason.
    office = new_chrome()
    sign_in_via_page(office, server, "admin", name="withdrawal-office-login")
    visit(office, f"{server.url}office/letters/{letter_id}", "withdrawal-office-letter")
    form = office.find_element(*by_testid("form-unpublish"))
    office.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
    form.find_element(*by_testid("unpublish-reason")).send_keys(f"正文有来信人住址（{tag}）")
    old_html = office.find_element(By.TAG_NAME, "html")
    form.find_element(*by_testid("action-unpublish")).click()
    wait_until_gone(office, old_html)
    section = wait(office).until(EC.visibility_of_element_located(by_testid("letter-withdrawn")))
    assert "正文有来信人住址" in section.text
    office.execute_script("arguments[0].scrollIntoView({block: 'center'})", section)
    shot(office, "withdrawal-office-letter-withdrawn")
    assert office.find_elements(*by_testid("form-republish"))

    # The public page says it was withdrawn, and nothing else.
    visit(browser, f"{server.url}letters/{letter_id}", "withdrawal-letter-gone")
    assert browser.find_elements(*by_testid("letter-withdrawn"))
    assert tag not in browser.page_source and "住址" not in browser.page_source
    visit(browser, f"{server.url}letters?q={tag}", "withdrawal-letter-search")
    assert browser.find_elements(*by_testid("letters-empty"))
