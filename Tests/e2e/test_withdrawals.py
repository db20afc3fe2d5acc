"""Browser test of withdrawing published text (issue 9, item 23): a viewer
who has an interview's live page open sees an entry the admin withdraws
leave the page at once, without a reload, and its corrected text come back
masked; the admin's console says who withdrew it and why."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC

from conftest import Api, by_testid, shot, sign_in_via_page, visit, wait
from test_interviews import VIEWER_LIVE, marker

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
