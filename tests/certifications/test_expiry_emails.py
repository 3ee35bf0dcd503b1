"""Certification expiry notices as emails of their own: claimed, sent once each, re-checked."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certifications import services as cert_services
from certifications.reminders import CERT_EXPIRY
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import dispatch as reminder_dispatch
from reminders.services import sending, unsubscribe
from tests.accounts.factories import UserFactory
from tests.certifications.factories import (
    CreditActivityFactory,
    LearnerCertificationFactory,
    category,
    pmp,
)
from tests.roadmap.reminder_helpers import outbox_for

pytestmark = pytest.mark.django_db

EARNED = dt.date(2024, 3, 13)
EXPIRES = dt.date(2027, 3, 12)  # a PMP earned on EARNED: 36 months, last valid day


def at(days_before: int, hour: int = 12) -> dt.datetime:
    """UTC `hour` on the day `days_before` the expiry date."""
    return dt.datetime.combine(EXPIRES - dt.timedelta(days=days_before), dt.time(hour), dt.UTC)


def earned_pmp(learner=None, **fields):
    """A learner (not enrolled on any path: no digest) holding a PMP earned on EARNED."""
    return LearnerCertificationFactory(
        learner=learner or UserFactory(),
        certification=pmp(abbreviation="PMP", renewal_notes="Renew online at pmi.org."),
        status="earned",
        earned_on=EARNED,
        **fields,
    )


def dispatch(now: dt.datetime, capture) -> reminder_dispatch.DispatchSummary:
    """The command's in-process run: claim, and send each page once its claim commits."""

    def deliver(ids):
        sending.reminder_deliveries_send(delivery_ids=ids, now=now)

    with time_machine.travel(now, tick=False), capture(execute=True):
        return reminder_dispatch.reminders_dispatch(now=now, deliver=deliver)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    return lambda now: dispatch(now, django_capture_on_commit_callbacks)


def test_a_notice_is_one_email_with_a_specific_subject_links_and_unsubscribe(run):
    # given: a PMP 30 days from expiry with 12 education PDUs logged
    tracked = earned_pmp(learner=UserFactory(display_name="Ada"))
    CreditActivityFactory(
        learner_certification=tracked,
        credits=12,
        date=dt.date(2026, 1, 5),
        category=category(tracked.certification, "ways-of-working"),
    )
    learner = tracked.learner

    # when: the dispatcher runs, then runs again (a second beat, a rerun 15 minutes later)
    first = run(at(30))
    second = run(at(30, hour=12) + dt.timedelta(minutes=15))

    # then: one email, whose subject says what and when
    assert (first.count("cert_expiry"), second.count("cert_expiry")) == (1, 0)
    [email] = outbox_for(learner.email, "cert:expiry")
    assert email.subject == "Your PMP expires in 30 days (12 March 2027)"
    text = email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Hello Ada," in text and "Hello Ada," in html
    assert (
        "Your Project Management Professional certification expires in 30 days, "
        "on 12 March 2027. Issued by Example Institute." in text
    )
    assert "Renewal due: 12 of 60 PDUs count this cycle. 48 more PDUs needed." in text
    assert "Renewing also costs a fee of 150 USD." in text
    assert "Renew online at pmi.org." in text
    assert "We remind you 60, 30 and 7 days before it expires, once each." in text
    page = "http://testserver" + tracked.get_absolute_url()
    assert f"Open your certification: {page}" in text and f'href="{page}"' in html
    unsubscribe = email.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/reminders/unsubscribe/nudges/")
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = ReminderDelivery.objects.get(learner=learner)
    assert email.extra_headers["Message-ID"] == f"<reminder-{delivery.pk}@testserver>"
    assert (delivery.kind, delivery.period_key, delivery.status, delivery.attempts) == (
        CERT_EXPIRY,
        f"cert:expiry:{tracked.pk}:2027-03-12:30",
        DeliveryStatus.SENT,
        1,
    )
    assert delivery.subject == email.subject
    assert 'style="' not in html and "<script" not in html


