"""Browser tests of surveys (issue 11): an organiser builds a survey in the
browser builder, a citizen answers it (a conditional question appears only
when its condition holds), another answers with JavaScript switched off,
the organiser closes it and publishes the results, and the public sees the
server-rendered bar charts."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import by_testid, chrome_options, marker, shot, sign_in_via_page, visit, wait, wait_until_gone

BEIJING = timezone(timedelta(hours=8))


def beijing_minute(moment: datetime) -> str:
    """A datetime-local input's value in Beijing time."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def submit_and_wait(driver: WebDriver, form) -> None:
    old_html = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until_gone(driver, old_html)


def add_question(driver: WebDriver, kind: str, prompt: str, *, options: str = "", required: bool = False,
                 condition: tuple[str, str] | None = None) -> None:
    form = driver.find_element(*by_testid("survey-question-form"))
    Select(form.find_element(*by_testid("question-type"))).select_by_value(kind)
    form.find_element(*by_testid("question-prompt")).send_keys(prompt)
    if options:
        form.find_element(*by_testid("question-options")).send_keys(options)
    if required:
        form.find_element(*by_testid("question-required")).click()
    if condition:
        Select(form.find_element(By.NAME, "conditionKey")).select_by_value(condition[0])
        form.find_element(By.NAME, "conditionValue").send_keys(condition[1])
    submit_and_wait(driver, form)
    notice = driver.find_element(*by_testid("survey-notice")).text
    assert notice == "已添加题目。", driver.find_element(By.TAG_NAME, "main").text


def build_survey(driver: WebDriver, server, title: str) -> int:
    """Builds and opens a three-question survey through the builder pages;
    returns its id."""
    sign_in_via_page(driver, server, "admin", name="survey-admin-login")
    visit(driver, server.url + "staff/surveys", "survey-staff-list")
    create = driver.find_element(*by_testid("survey-create"))
    create.find_element(*by_testid("survey-new-title")).send_keys(title)
    submit_and_wait(driver, create)
    survey_id = int(driver.current_url.rstrip("/").split("/")[-1])

    add_question(driver, "single_choice", "您是否使用过公共法律服务？", options="yes|是\nno|否", required=True)
    add_question(driver, "rating", "您对服务的总体评价", required=True, condition=("q1", "yes"))
    driver.find_element(By.NAME, "ratingMin")  # the rating part exists
    add_question(driver, "multiple_choice", "您希望增加哪些服务？",
                 options="night|夜间咨询\nweekend|周末服务\nonline|网上办理")

    settings = driver.find_element(*by_testid("survey-settings"))
    now = datetime.now(timezone.utc)
    for name, moment in (("opensAt", now - timedelta(hours=1)), ("closesAt", now + timedelta(days=14))):
        driver.execute_script("arguments[0].value = arguments[1]", settings.find_element(By.NAME, name), beijing_minute(moment))
    introduction = settings.find_element(By.NAME, "introduction")
    introduction.clear()
    introduction.send_keys("为改进公共法律服务，请您用一分钟回答三个问题。")
    submit_and_wait(driver, settings)
    assert driver.find_element(*by_testid("survey-notice")).text == "已保存。"
    shot(driver, "survey-builder")

    submit_and_wait(driver, driver.find_element(*by_testid("survey-state-open")).find_element(By.XPATH, "./ancestor::form"))
    assert driver.find_element(*by_testid("survey-state")).text == "进行中"
    return survey_id


