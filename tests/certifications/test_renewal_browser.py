"""Headless Chromium at phone width: record a renewal through its confirmation page, see the
closed cycle kept under Renewals, and undo it."""

import datetime as dt

import pytest
from django.utils import timezone

from certifications.models import LearnerCertification
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser import Journey
from tests.certifications.factories import CreditActivityFactory, LearnerCertificationFactory, csm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_a_renewal_after_confirming_then_undo_it(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser
    driver.set_window_size(390, 900)
    journey = Journey(driver, tmp_path)
    css, check = journey.css, journey.check

    # given: a CSM expiring in 20 days with 15 of its 20 SEUs, and its learner logged in
    user = UserFactory()
    today = timezone.localdate()
    tracked = LearnerCertificationFactory(
        learner=user, certification=csm(), status="earned", earned_on=today - dt.timedelta(days=710)
    )
    CreditActivityFactory(learner_certification=tracked, date=today, credits=15)
    old_expiry = tracked.expires_on
    driver.get(live_server.url + "/accounts/login/")
    css("input[name=login]").send_keys(user.email)
    css("input[name=password]").send_keys(DEFAULT_PASSWORD)
    css("main form button[type=submit]").click()
    journey.wait(lambda d: d.current_url.endswith("/dashboard/"))
    driver.get(live_server.url + tracked.get_absolute_url())

    # when: they follow "Record renewal…"
    journey.click_and_load(driver.find_element(By.PARTIAL_LINK_TEXT, "Record renewal"))

    # then: what will change, before anything does
    text = css("main").text
    assert "15 of 20 SEUs counted" in text and "Nothing changes until you confirm" in text
    check("01-renewal-confirm")
    assert_fits_the_phone(driver)
    assert LearnerCertification.objects.get(pk=tracked.pk).expires_on == old_expiry

    # when: confirmed
    journey.click_and_load(css("main form button[type=submit]"))

    # then: renewed, the closed cycle kept under Renewals
    assert "Renewal recorded" in css(".messages").text
    assert "15 of 20 SEUs" in css("table.renewal-history").text
    assert LearnerCertification.objects.get(pk=tracked.pk).expires_on > old_expiry
    driver.execute_script("document.getElementById('renewals-title').scrollIntoView()")
    check("02-renewed")
    assert_fits_the_phone(driver)

    # when: undone
    journey.click_and_load(css("table.renewal-history button[type=submit]"))

    # then: as before
    assert "Renewal undone" in css(".messages").text
    assert LearnerCertification.objects.get(pk=tracked.pk).expires_on == old_expiry
    assert not driver.find_elements(By.CSS_SELECTOR, "table.renewal-history")
    check("03-undone")
    assert_fits_the_phone(driver)


def assert_fits_the_phone(driver) -> None:
    # Wide tables scroll inside their own box, the page itself does not.
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
