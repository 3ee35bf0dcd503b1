"""The private calendar feed: an iCalendar file at a secret address the learner can reset or
turn off; all-day events with stable UIDs; nothing of anyone else."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import User
from accounts.tokens import fingerprint
from certifications.models import CertStatus, LearnerCertification
from portfolio.models import ApplicationStatus, JobApplication
from roadmap.models import MilestoneProgress, ProgressStatus
from roadmap.services.plan import plan_settings_set
from roadmap.services.progress import milestone_target_date_set
from tests.accounts.factories import UserFactory
from tests.accounts.learner_data import full_learner_data
from tests.certifications.factories import CertificationFactory
from tests.roadmap.factories import build_roadmap
from tests.test_layout import assert_shared_layout, parse  # noqa: E402

pytestmark = pytest.mark.django_db

PAGE_URL = reverse("accounts:calendar")


def feed_url(secret: str) -> str:
    return reverse("calendar:feed", kwargs={"secret": secret})


def events_of(response) -> dict[str, icalendar.Event]:
    """The feed parsed back with icalendar, by UID."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and "careerpath" in str(calendar["PRODID"])
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_anonymous_visitors_are_sent_to_log_in(client):
    for method in (client.get, client.post):
        response = method(PAGE_URL)
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={PAGE_URL}"


def test_turning_the_feed_on_shows_its_address_once_and_keeps_only_a_fingerprint(client):
    # given
    learner = UserFactory()
    client.force_login(learner)

    # when
    response = client.post(PAGE_URL, {"action": "reset"}, follow=True)

    # then: the page shows the full address once
    page = response.content.decode()
    assert response.redirect_chain == [(PAGE_URL, 302)]
    start = page.index('value="http://testserver/calendar/') + len('value="')
    address = page[start : page.index('"', start)]
    secret = address.removeprefix("http://testserver/calendar/").removesuffix(".ics")
    assert len(secret) == 43  # 256 bits, URL-safe
    learner.refresh_from_db()
    assert learner.calendar_token_hash == fingerprint(secret)
    assert not User.objects.filter(calendar_token_hash=secret).exists()
    # and never again
    assert secret not in client.get(PAGE_URL).content.decode()
    assert client.get(address.removeprefix("http://testserver")).status_code == 200


def test_the_feed_holds_the_learners_dates_as_all_day_events(client):
    # given: a target date, a booked exam, an earned certification, an application to follow up
    data = full_learner_data()
    learner = data.learner
    progress = MilestoneProgress.objects.get(learner=learner)
    exam = LearnerCertification.objects.get(learner=learner, status=CertStatus.EXAM_BOOKED)
    earned = LearnerCertification.objects.get(learner=learner, status=CertStatus.EARNED)
    application = JobApplication.objects.get(learner=learner)

    # when: fetched without logging in
    events = events_of(client.get(feed_url(data.calendar_secret)))

    # then
    assert set(events) == {
        f"milestone-{progress.pk}@testserver",
        f"exam-{exam.pk}@testserver",
        f"expiry-{earned.pk}@testserver",
        f"application-{application.pk}@testserver",
    }
    target = events[f"milestone-{progress.pk}@testserver"]
    assert target.decoded("DTSTART") == progress.target_date
    assert target.decoded("DTEND") == progress.target_date + dt.timedelta(days=1)
    assert target["DTSTART"].params["VALUE"] == "DATE"
    assert str(target["SUMMARY"]) == f"Target: {progress.milestone.title}"
    assert str(target["URL"]) == "http://testserver" + progress.milestone.get_absolute_url()
    assert str(events[f"exam-{exam.pk}@testserver"]["SUMMARY"]) == f"Exam: {exam.name}"
    expiry = events[f"expiry-{earned.pk}@testserver"]
    assert expiry.decoded("DTSTART") == earned.expires_on
    follow_up = events[f"application-{application.pk}@testserver"]
    assert str(follow_up["SUMMARY"]) == (
        f"Follow up: AI Project Manager at Company of {learner.pk}"
    )
    assert follow_up.decoded("DTSTART") == application.next_action_on
    # private notes stay private
    assert b"Private notes" not in client.get(feed_url(data.calendar_secret)).content


def test_uids_are_stable_when_dates_change(client):
    # given
    data = full_learner_data()
    progress = MilestoneProgress.objects.get(learner=data.learner)
    first = events_of(client.get(feed_url(data.calendar_secret)))

    # when: the learner moves the target date
    new_date = timezone.localdate() + dt.timedelta(days=40)
    milestone_target_date_set(
        learner=data.learner,
        milestone=progress.milestone,
        target_date=new_date,
        today=timezone.localdate(),
    )
    second = events_of(client.get(feed_url(data.calendar_secret)))

    # then: same events, the moved one with its new date
    assert set(second) == set(first)
    assert second[f"milestone-{progress.pk}@testserver"].decoded("DTSTART") == new_date


def test_finished_dropped_and_closed_items_leave_the_feed(client):
    # given
    data = full_learner_data()
    learner = data.learner
    MilestoneProgress.objects.filter(learner=learner).update(status=ProgressStatus.DONE)
    LearnerCertification.objects.filter(learner=learner).update(status=CertStatus.DROPPED)
    JobApplication.objects.filter(learner=learner).update(status=ApplicationStatus.REJECTED)

    # when
    events = events_of(client.get(feed_url(data.calendar_secret)))

    # then: an empty but valid calendar
    assert events == {}


