"""The account journey in headless Chromium: sign up (the browser's timezone pre-selected),
confirm (logged in at once), enrol, log out, reset the password.

The live server runs in this process, so the mails it sends are in django.core.mail.outbox.
Every page is checked for console errors (a CSP violation shows up there).
"""

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.accounts.mail import link_in_last_mail
from tests.browser import console_errors, save_screenshot
from tests.roadmap.factories import build_roadmap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "journey@example.com"
PASSWORD = "first-passphrase-of-the-journey"
NEW_PASSWORD = "second-passphrase-after-reset"


def wait(driver, condition, message: str = "") -> None:
    # A click starts a navigation; until the new document has loaded, elements of the old page
    # go stale or detach mid-call (Chromium's "Node ... does not belong to the document").
    WebDriverWait(
        driver, 15, ignored_exceptions=[StaleElementReferenceException, WebDriverException]
    ).until(
        lambda d: d.execute_script("return document.readyState") == "complete" and condition(d),
        message,
    )


def heading(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def wait_for_heading(driver, text: str) -> None:
    wait(driver, lambda d: heading(d) == text, f"no page titled {text!r}")
    assert console_errors(driver) == []


def fill(driver, **fields: str) -> None:
    for name, value in fields.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def submit(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def log_in(driver, password: str) -> None:
    driver.find_element(By.LINK_TEXT, "Log in").click()
    wait_for_heading(driver, "Log in")
    fill(driver, login=EMAIL, password=password)
    submit(driver)


def test_sign_up_confirm_enrol_log_out_and_reset_password(browser, live_server, tmp_path):
    driver = browser
    path = build_roadmap(steps=2, milestones_per_step=2, slug="ai-project-manager")
    # a browser in Berlin
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})

    # given: a visitor on the landing page
    driver.get(live_server.url)
    wait_for_heading(driver, "Become an AI Project Manager, one milestone at a time")
    save_screenshot(driver, tmp_path, "01-landing")

    # when: they sign up
    driver.find_element(By.LINK_TEXT, "Sign up free").click()
    wait_for_heading(driver, "Create your account")
    fill(driver, email=EMAIL, password1=PASSWORD, password2=PASSWORD)
    # the timezone list already shows the browser's own
    assert driver.find_element(By.NAME, "timezone").get_attribute("value") == "Europe/Berlin"
    save_screenshot(driver, tmp_path, "02-signup")
    submit(driver)

    # then: they are asked to verify their address
    wait_for_heading(driver, "Check your email")
    save_screenshot(driver, tmp_path, "03-verification-sent")

    # when: they open the link from the mail and confirm (a click: GET alone confirms nothing)
    driver.get(live_server.url + link_in_last_mail(EMAIL, "/accounts/confirm-email/"))
    wait_for_heading(driver, "Confirm your email address")
    save_screenshot(driver, tmp_path, "04-confirm")
    submit(driver)

    # then: confirmed and logged in at once, they are asked to choose a path
    wait(driver, lambda d: d.current_url.endswith("/paths/"))
    assert (
        "Next: choose your career path and enrol." in driver.find_element(By.TAG_NAME, "main").text
    )
    assert User.objects.get(email=EMAIL).timezone == "Europe/Berlin"

    # when: they open the path and enrol
    driver.find_element(By.LINK_TEXT, path.title).click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".enrol-form button"))
    driver.find_element(By.CSS_SELECTOR, ".enrol-form button").click()

    # then: enrolled, the path page says so
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, ".enrol-form"))
    assert console_errors(driver) == []
    save_screenshot(driver, tmp_path, "05-enrolled")

    # when: they log out from the account menu
    driver.find_element(By.CSS_SELECTOR, ".account-menu summary").click()
    driver.find_element(By.CSS_SELECTOR, ".account-menu button[type=submit]").click()

    # then: back on the landing page, logged out
    wait_for_heading(driver, "Become an AI Project Manager, one milestone at a time")

    # when: they forgot their password and reset it from the mailed link
    driver.find_element(By.LINK_TEXT, "Log in").click()
    wait_for_heading(driver, "Log in")
    driver.find_element(By.LINK_TEXT, "Forgot your password?").click()
    wait_for_heading(driver, "Reset your password")
    fill(driver, email=EMAIL)
    submit(driver)
    wait(driver, lambda d: d.current_url.endswith("/accounts/password/reset/done/"))
    assert console_errors(driver) == []
    driver.get(live_server.url + link_in_last_mail(EMAIL, "/accounts/password/reset/key/"))
    wait_for_heading(driver, "Choose a new password")
    fill(driver, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    save_screenshot(driver, tmp_path, "06-new-password")
    submit(driver)
    wait(driver, lambda d: d.current_url.endswith("/accounts/password/reset/key/done/"))
    assert console_errors(driver) == []
    assert "changed" in driver.find_element(By.TAG_NAME, "main").text

    # then: the old password is refused and the new one works
    log_in(driver, PASSWORD)
    wait(driver, lambda d: "not correct" in d.find_element(By.CSS_SELECTOR, ".form-errors").text)
    assert console_errors(driver) == []
    fill(driver, login=EMAIL, password=NEW_PASSWORD)
    submit(driver)
    wait(driver, lambda d: d.current_url.endswith("/dashboard/"))
    assert console_errors(driver) == []
    save_screenshot(driver, tmp_path, "07-dashboard-again")


def test_change_email_page_has_no_console_errors(browser, live_server, tmp_path):
    # given: a logged-in learner
    user = UserFactory(email="before@example.com")
    driver = browser
    driver.get(live_server.url + "/accounts/login/")
    fill(driver, login=user.email, password=DEFAULT_PASSWORD)
    submit(driver)
    wait(driver, lambda d: d.current_url.endswith("/dashboard/"))

    # when
    driver.find_element(By.CSS_SELECTOR, ".account-menu summary").click()
    driver.find_element(By.LINK_TEXT, "Email address").click()
    wait_for_heading(driver, "Email address")
    fill(driver, email="after@example.com")
    submit(driver)

    # then: the pending change is shown (the page with a hidden helper form), without CSP
    # violations
    wait(driver, lambda d: "pending verification" in d.find_element(By.TAG_NAME, "main").text)
    assert console_errors(driver) == []
    save_screenshot(driver, tmp_path, "email-pending")
