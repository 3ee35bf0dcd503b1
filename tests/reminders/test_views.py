"""Reminder pages over HTTP: preview, one-click unsubscribe by signed token, the delivery log."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from accounts.models import DigestFrequency
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import preview, unsubscribe
from roadmap.models import ProgressStatus, ReminderKind
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import build_roadmap
from tests.roadmap.reminder_helpers import learner_on, milestones_of, progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def path():
    return build_roadmap(steps=2, milestones_per_step=3)


@pytest.fixture
def learner(path):
    learner = learner_on(path, frequency=DigestFrequency.WEEKLY)
    progress(learner, milestones_of(path)[0], ProgressStatus.DONE)
    return learner


def unsubscribe_path(learner, kind: str) -> str:
    token = unsubscribe.unsubscribe_token_make(learner=learner, kind=kind)
    return reverse("reminders:unsubscribe", kwargs={"kind": kind, "token": token})


# --- Preview ------------------------------------------------------------------------------------


def test_settings_page_links_to_the_preview(client, learner):
    client.force_login(learner)
    response = client.get(reverse("accounts:settings"))
    assert reverse("reminders:preview") in response.content.decode()


def test_preview_shows_the_subject_the_html_part_and_links_the_text(client, learner):
    # given
    client.force_login(learner)
    email = preview.reminder_preview(learner=learner)
    # when
    page = client.get(reverse("reminders:preview"))
    html = client.get(reverse("reminders:preview_part", kwargs={"part": "html"}))
    text = client.get(reverse("reminders:preview_part", kwargs={"part": "txt"}))
    # then: the page names the subject and frames the exact HTML part, framable by us only
    assert page.status_code == 200
    body = page.content.decode()
    assert email.subject in body
    assert (
        'src="/reminders/preview/email.html"' in body
        and 'href="/reminders/preview/email.txt"' in body
    )
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert html.content.decode() == email.html.replace(
        *_token_of(email.html, html.content.decode())
    )
    assert "frame-ancestors 'self'" in html["Content-Security-Policy"]
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert text["Content-Type"].startswith("text/plain")
    assert f"Subject: {email.subject}" in text.content.decode()
    assert "Overall: 17% complete" in text.content.decode()


def _token_of(first: str, second: str) -> tuple[str, str]:
    """The two renders differ only in the unsubscribe token's timestamp (signed a moment
    apart): return (token in first, token in second) to compare the rest."""
    marker = "/reminders/unsubscribe/digest/"
    a = first.split(marker, 1)[1].split("/", 1)[0]
    b = second.split(marker, 1)[1].split("/", 1)[0]
    return a, b


def test_preview_with_nothing_to_say_and_with_the_digest_off(client, path):
    # given: a learner not enrolled anywhere, digest off
    learner = UserFactory(digest_frequency=DigestFrequency.OFF)
    client.force_login(learner)
    # when
    page = client.get(reverse("reminders:preview"))
    part = client.get(reverse("reminders:preview_part", kwargs={"part": "html"}))
    # then
    assert "Nothing to send right now" in page.content.decode()
    assert "Your progress digest is off" in page.content.decode()
    assert part.status_code == 404


def test_preview_needs_login(client):
    response = client.get(reverse("reminders:preview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preview_query_count_does_not_grow_with_progress(
    client, path, django_assert_max_num_queries
):
    # given: a learner on one small path, then on a second, larger one with lots of history
    learner = learner_on(path)
    # (one query each more than the roadmap alone: the digest's certifications and
    # applications sections, and the plan)
    client.force_login(learner)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("reminders:preview")).status_code == 200
    big = build_roadmap(steps=6, milestones_per_step=8)
    from tests.roadmap.factories import EnrollmentFactory, ProgressEventFactory

    EnrollmentFactory(learner=learner, path=big)
    for milestone in milestones_of(big)[:20]:
        progress(learner, milestone, ProgressStatus.DONE)
        ProgressEventFactory(learner=learner, milestone=milestone)
    # when / then
    with django_assert_max_num_queries(10):
        assert client.get(reverse("reminders:preview")).status_code == 200


# --- Unsubscribe --------------------------------------------------------------------------------


def test_get_shows_a_confirm_page_and_changes_nothing(client, learner):
    response = client.get(unsubscribe_path(learner, "digest"))
    assert response.status_code == 200
    assert '<form method="post">' in response.content.decode()
    learner.refresh_from_db()
    assert learner.digest_frequency == DigestFrequency.WEEKLY


def test_post_from_the_confirm_page_switches_the_digest_off_without_login(learner):
    # given: an anonymous browser that enforces CSRF checks
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    # when
    response = client.post(unsubscribe_path(learner, "digest"))
    # then: done, and only the digest is off
    assert response.status_code == 302
    assert response["Location"] == reverse("reminders:unsubscribed", kwargs={"kind": "digest"})
    assert (
        "You will not get the progress digest" in client.get(response["Location"]).content.decode()
    )
    learner.refresh_from_db()
    assert (learner.digest_frequency, learner.nudges_enabled) == (DigestFrequency.OFF, True)


def test_rfc8058_one_click_post_switches_nudges_off(learner):
    # given: a mail client's one-click POST: no cookies, no CSRF token
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    # when
    response = client.post(
        unsubscribe_path(learner, "nudges"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    # then
    assert response.status_code == 200
    learner.refresh_from_db()
    assert (learner.nudges_enabled, learner.digest_frequency) == (False, DigestFrequency.WEEKLY)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_refused_and_changes_nothing(client, learner, method):
    # given: a token for someone else's id, with our signature; one with a broken signature
    other = UserFactory()
    good = unsubscribe.unsubscribe_token_make(learner=learner, kind="digest")
    forged = good.replace(good.split(":")[0], signing.dumps(other.pk).split(":")[0], 1)
    for token in (forged, good[:-2] + "xx"):
        # when
        url = reverse("reminders:unsubscribe", kwargs={"kind": "digest", "token": token})
        response = getattr(client, method)(url)
        # then
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    learner.refresh_from_db()
    other.refresh_from_db()
    assert learner.digest_frequency == other.digest_frequency == DigestFrequency.WEEKLY


def test_a_digest_token_cannot_switch_nudges_off(client, learner):
    token = unsubscribe.unsubscribe_token_make(learner=learner, kind="digest")
    url = reverse("reminders:unsubscribe", kwargs={"kind": "nudges", "token": token})
    assert client.post(url).status_code == 400
    learner.refresh_from_db()
    assert learner.nudges_enabled is True


def test_an_expired_token_is_refused(client, learner):
    # given: a link signed 61 days ago
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=61)):
        url = unsubscribe_path(learner, "digest")
    # when
    response = client.post(url)
    # then
    assert response.status_code == 400
    learner.refresh_from_db()
    assert learner.digest_frequency == DigestFrequency.WEEKLY


def test_unsubscribe_pages_query_count_is_constant(
    client, learner, path, django_assert_max_num_queries
):
    url = unsubscribe_path(learner, "digest")
    with django_assert_max_num_queries(4):
        client.get(url)
    for _ in range(5):
        learner_on(path)
    with django_assert_max_num_queries(4):
        client.get(url)
    with django_assert_max_num_queries(4):
        client.post(url)


# --- Delivery log in the admin ------------------------------------------------------------------


def test_delivery_log_is_read_only_filterable_and_searchable(client, learner, path):
    # given
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    other = learner_on(path, email="findme@example.com")
    now = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    for who, status, error in (
        (learner, DeliveryStatus.SENT, ""),
        (other, DeliveryStatus.FAILED, "SMTPServerDisconnected: gone"),
    ):
        ReminderDelivery.objects.create(
            learner=who,
            kind=ReminderKind.DIGEST,
            period_key="digest:weekly:2026-W11",
            status=status,
            error=error,
            claimed_at=now,
            attempts=2,
        )
    url = reverse("admin:reminders_reminderdelivery_changelist")
    # when
    failed = client.get(url, {"status__exact": "failed"}).content.decode()
    found = client.get(url, {"q": "findme"}).content.decode()
    add = client.get(reverse("admin:reminders_reminderdelivery_add"))
    # then
    assert "findme@example.com" in failed and learner.email not in failed
    assert "SMTPServerDisconnected: gone" in failed
    assert "findme@example.com" in found and learner.email not in found
    assert add.status_code == 403
    row = ReminderDelivery.objects.get(learner=other)
    change = client.get(reverse("admin:reminders_reminderdelivery_change", args=[row.pk]))
    assert change.status_code == 200 and 'name="status"' not in change.content.decode()
