"""In Chromium: follow the unsubscribe link of a sent email; view the preview under the CSP."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import DigestFrequency
from reminders.services import dispatch as reminder_dispatch
from reminders.services import preview, sending
from roadmap.models import ProgressStatus
from tests.browser import console_errors, save_screenshot
from tests.roadmap.factories import build_roadmap
from tests.roadmap.reminder_helpers import learner_on, milestones_of, outbox_for, progress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner():
    path = build_roadmap(steps=2, milestones_per_step=3)
    learner = learner_on(path, hour=0, nudges_enabled=False)
    progress(learner, milestones_of(path)[0], ProgressStatus.DONE, completed_at=timezone.now())
    return learner


def send_due_reminders() -> None:
    reminder_dispatch.reminders_dispatch(
        now=timezone.now(),
        deliver=lambda ids: sending.reminder_deliveries_send(delivery_ids=ids),
    )


def test_unsubscribe_link_from_a_sent_digest_switches_it_off(
    browser, live_server, settings, learner, tmp_path
):
    # given: a digest sent with links to this server
    settings.SITE_URL = live_server.url
    send_due_reminders()
    [email] = outbox_for(learner.email, "digest")
    link = re.search(r"Unsubscribe from the digest: (\S+)", email.body).group(1)
    assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert link.startswith(live_server.url)

    # when: the learner, not logged in, follows it and confirms
    browser.get(link)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Stop the progress digest?"
    learner.refresh_from_db()
    assert learner.digest_frequency == DigestFrequency.DAILY  # a GET changes nothing
    browser.find_element(By.CSS_SELECTOR, "main form button[type='submit']").click()
    WebDriverWait(browser, 10).until(
        ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "You are unsubscribed")
    )
    save_screenshot(browser, tmp_path, "unsubscribed")

    # then: the digest is off, nudges untouched, and the pages raised no console errors
    learner.refresh_from_db()
    assert learner.digest_frequency == DigestFrequency.OFF
    assert console_errors(browser) == []


def test_preview_page_shows_the_email_under_the_csp(browser, live_server, learner, tmp_path):
    # given: the learner is logged in
    client = Client()
    client.force_login(learner)
    browser.get(live_server.url + "/")
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value})
    expected = preview.reminder_preview(learner=learner)

    # when
    browser.get(live_server.url + "/reminders/preview/")

    # then: subject on the page, the HTML part in its frame, no CSP violations
    assert expected.subject in browser.find_element(By.CLASS_NAME, "email-subject").text
    frame = browser.find_element(By.CSS_SELECTOR, "iframe.email-frame")
    browser.switch_to.frame(frame)
    assert "Overall: 17% complete" in browser.find_element(By.TAG_NAME, "body").text
    browser.switch_to.default_content()
    save_screenshot(browser, tmp_path, "preview")
    assert console_errors(browser) == []
    assert mail.outbox == []  # a preview sends nothing
