"""The browsable API docs (Swagger UI) in headless Chromium: the page renders every operation
under the site's strict CSP without a console error, and "Try it out" works with the session."""

import pytest

from roadmap.models import ProgressStatus
from roadmap.services.progress import milestone_status_set
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.api.conftest import make_api_learner
from tests.browser import console_errors, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_render_without_console_errors_and_try_it_out_works(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser

    def wait(condition, timeout=15):
        return WebDriverWait(driver, timeout).until(condition)

    def css(selector):
        return driver.find_element(By.CSS_SELECTOR, selector)

    # given: a learner with progress, logged in through the login form
    learner = make_api_learner()
    milestone_status_set(
        learner=learner.learner, milestone=learner.milestones[0], status=ProgressStatus.DONE
    )
    driver.get(live_server.url + "/accounts/login/")
    css("input[name=login]").send_keys(learner.learner.email)
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    css("main form button[type=submit]").click()
    wait(lambda d: d.current_url.endswith("/dashboard/"))
    console_errors(driver)

    # when: they open the API docs
    driver.get(live_server.url + "/api/v1/docs/")

    # then: Swagger UI lists every operation, with no CSP violation or script error
    wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 8)
    paths = {e.text for e in driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/api/v1/paths/", "/api/v1/milestones/{id}/", "/api/v1/certifications/"} <= paths
    save_screenshot(driver, tmp_path, "01-docs")
    assert console_errors(driver) == []

    # when: they try GET /api/v1/paths/ from the page (the browser session authenticates)
    css("#operations-paths-paths_list .opblock-summary-control").click()
    wait(lambda d: d.find_element(By.CSS_SELECTOR, ".try-out__btn")).click()
    wait(lambda d: d.find_element(By.CSS_SELECTOR, ".execute")).click()

    # then: the live answer is shown
    wait(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status"
        )
    )
    status = css(".live-responses-table tbody .response-col_status").text
    body = css(".live-responses-table .microlight").text
    save_screenshot(driver, tmp_path, "02-try-it-out")
    assert status.startswith("200")
    assert '"percent": 17' in body
    assert console_errors(driver) == []