@pytest.mark.parametrize(
    ("notice_days", "expected"),
    [(None, [60, 30, 7]), ("45, 3", [45, 3])],
)
def test_the_schedule_sends_each_notice_day_once(run, notice_days, expected):
    # given: a PMP with the default notice days, or days the learner chose on its page
    tracked = earned_pmp()
    if notice_days:
        cert_services.learner_certification_notice_days_set(tracked=tracked, days=notice_days)

    # when: the dispatcher runs twice a day from 70 days before the expiry to 3 days after
    for days_before in range(70, -4, -1):
        run(at(days_before, hour=9))
        run(at(days_before, hour=17))

    # then: one email per notice day, on that day, and no more
    subjects = [m.subject for m in outbox_for(tracked.learner.email)]
    assert subjects == [f"Your PMP expires in {n} days (12 March 2027)" for n in expected]
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.SENT).count() == len(expected)


def test_the_last_days_say_today_and_tomorrow(run):
    # given: notices on the last two days
    tracked = earned_pmp(expiry_notice_days="1")
    other = earned_pmp(expiry_notice_days="1", expires_on_override=EXPIRES - dt.timedelta(days=1))
    # when
    run(at(1))
    # then
    assert [m.subject for m in outbox_for(tracked.learner.email)] == [
        "Your PMP expires tomorrow (12 March 2027)"
    ]
    assert [m.subject for m in outbox_for(other.learner.email)] == [
        "Your PMP expires today (11 March 2027)"
    ]


def test_a_renewal_between_claim_and_send_skips_it_and_starts_the_notices_afresh(run):
    # given: the 30-day notice claimed, and not sent yet
    tracked = earned_pmp()
    with time_machine.travel(at(30), tick=False):
        reminder_dispatch.reminders_dispatch(now=at(30), deliver=lambda ids: None)
    [claimed] = ReminderDelivery.objects.all()

    # when: the learner records the renewal (a new expiry date three years on), then it is sent
    renewed = dt.date(2030, 3, 12)
    cert_services.learner_certification_expiry_set(tracked=tracked, expires_on=renewed)
    report = sending.reminder_deliveries_send(delivery_ids=[claimed.pk], now=at(30))

    # then: nothing goes out, the row says why, and no notice comes for the old date
    assert report.skipped == [claimed.pk] and mail.outbox == []
    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.SKIPPED
    for days_before in (29, 7, 0):
        run(at(days_before))
    assert mail.outbox == []
    # the new date gets its own notices
    run(dt.datetime.combine(renewed - dt.timedelta(days=60), dt.time(12), dt.UTC))
    assert [m.subject for m in mail.outbox] == ["Your PMP expires in 60 days (12 March 2030)"]


def test_dropped_or_unearned_certifications_get_no_notices(run):
    dropped = earned_pmp()
    dropped.status = "dropped"
    dropped.save()
    LearnerCertificationFactory(certification=pmp(), status="studying")
    assert run(at(30)).count("cert_expiry") == 0 and mail.outbox == []


