"""The learner's journey in headless Chromium: browse, sign up, enrol, track, see the dashboard."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from roadmap.models import MilestoneProgress
from tests.accounts.mail import link_in_last_mail
from tests.browser import console_errors, page_replaced, save_screenshot
from tests.roadmap.factories import build_roadmap, path_milestones

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "grace@example.com"
PASSWORD = "a-long-passphrase-for-the-journey-2026"


def wait_for(driver, condition, timeout: float = 5):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # An htmx swap replaces elements while we look at them: look again.
    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(lambda d: condition(d))


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def click_and_load(driver, element) -> None:
    """Click something that loads a new page, and wait until the old one is gone."""

    html = css(driver, "html")
    element.click()
    wait_for(driver, page_replaced(html))


def check_page(driver, tmp_path, name: str) -> None:
    save_screenshot(driver, tmp_path, name)
    assert console_errors(driver) == [], name


def test_a_visitor_becomes_a_learner_and_tracks_progress(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser
    path = build_roadmap(steps=2, milestones_per_step=3, slug="ai-project-manager")
    first, second, third = path_milestones(path)[:3]
    step = first.step

    # given: a visitor browses the paths, a path and a milestone without an account
    driver.get(f"{live_server.url}/paths/")
    check_page(driver, tmp_path, "01-path-list")
    click_and_load(driver, driver.find_element(By.LINK_TEXT, path.title))
    assert "The steps" in driver.page_source and first.title in driver.page_source
    check_page(driver, tmp_path, "02-path-visitor")
    click_and_load(driver, driver.find_element(By.LINK_TEXT, first.title))
    assert "Why it matters" in driver.page_source and "Example Academy" in driver.page_source
    check_page(driver, tmp_path, "03-milestone-visitor")

    # when: they sign up from there
    click_and_load(driver, driver.find_element(By.PARTIAL_LINK_TEXT, "Sign up to track"))
    css(driver, "input[name=email]").send_keys(EMAIL)
    css(driver, "input[name=password1]").send_keys(PASSWORD)
    css(driver, "input[name=password2]").send_keys(PASSWORD)
    click_and_load(driver, css(driver, "main form button[type=submit]"))
    check_page(driver, tmp_path, "04-verification-sent")

    # and confirm their address with the link from the mail (a POST, as the page asks)
    assert mail.outbox, "no confirmation mail"
    driver.get(live_server.url + link_in_last_mail(EMAIL, "/accounts/confirm-email/"))
    check_page(driver, tmp_path, "05-confirm")
    click_and_load(driver, css(driver, "main form button[type=submit]"))
    if "/accounts/login/" in driver.current_url:
        css(driver, "input[name=login]").send_keys(EMAIL)
        css(driver, "input[name=password]").send_keys(PASSWORD)
        click_and_load(driver, css(driver, "main form button[type=submit]"))

    # then: the dashboard invites them to choose a path
    driver.get(f"{live_server.url}/dashboard/")
    assert "Choose your first career path" in driver.page_source
    check_page(driver, tmp_path, "06-dashboard-empty")

    # when: they enrol in one click
    click_and_load(driver, driver.find_element(By.LINK_TEXT, "Browse career paths"))
    click_and_load(driver, driver.find_element(By.LINK_TEXT, path.title))
    click_and_load(driver, css(driver, "form.enrol-form button[type=submit]"))
    assert "You are enrolled in" in driver.page_source
    # the plan's onboarding follows a first enrolment; they skip it for now
    assert "What do you already have?" in driver.page_source
    click_and_load(driver, css(driver, "#skip-setup"))
    assert "0% · 0 of 6 done" in css(driver, "[data-testid=path-percent]").text
    check_page(driver, tmp_path, "07-enrolled")

    # and on the step page mark one milestone done and one in progress, in place (htmx)
    driver.get(live_server.url + step.get_absolute_url())
    driver.execute_script(
        "const m = document.createElement('div'); m.id = 'journey-marker';"
        " document.body.appendChild(m);"
    )

    def press(milestone, status: str, expected_class: str) -> None:
        row = f"#milestone-{milestone.pk}"
        css(driver, f"{row} button[data-status={status}]").click()
        wait_for(driver, lambda d: expected_class in css(d, row).get_attribute("class"))

    press(first, "done", "status-done")
    wait_for(driver, lambda d: "33% · 1 of 3 done" in css(d, ".step-progress").text)
    press(third, "in_progress", "status-in_progress")

    # then: the page never reloaded, the step's bar followed, and the change was announced
    assert driver.find_elements(By.ID, "journey-marker"), "the page was reloaded"
    wait_for(driver, lambda d: "1 in progress" in css(d, ".step-progress").text)
    assert "is in progress" in css(driver, "#live-status").get_attribute("textContent")
    assert driver.switch_to.active_element.tag_name == "button"  # focus stayed in the row
    check_page(driver, tmp_path, "08-step-after-htmx")

    # when: with JavaScript switched off, they mark the second done on its own page
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    driver.get(live_server.url + second.get_absolute_url())
    click_and_load(driver, css(driver, "#milestone-status button[data-status=done]"))

    # then: a plain POST, a redirect back and a message
    assert driver.current_url == live_server.url + second.get_absolute_url()
    assert "is done. Well done!" in css(driver, ".messages").text
    assert "Done" in css(driver, "#milestone-status .badge").text
    check_page(driver, tmp_path, "09-milestone-without-js")
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    driver.get(live_server.url + step.get_absolute_url())
    assert "67% · 2 of 3 done" in css(driver, ".step-progress").text
    statuses = dict(
        MilestoneProgress.objects.filter(milestone__step=step).values_list("milestone", "status")
    )
    assert statuses == {first.pk: "done", second.pk: "done", third.pk: "in_progress"}

    # when: they set a target date on the third with the plain form (a full POST and redirect)
    driver.get(live_server.url + third.get_absolute_url())
    due = timezone.localdate() + dt.timedelta(days=3)
    date_input = css(driver, "input[name=target_date]")
    driver.execute_script("arguments[0].value = arguments[1];", date_input, due.isoformat())
    click_and_load(driver, css(driver, "form.target-form button[type=submit]"))

    # then: the message and the date are on the milestone page
    assert "Target date saved." in css(driver, ".messages").text
    assert "Due in 3 days" in css(driver, "#milestone-status").text
    check_page(driver, tmp_path, "10-milestone-target-date")

    # and the dashboard shows the new numbers
    driver.get(f"{live_server.url}/dashboard/")
    assert css(driver, "[data-testid=overall-percent]").text == "33%"
    assert "2 of 6 milestones done, 1 in progress" in css(driver, "#stat-overall").text
    assert css(driver, "[data-testid=streak]").text == "1 day"
    assert css(driver, "[data-testid=projection]").text == "Not enough history yet"
    assert third.title in css(driver, "#due-soon-list").text
    assert third.title in css(driver, "#next-actions").text
    cells = driver.find_elements(By.CSS_SELECTOR, "svg.heatmap-svg rect[data-day]")
    assert len(cells) == 84
    assert cells[-1].get_attribute("data-count") == "4"  # two done, one started, one date
    check_page(driver, tmp_path, "11-dashboard")
