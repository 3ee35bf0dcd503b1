"""Headless Chromium: add PMP, mark it earned, log credits, see the renewal bar move."""

import datetime as dt

import pytest
from django.utils import timezone

from certifications.models import LearnerCertification
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser import Journey
from tests.certifications.factories import csm, pmp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_pmp_mark_earned_log_credits_and_see_the_renewal_bar_move(
    live_server, browser, tmp_path
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser

    journey = Journey(driver, tmp_path)
    wait, css, set_value, check = (journey.wait, journey.css, journey.set_value, journey.check)

    # given: the PMP in the catalogue and a verified learner who logs in
    cert = pmp(slug="pmp", abbreviation="PMP")
    csm(slug="csm", abbreviation="CSM")
    user = UserFactory()
    driver.get(live_server.url + "/accounts/login/")
    css("input[name=login]").send_keys(user.email)
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    css("main form button[type=submit]").click()
    wait(lambda d: d.current_url.endswith("/dashboard/"))

    # when: they open the catalogue from the menu and track the PMP
    driver.find_element(By.LINK_TEXT, "Certifications").click()
    wait(lambda d: "/certifications/" in d.current_url)
    check("01-catalogue")

    # and compare it with the CSM side by side (a plain GET form, no script)
    css("#cert-pmp input[name=c]").click()
    css("#cert-csm input[name=c]").click()
    css("button[form=compare-form]").click()
    wait(lambda d: "/certifications/compare/" in d.current_url)
    assert "20 SEUs every 24 months" in css("table.cert-compare").text
    check("01b-compare")
    driver.back()
    wait(lambda d: d.current_url.endswith("/certifications/"))
    css("#cert-pmp form button[type=submit]").click()
    wait(lambda d: "/certifications/mine/" in d.current_url)
    tracked = LearnerCertification.objects.get(learner=user, certification=cert)
    check("02-tracker-planned")

    # and mark it earned a month ago
    earned_on = timezone.localdate() - dt.timedelta(days=30)
    Select(css("select[name=status]")).select_by_value("earned")
    set_value("input[name=earned_on]", earned_on.isoformat())
    css("input[name=credential_id]").send_keys("PMP-4242")
    css("main form[action$='/status/'] button[type=submit]").click()
    wait(lambda d: "Status saved" in d.page_source)
    bar = css(".renewal-line progress")
    assert bar.get_attribute("max") == "60" and bar.get_attribute("value") == "0"
    check("03-earned")

    # and log 12 Power Skills PDUs
    set_value("input[name=date]", earned_on.isoformat())
    css("input[name=credits]").send_keys("12")
    Select(css("select[name=category]")).select_by_visible_text("Power Skills")
    css("input[name=description]").send_keys("Negotiation for project leaders")
    css("input[name=evidence_url]").send_keys("https://example.com/certificate.pdf")
    css("main form[action$='/credits/'] button[type=submit]").click()
    wait(lambda d: "Credits logged" in d.page_source)

    # then: the renewal bar moved, and the log lists the activity
    bar = css(".renewal-line progress")
    assert bar.get_attribute("value") == "12"
    assert "12 of 60 PDUs count" in css(".renewal-line").text
    assert "Negotiation for project leaders" in css(".credit-log").text
    tracked.refresh_from_db()
    assert tracked.status == "earned" and tracked.credential_id == "PMP-4242"
    check("04-credits-logged")

    # and "my certifications" shows the same bar
    driver.find_element(By.LINK_TEXT, "My certifications").click()
    wait(lambda d: d.current_url.endswith("/certifications/mine/"))
    assert css(".renewal-line progress").get_attribute("value") == "12"
    check("05-mine")