def test_nothing_of_another_learner_is_in_the_feed(client):
    # given: two learners on the same roadmap
    path = build_roadmap(steps=1, milestones_per_step=3)
    mine, other = full_learner_data(path=path), full_learner_data(path=path)

    # when
    raw = client.get(feed_url(mine.calendar_secret)).content.decode()

    # then
    for progress in MilestoneProgress.objects.filter(learner=other.learner):
        assert f"milestone-{progress.pk}@" not in raw
    assert f"Company of {other.learner.pk}" not in raw
    assert f"Company of {mine.learner.pk}" in raw


def test_resetting_the_address_makes_the_old_one_answer_404(client):
    # given
    data = full_learner_data()
    client.force_login(data.learner)
    old = feed_url(data.calendar_secret)
    assert client.get(old).status_code == 200

    # when
    client.post(PAGE_URL, {"action": "reset"})

    # then
    assert client.get(old).status_code == 404
    data.learner.refresh_from_db()
    assert data.learner.calendar_token_hash not in (None, fingerprint(data.calendar_secret))


def test_turning_the_feed_off_makes_its_address_answer_404(client):
    # given
    data = full_learner_data()
    client.force_login(data.learner)

    # when
    response = client.post(PAGE_URL, {"action": "disable"}, follow=True)

    # then
    assert "Your calendar feed is off." in response.content.decode()
    assert client.get(feed_url(data.calendar_secret)).status_code == 404
    data.learner.refresh_from_db()
    assert data.learner.calendar_token_hash is None


def test_an_unknown_action_changes_nothing(client):
    # given
    data = full_learner_data()
    client.force_login(data.learner)

    # when
    response = client.post(PAGE_URL, {"action": "explode"}, follow=True)

    # then
    assert "Nothing changed" in response.content.decode()
    assert client.get(feed_url(data.calendar_secret)).status_code == 200


@pytest.mark.parametrize("secret", ["nope", "x" * 43, "a" * 200])
def test_unknown_addresses_answer_404(client, secret):
    full_learner_data()
    assert client.get(feed_url(secret)).status_code == 404


def test_an_inactive_learners_feed_answers_404(client):
    data = full_learner_data()
    User.objects.filter(pk=data.learner.pk).update(is_active=False)
    assert client.get(feed_url(data.calendar_secret)).status_code == 404


def test_a_second_learner_cannot_change_the_first_learners_feed(client):
    # given: two learners with feeds; the second one is logged in
    first = UserFactory()
    first_secret = services.calendar_feed_reset(user=first)
    second = UserFactory()
    client.force_login(second)

    # when: the second resets and then turns off "the" feed
    client.post(PAGE_URL, {"action": "reset"})
    client.post(PAGE_URL, {"action": "disable"})

    # then: only their own feed changed
    assert client.get(feed_url(first_secret)).status_code == 200


def test_feed_query_count_does_not_grow_with_the_data(client, django_assert_max_num_queries):
    # given: a few events
    path = build_roadmap(steps=2, milestones_per_step=20)
    data = full_learner_data(path=path, rows=1)
    url = feed_url(data.calendar_secret)
    # the learner, progress, certifications, applications
    with django_assert_max_num_queries(4):
        events = events_of(client.get(url))
    assert len(events) == 4

    # when: many more dated milestones, certifications and applications
    data = full_learner_data(data.learner, path=path, rows=30)
    for index in range(10):
        LearnerCertification.objects.create(
            learner=data.learner,
            certification=CertificationFactory(validity_months=12),
            status=CertStatus.EARNED,
            earned_on=timezone.localdate() - dt.timedelta(days=index),
        )
    url = feed_url(data.calendar_secret)

    # then: the same count
    with django_assert_max_num_queries(4):
        events = events_of(client.get(url))
    assert len(events) > 40


def test_calendar_page_keeps_its_query_count(client, django_assert_max_num_queries):
    data = full_learner_data()
    client.force_login(data.learner)
    with django_assert_max_num_queries(2):
        assert client.get(PAGE_URL).status_code == 200
    full_learner_data(data.learner, rows=10)
    with django_assert_max_num_queries(2):
        page = client.get(PAGE_URL).content.decode()
    assert "Your feed is on." in page


def test_calendar_page_shares_the_layout_with_and_without_the_address(client):
    client.force_login(UserFactory())
    assert_shared_layout(parse(client.get(PAGE_URL).content.decode()), logged_in=True)
    shown = client.post(PAGE_URL, {"action": "reset"}, follow=True).content.decode()
    assert 'id="feed-url"' in shown
    assert_shared_layout(parse(shown), logged_in=True)


def test_planned_work_is_in_the_feed_as_its_own_events(client):
    # given: a learner with a plan of 2 hours a week on Wednesdays
    data = full_learner_data()
    plan_settings_set(learner=data.learner, hours_per_week=2, weekdays=[2])

    # when
    events = events_of(client.get(feed_url(data.calendar_secret)))

    # then: one event per milestone and week, on Wednesdays, apart from the target dates
    planned = [e for uid, e in events.items() if uid.startswith("plan-")]
    assert planned
    assert all(e["DTSTART"].dt.weekday() == 2 for e in planned)
    assert all(str(e["SUMMARY"]).startswith("Planned: ") for e in planned)
    assert "(2 h this week)" in str(planned[-1]["SUMMARY"])
    assert any(uid.startswith("milestone-") for uid in events)
