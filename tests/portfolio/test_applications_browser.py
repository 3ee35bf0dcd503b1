"""Headless Chromium: add an application, move it to interviewing on the board (in place, with
htmx), then run a CV check for it."""

import datetime as dt

import pytest

from portfolio.models import CVCheck, JobApplication
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CV = """Project coordinator, City Food Bank (2024-2026)
Planned a volunteer rota for 40 people with a risk register and weekly stakeholder updates.
Led the move to a scheduling tool; cut unfilled shifts from 12 to 2 a month.
Skills: project planning, stakeholder management, Agile, Jira, budgeting."""

JOB = """AI Project Manager
You will lead machine learning projects from discovery to deployment, manage stakeholders,
own the roadmap and the risk register, run Agile ceremonies in Jira, and report on budget.
Experience with data science teams, MLOps and model evaluation is a plus."""


def test_add_an_application_move_it_to_interviewing_and_run_a_cv_check(
    live_server, browser, tmp_path
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser

    journey = Journey(driver, tmp_path)
    wait, css, click_and_load, set_value, check = (
        journey.wait,
        journey.css,
        journey.click_and_load,
        journey.set_value,
        journey.check,
    )

    def column_of_card(pk):
        return driver.execute_script(
            "return document.getElementById(arguments[0]).closest('section')"
            ".querySelector('h2').id;",
            f"application-{pk}",
        )

    # given: a learner who logs in
    learner = UserFactory()
    driver.get(live_server.url + "/accounts/login/")
    css("input[name=login]").send_keys(learner.email)
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    click_and_load(css("main form button[type=submit]"))

    # when: they open the board from the menu and add an application
    click_and_load(driver.find_element(By.LINK_TEXT, "Applications"))
    check("01-board-empty")
    click_and_load(driver.find_element(By.LINK_TEXT, "Add an application"))
    css("input[name=company]").send_keys("Acme Robotics")
    css("input[name=role]").send_keys("AI Project Manager")
    Select(css("select[name=status]")).select_by_visible_text("Applied")
    css("input[name=posting_url]").send_keys("https://jobs.acme.example/ai-pm")
    css("input[name=next_action]").send_keys("Follow up with the recruiter")
    set_value("input[name=next_action_on]", (dt.date.today() + dt.timedelta(days=3)).isoformat())
    check("02-application-form")
    click_and_load(css("main form.application-form button[type=submit]"))

    # then: its page, with the history started
    assert "is on your board" in css(".messages").text
    application = JobApplication.objects.get(learner=learner)
    assert "Added as Applied" in css(".history-list").text
    check("03-application")

    # when: on the board, they move it to interviewing with the card's own control
    click_and_load(driver.find_element(By.CSS_SELECTOR, ".breadcrumbs a"))
    assert column_of_card(application.pk) == "column-applied"
    driver.execute_script("window.stillThisPage = true;")
    Select(css(f"#move-{application.pk}")).select_by_visible_text("Interviewing")
    css(f"#application-{application.pk} .move-form button").click()

    # then: the card moves in place (no page load), the move is announced, focus stays on it
    wait(lambda d: column_of_card(application.pk) == "column-interviewing")
    assert driver.execute_script("return window.stillThisPage === true;")
    wait(lambda d: "is now in Interviewing" in css("#board-status").text)
    wait(lambda d: d.switch_to.active_element.get_attribute("id") == f"move-{application.pk}")
    application.refresh_from_db()
    assert application.status == "interviewing"
    check("04-board-moved")

    # when: they open it and run a CV check against the job
    click_and_load(driver.find_element(By.LINK_TEXT, "AI Project Manager"))
    assert "Applied → Interviewing" in css(".history-list").text
    click_and_load(driver.find_element(By.LINK_TEXT, "Run a CV check"))
    assert f"application={application.pk}" in driver.current_url
    selected = Select(css("select[name=application]")).first_selected_option
    assert "Acme Robotics" in selected.text
    css("textarea[name=cv_text]").send_keys(CV)
    css("textarea[name=job_text]").send_keys(JOB)
    check("05-cv-check-form")
    click_and_load(css("main form.cv-check-form button[type=submit]"))

    # then: the result, kept with the application
    cv_check = CVCheck.objects.get(learner=learner)
    assert cv_check.application_id == application.pk
    assert f"/portfolio/cv-checks/{cv_check.pk}/" in driver.current_url
    assert "out of 100" in css(".messages").text
    check("06-cv-check-result")
    driver.get(live_server.url + application.get_absolute_url())
    assert f"{cv_check.score}/100" in css("main").text
    check("07-application-with-check")
