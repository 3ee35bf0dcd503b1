"""Headless Chromium: a learner turns on the calendar feed, makes an API token, downloads their
data, then deletes their account (password again, then DELETE), without a console error."""

import urllib.error
import urllib.request

import pytest

from accounts.models import PersonalAccessToken, User
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.accounts.learner_data import full_learner_data
from tests.browser import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_feed_token_and_account_deletion_in_a_browser(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser

    journey = Journey(driver, tmp_path)
    wait, css, check = (journey.wait, journey.css, journey.check)

    # given: a learner with data of every kind logs in
    data = full_learner_data()
    learner = data.learner
    driver.get(live_server.url + "/accounts/login/")
    css("input[name=login]").send_keys(learner.email)
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    css("main form button[type=submit]").click()
    wait(lambda d: d.current_url.endswith("/dashboard/"))

    # when: they open the settings and make a new calendar feed address
    driver.get(live_server.url + "/settings/")
    check("01-settings")
    driver.find_element(By.LINK_TEXT, "Manage the calendar feed").click()
    wait(lambda d: d.current_url.endswith("/settings/calendar/"))
    css("main form button[type=submit]").click()
    wait(lambda d: d.find_elements(By.ID, "feed-url"))
    feed_url = css("#feed-url").get_attribute("value")
    check("02-calendar")

    # then: the address serves their calendar (a calendar app fetches it, not the browser)
    with urllib.request.urlopen(feed_url) as response:
        assert response.read().startswith(b"BEGIN:VCALENDAR")

    # when: they make an API token
    driver.get(live_server.url + "/settings/tokens/")
    css("input[name=name]").send_keys("backup script")
    css("main form[novalidate] button[type=submit]").click()
    wait(lambda d: d.find_elements(By.ID, "new-token"))
    assert css("#new-token").get_attribute("value").startswith("cpat_")
    check("03-token")

    # and look at what a download holds
    driver.get(live_server.url + "/settings/data/")
    assert "Download JSON" in css("main").text
    check("04-data")

    # when: they delete the account, entering the password again and typing DELETE
    driver.get(live_server.url + "/settings/delete/")
    wait(lambda d: "/accounts/reauthenticate/" in d.current_url)
    check("05-password-again")
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    css("main form button[type=submit]").click()
    wait(lambda d: d.current_url.endswith("/settings/delete/"))
    check("06-delete")
    css("input[name=confirmation]").send_keys("DELETE")
    css("main form button[type=submit]").click()

    # then: logged out on the home page, and nothing of theirs is left
    wait(lambda d: "Your account and everything in it are deleted." in d.page_source)
    check("07-deleted")
    assert not User.objects.filter(pk=learner.pk).exists()
    assert not PersonalAccessToken.objects.exists()
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(feed_url)
    assert gone.value.code == 404