def test_the_emails_unsubscribe_link_switches_expiry_notices_off(run):
    # given: the 60-day notice received
    tracked = earned_pmp()
    run(at(60))
    [email] = mail.outbox
    link = email.extra_headers["List-Unsubscribe"][1:-1].removeprefix("http://testserver")

    # when: the mail client's one-click POST (no cookies, no CSRF token)
    response = Client(enforce_csrf_checks=True).post(
        link, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    # then: due-date reminders are off, and the 30-day notice is not sent
    assert response.status_code == 200
    tracked.learner.refresh_from_db()
    assert tracked.learner.nudges_enabled is False
    assert run(at(30)).count("cert_expiry") == 0
    assert len(mail.outbox) == 1


def test_a_notice_claimed_before_the_learner_switched_off_is_skipped(run):
    # given: a claimed notice; then the learner switches due-date reminders off
    tracked = earned_pmp()
    with time_machine.travel(at(7), tick=False):
        reminder_dispatch.reminders_dispatch(now=at(7), deliver=lambda ids: None)
    unsubscribe.reminder_unsubscribe(
        learner=tracked.learner, kind=unsubscribe.UnsubscribeKind.NUDGES
    )
    # when
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    report = sending.reminder_deliveries_send(delivery_ids=ids, now=at(7))
    # then
    assert len(report.skipped) == 1 and mail.outbox == []


def test_notices_arrive_at_the_learners_reminder_hour_on_their_own_date(run):
    # given: a learner in Auckland (UTC+13 in March) with reminders at 8:00, and one in UTC at
    # 20:00; it is 12:00 UTC, 31 days before expiry in UTC, already 30 days before in Auckland
    auckland = earned_pmp(UserFactory(timezone="Pacific/Auckland", digest_hour=8))
    evening = earned_pmp(UserFactory(timezone="UTC", digest_hour=20))
    # when: at 19:00 UTC (8:00 next day in Auckland) and at 20:00 UTC
    run(at(31, hour=19))
    auckland_first = [m.subject for m in mail.outbox]
    run(at(30, hour=19))
    evening_early = len(outbox_for(evening.learner.email))
    run(at(30, hour=20))
    # then: Auckland's 30-day notice on its own 30th day at 8:00; the other at 20:00 its time
    assert auckland_first == ["Your PMP expires in 30 days (12 March 2027)"]
    assert outbox_for(auckland.learner.email)[0].to == [auckland.learner.email]
    assert evening_early == 0
    assert [m.subject for m in outbox_for(evening.learner.email)] == [
        "Your PMP expires in 30 days (12 March 2027)"
    ]


def test_unverified_or_inactive_learners_get_no_notices(run):
    earned_pmp(UserFactory(verified=False))
    inactive = earned_pmp()
    inactive.learner.is_active = False
    inactive.learner.save()
    assert run(at(7)).count("cert_expiry") == 0


def test_a_custom_certification_is_named_as_the_learner_named_it(run):
    tracked = LearnerCertificationFactory(
        certification=None,
        custom_name="Cloud Practitioner",
        custom_validity_months=36,
        status="earned",
        earned_on=EARNED,
    )
    run(at(7))
    [email] = outbox_for(tracked.learner.email)
    assert email.subject == "Your Cloud Practitioner expires in 7 days (12 March 2027)"
    assert "Renewal" not in email.body  # no renewal rule to report on


@pytest.mark.django_db(transaction=True)  # as in production: each page commits, then sends
def test_sendreminders_lists_them_in_a_dry_run_and_sends_them(run):
    # given
    tracked = earned_pmp(UserFactory(email="cert@example.com"))
    out = StringIO()
    # when: a dry run 7 days before expiry
    call_command("sendreminders", "--dry-run", "--now", at(7).isoformat(), stdout=out)
    # then: it says who would get what, and changes nothing
    key = f"cert:expiry:{tracked.pk}:2027-03-12:7"
    assert f"cert@example.com\tcert_expiry\t{key}" in out.getvalue()
    assert "0 digest(s), 0 nudge(s), 1 certification expiry notice(s)" in out.getvalue()
    assert not ReminderDelivery.objects.exists() and mail.outbox == []
    # when: the real run
    out = StringIO()
    call_command("sendreminders", "--now", at(7).isoformat(), stdout=out)
    # then
    assert "sent 1," in out.getvalue()
    assert [m.subject for m in mail.outbox] == ["Your PMP expires in 7 days (12 March 2027)"]


@pytest.mark.parametrize("size", [3, 30])
def test_dispatch_and_send_take_a_fixed_number_of_queries(
    size, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # given: `size` learners whose PMP expires in 7 days
    for _ in range(size):
        earned_pmp()
    ids: list[int] = []
    # when / then: dispatch is the read of abandoned claims, the zone reads of the three kinds
    # (4), the trackers in pages (one full, one empty) and the page's claims check, and one
    # page's claim (savepoint, insert, re-take stale, read ids, release)
    with (
        time_machine.travel(at(7), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        django_assert_max_num_queries(13),
    ):
        summary = reminder_dispatch.reminders_dispatch(now=at(7), deliver=ids.extend)
    assert summary.count("cert_expiry") == size == len(ids)

    # when: the batch is sent
    with CaptureQueriesContext(connection) as queries:
        report = sending.reminder_deliveries_send(delivery_ids=ids, now=at(7))

    # then: reads do not grow with the batch; each email costs one UPDATE (its mark)
    assert len(report.sent) == size == len(mail.outbox)
    reads = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    writes = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(reads) <= 5, [q["sql"][:80] for q in reads]
    assert len(writes) == size