def answer_without_cookie(server, survey_id: int, answers: dict) -> None:
    """Answers as a new respondent: no cookie, so another browser."""
    request = urllib.request.Request(f"{server.url}api/v1/surveys/{survey_id}/responses", data=json.dumps(answers).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def test_answer_a_survey_then_see_the_published_chart(browser: WebDriver, new_chrome, server) -> None:
    title = f"公共法律服务满意度调查 {marker()}"
    organiser = new_chrome()
    survey_id = build_survey(organiser, server, title)

    # The public list shows it; the form hides the conditional question
    # until "是" is chosen.
    citizen = browser
    visit(citizen, server.url + "surveys", "survey-public-list")
    citizen.find_element(By.LINK_TEXT, title).click()
    wait(citizen).until(EC.visibility_of_element_located(by_testid("survey-form")))
    questions = citizen.find_elements(*by_testid("survey-question"))
    assert [q.get_attribute("data-key") for q in questions] == ["q1", "q2", "q3"]
    assert not questions[1].is_displayed(), "the conditional question shows before its condition holds"
    shot(citizen, "survey-form")

    # Sending it empty: the required question is named, nothing is stored.
    submit_and_wait(citizen, citizen.find_element(*by_testid("survey-form")))
    errors = citizen.find_element(*by_testid("form-errors")).text
    assert "第 1 题" in errors, errors
    shot(citizen, "survey-form-errors")

    citizen.find_element(By.ID, "q-q1-yes").click()
    rating = citizen.find_element(By.ID, "q-q2")
    wait(citizen).until(lambda d: rating.is_displayed(), "choosing 是 did not show the rating question")
    citizen.find_element(By.ID, "q-q2-4").click()
    citizen.find_element(By.ID, "q-q3-night").click()
    citizen.find_element(By.ID, "q-q3-online").click()
    shot(citizen, "survey-form-filled")
    submit_and_wait(citizen, citizen.find_element(*by_testid("survey-form")))
    assert citizen.find_element(*by_testid("survey-thanks")).text == "您的答卷已提交。"
    shot(citizen, "survey-thanks")

    # The same browser again: told kindly that it has answered.
    citizen.get(f"{server.url}surveys/{survey_id}")
    citizen.find_element(By.ID, "q-q1-no").click()
    submit_and_wait(citizen, citizen.find_element(*by_testid("survey-form")))
    assert "您已经提交过这份问卷" in citizen.find_element(*by_testid("form-errors")).text
    shot(citizen, "survey-already-answered")

    # A browser with JavaScript off: every question shows, with its
    # condition written beside it, and the form still works.
    options = chrome_options()
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2,
                                              "intl.accept_languages": "zh-CN,zh"})
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from conftest import CHROMEDRIVER

    no_script = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        visit(no_script, f"{server.url}surveys/{survey_id}", "survey-form-no-javascript")
        assert all(q.is_displayed() for q in no_script.find_elements(*by_testid("survey-question")))
        assert "仅当第 1 题选择“是”时回答" in no_script.find_element(By.ID, "q-q2").text
        no_script.find_element(By.ID, "q-q1-no").click()
        no_script.find_element(By.ID, "q-q3-weekend").click()
        submit_and_wait(no_script, no_script.find_element(*by_testid("survey-form")))
        assert no_script.find_element(*by_testid("survey-thanks"))
    finally:
        no_script.quit()

    # Before publication the public cannot see results.
    citizen.get(f"{server.url}surveys/{survey_id}/results")
    assert "404" in citizen.find_element(By.TAG_NAME, "main").text

    # The organiser follows the counts, closes and publishes.
    visit(organiser, f"{server.url}staff/surveys/{survey_id}/results", "survey-staff-results")
    count = organiser.find_element(*by_testid("survey-results-count"))
    assert "答卷数：2" in count.text, count.text
    assert organiser.find_element(*by_testid("survey-results-updating")).is_displayed()
    # A third person answers (a browser of its own, through the API): the
    # open page shows it within its 15-second refresh, without a reload.
    answer_without_cookie(server, survey_id, {"answers": {"q1": {"choice": "no"}, "q3": {"choices": ["weekend"]}}})
    wait(organiser, 25).until(lambda d: "答卷数：3" in d.find_element(*by_testid("survey-results-count")).text,
                              "the organiser's results did not refresh")
    visit(organiser, f"{server.url}staff/surveys/{survey_id}", "survey-builder-open")
    for state in ("closed", "results_published"):
        button = organiser.find_element(*by_testid(f"survey-state-{state}"))
        submit_and_wait(organiser, button.find_element(By.XPATH, "./ancestor::form"))
    assert organiser.find_element(*by_testid("survey-state")).text == "已公布结果"

    # The public sees the charts: real images, with a text equivalent.
    visit(citizen, server.url + "surveys", "survey-public-list-published")
    citizen.find_element(By.LINK_TEXT, title).click()
    wait(citizen).until(EC.visibility_of_element_located(by_testid("survey-results-title")))
    charts = citizen.find_elements(*by_testid("survey-chart"))
    assert len(charts) == 3
    wait(citizen).until(lambda d: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", c)
                                      for c in charts), "a chart did not load")
    assert all(c.get_attribute("alt") for c in charts)
    results = citizen.find_element(By.TAG_NAME, "main").text
    assert "夜间咨询" in results and "网上办理" in results
    shot(citizen, "survey-results-published")
