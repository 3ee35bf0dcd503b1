"""Writes to a learner's certifications: status changes, earning, expiry, credits, bad input."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from certifications import services
from certifications.models import (
    CertificationRenewal,
    CertStatus,
    CreditActivity,
    LearnerCertification,
)
from roadmap.models import MilestoneProgress, ProgressEvent, ProgressStatus
from tests.accounts.factories import UserFactory
from tests.certifications.factories import (
    CertificationFactory,
    LearnerCertificationFactory,
    category,
    csm,
    pmp,
)
from tests.roadmap.factories import MilestoneFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def test_adding_a_catalogue_certification_twice_keeps_one():
    learner = UserFactory()
    cert = CertificationFactory()
    first = services.learner_certification_add(learner=learner, certification=cert)
    again = services.learner_certification_add(learner=learner, certification=cert)
    assert first.pk == again.pk and first.status == CertStatus.PLANNED


def test_an_unpublished_certification_cannot_be_added():
    with pytest.raises(ValidationError):
        services.learner_certification_add(
            learner=UserFactory(), certification=CertificationFactory(is_published=False)
        )


def test_a_custom_certification_needs_a_name_and_computes_its_expiry():
    learner = UserFactory()
    with pytest.raises(ValidationError):
        services.learner_certification_custom_add(learner=learner, name="  ")
    tracked = services.learner_certification_custom_add(
        learner=learner, name="Internal AI Champion", issuer="ACME", validity_months=12
    )
    services.learner_certification_status_set(
        tracked=tracked, status="earned", earned_on=dt.date(2026, 1, 1), today=TODAY
    )
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2026, 12, 31)


def test_earning_marks_the_linked_milestones_done_in_one_go():
    # given: a PMP tracker linked to a roadmap milestone
    milestone = MilestoneFactory()
    cert = pmp()
    cert.milestones.add(milestone)
    tracked = LearnerCertificationFactory(certification=cert, status="exam_booked")

    # when
    services.learner_certification_status_set(
        tracked=tracked,
        status="earned",
        earned_on=dt.date(2026, 5, 20),
        credential_id="PMP-123",
        verification_url="https://certs.example.com/verify/123",
        today=TODAY,
    )

    # then
    tracked.refresh_from_db()
    assert tracked.status == "earned" and tracked.credential_id == "PMP-123"
    assert tracked.expires_on == dt.date(2029, 5, 19)
    progress = MilestoneProgress.objects.get(learner=tracked.learner, milestone=milestone)
    assert progress.status == ProgressStatus.DONE
    assert ProgressEvent.objects.filter(learner=tracked.learner, to_status="done").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "earned", "earned_on": dt.date(2026, 6, 2)}, "in the future"),
        ({"status": "earned"}, "date you earned"),
        ({"status": "exam_booked"}, "date of the exam"),
        (
            {"status": "earned", "earned_on": TODAY, "verification_url": "javascript:alert(1)"},
            "http://",
        ),
        ({"status": "nonsense"}, "not a status"),
    ],
)
def test_bad_status_changes_change_nothing(kwargs, message):
    # given
    milestone = MilestoneFactory()
    cert = csm()
    cert.milestones.add(milestone)
    tracked = LearnerCertificationFactory(certification=cert, status="studying")

    # when
    with pytest.raises(ValidationError) as exc:
        services.learner_certification_status_set(tracked=tracked, today=TODAY, **kwargs)

    # then
    assert message in " ".join(exc.value.messages)
    tracked.refresh_from_db()
    assert tracked.status == "studying" and tracked.earned_on is None
    assert not MilestoneProgress.objects.exists()


def test_expiry_can_be_overridden_but_not_before_the_date_earned():
    tracked = LearnerCertificationFactory(
        certification=csm(), status="earned", earned_on=dt.date(2026, 1, 10)
    )
    with pytest.raises(ValidationError, match="before the date earned"):
        services.learner_certification_expiry_set(tracked=tracked, expires_on=dt.date(2026, 1, 9))
    tracked.refresh_from_db()
    assert tracked.expires_on_override is None
    services.learner_certification_expiry_set(tracked=tracked, expires_on=dt.date(2028, 3, 1))
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2028, 3, 1)
    services.learner_certification_expiry_set(tracked=tracked, expires_on=None)
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2028, 1, 9)


def _earned_pmp():
    cert = pmp()
    return cert, LearnerCertificationFactory(
        certification=cert, status="earned", earned_on=dt.date(2026, 1, 1)
    )


def test_credits_are_logged_with_their_category():
    cert, tracked = _earned_pmp()
    activity = services.credit_activity_add(
        tracked=tracked,
        date=dt.date(2026, 2, 1),
        credits="1.5",
        category=category(cert, "power-skills"),
        description="Negotiation webinar",
        evidence_url="https://example.com/certificate.pdf",
        today=TODAY,
    )
    assert activity.credits == 1.5 and activity.category.slug == "power-skills"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"credits": "-2"}, "more than zero"),
        ({"credits": "0"}, "more than zero"),
        ({"credits": "abc"}, "a number"),
        ({"date": dt.date(2026, 6, 2)}, "in the future"),
        ({"description": " "}, "Say what"),
        ({"evidence_url": "ftp://example.com/x"}, "http://"),
        ({"category": None}, "Choose the category"),
    ],
)
def test_bad_credits_change_nothing(changes, message):
    cert, tracked = _earned_pmp()
    kwargs = {
        "date": dt.date(2026, 2, 1),
        "credits": "2",
        "category": category(cert, "power-skills"),
        "description": "Course",
        "evidence_url": "",
        **changes,
    }
    with pytest.raises(ValidationError) as exc:
        services.credit_activity_add(tracked=tracked, today=TODAY, **kwargs)
    assert message in " ".join(exc.value.messages)
    assert not CreditActivity.objects.exists()


def test_a_category_of_another_certification_is_refused():
    _cert, tracked = _earned_pmp()
    other = pmp(slug="other-pmp")
    with pytest.raises(ValidationError, match="another certification"):
        services.credit_activity_add(
            tracked=tracked,
            date=dt.date(2026, 2, 1),
            credits=1,
            category=category(other, "power-skills"),
            description="x",
            today=TODAY,
        )


def test_only_the_owner_removes_an_activity():
    cert, tracked = _earned_pmp()
    activity = services.credit_activity_add(
        tracked=tracked,
        date=dt.date(2026, 2, 1),
        credits=1,
        category=category(cert, "giving-back"),
        description="Mentoring",
        today=TODAY,
    )
    with pytest.raises(CreditActivity.DoesNotExist):
        services.credit_activity_remove(learner=UserFactory(), activity_id=activity.pk)
    services.credit_activity_remove(learner=tracked.learner, activity_id=activity.pk)
    assert not CreditActivity.objects.exists()
    assert LearnerCertification.objects.filter(pk=tracked.pk).exists()


# --- Recording a renewal --------------------------------------------------------------------

RENEW_EARNED = dt.date(2023, 3, 13)
RENEW_EXPIRES = dt.date(2026, 3, 12)  # a PMP earned on RENEW_EARNED: 36 months


def test_a_renewal_moves_the_expiry_one_cycle_on_and_starts_a_new_credit_cycle():
    # given: a PMP expiring on 12 March 2026, 60 PDUs logged in its cycle, renewed with PMI on
    # 1 March 2026
    cert = pmp()
    tracked = LearnerCertificationFactory(
        certification=cert, status="earned", earned_on=RENEW_EARNED
    )
    for slug, credits in [("ways-of-working", 20), ("power-skills", 20), ("business-acumen", 20)]:
        CreditActivity.objects.create(
            learner_certification=tracked,
            date=dt.date(2025, 5, 1),
            credits=credits,
            category=category(cert, slug),
            description="Course",
        )
    assert tracked.expires_on == RENEW_EXPIRES

    # when
    renewed = services.certification_renew(
        tracked=tracked, previous_expires_on=RENEW_EXPIRES, today=dt.date(2026, 3, 1)
    )

    # then: it expires three years on, and the new cycle starts the day after the old expiry,
    # with no credits in it yet (the old ones are kept, outside it)
    tracked.refresh_from_db()
    assert renewed.expires_on == tracked.expires_on == dt.date(2029, 3, 12)
    assert tracked.status == "earned" and tracked.earned_on == RENEW_EARNED
    row = tracker_row_today(tracked, dt.date(2026, 3, 20))
    assert (row.renewal.cycle_start, row.renewal.cycle_end) == (
        dt.date(2026, 3, 13),
        dt.date(2029, 3, 12),
    )
    assert row.renewal.counted == 0 and row.renewal.outside_cycle == 60
    assert CreditActivity.objects.filter(learner_certification=tracked).count() == 3


def tracker_row_today(tracked, today):
    from certifications.selectors import tracked_certification, tracker_row

    return tracker_row(tracked_certification(learner=tracked.learner, pk=tracked.pk), today=today)


def test_a_certification_marked_expired_is_earned_again_once_renewed():
    # given: a CSM the learner marked expired after its date, then renewed late
    tracked = LearnerCertificationFactory(
        certification=csm(), status="expired", earned_on=dt.date(2024, 2, 1)
    )
    # when
    services.certification_renew(
        tracked=tracked, previous_expires_on=dt.date(2026, 1, 31), today=dt.date(2026, 2, 20)
    )
    # then: two more years, earned
    tracked.refresh_from_db()
    assert (tracked.status, tracked.expires_on) == ("earned", dt.date(2028, 1, 31))


def test_a_custom_certification_renews_by_its_validity():
    tracked = LearnerCertificationFactory(
        certification=None,
        custom_name="Cloud Practitioner",
        custom_validity_months=12,
        status="earned",
        earned_on=dt.date(2025, 7, 1),
    )
    services.certification_renew(
        tracked=tracked, previous_expires_on=dt.date(2026, 6, 30), today=TODAY
    )
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2027, 6, 30)


@pytest.mark.parametrize(
    ("fields", "previous", "message"),
    [
        ({"status": "studying", "earned_on": None}, RENEW_EXPIRES, "set it to earned first"),
        ({"status": "planned", "earned_on": None}, None, "set it to earned first"),
        ({"certification": "never-expires"}, None, "never expires"),
        ({}, dt.date(2026, 3, 11), "The expiry date has changed since this page was shown"),
        ({}, None, "The expiry date has changed since this page was shown"),
    ],
)
def test_a_renewal_in_a_bad_state_is_refused_and_changes_nothing(fields, previous, message):
    # given
    fields = dict(fields)
    if fields.get("certification") == "never-expires":
        fields["certification"] = CertificationFactory(validity_months=None)
    tracked = LearnerCertificationFactory(
        **{"certification": pmp(), "status": "earned", "earned_on": RENEW_EARNED, **fields}
    )
    before = LearnerCertification.objects.values().get(pk=tracked.pk)
    # when
    with pytest.raises(ValidationError) as exc:
        services.certification_renew(
            tracked=tracked, previous_expires_on=previous, today=dt.date(2026, 3, 1)
        )
    # then
    assert message in " ".join(exc.value.messages)
    assert LearnerCertification.objects.values().get(pk=tracked.pk) == before


def test_a_renewal_is_recorded_once_however_often_it_is_sent():
    # given: a renewal recorded from the page showing the old expiry
    tracked = LearnerCertificationFactory(
        certification=pmp(), status="earned", earned_on=RENEW_EARNED
    )
    today = dt.date(2026, 3, 1)
    services.certification_renew(tracked=tracked, previous_expires_on=RENEW_EXPIRES, today=today)

    # when: the same form is sent again, and a fresh page's form the same day
    with pytest.raises(ValidationError, match="has changed since this page was shown"):
        services.certification_renew(
            tracked=tracked, previous_expires_on=RENEW_EXPIRES, today=today
        )
    with pytest.raises(ValidationError, match="Already renewed"):
        services.certification_renew(
            tracked=tracked, previous_expires_on=dt.date(2029, 3, 12), today=today
        )

    # then: one renewal
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2029, 3, 12)


def test_a_renewal_starts_the_expiry_notices_afresh():
    # given: a PMP whose 30-day notice is due
    from certifications.reminders import expiry_notice

    tracked = LearnerCertificationFactory(
        certification=pmp(), status="earned", earned_on=RENEW_EARNED
    )
    today = RENEW_EXPIRES - dt.timedelta(days=30)
    assert expiry_notice(tracked, today=today).days_before == 30
    # when
    tracked = services.certification_renew(
        tracked=tracked, previous_expires_on=RENEW_EXPIRES, today=today
    )
    # then: nothing is due until 60 days before the new date
    assert expiry_notice(tracked, today=today) is None
    assert expiry_notice(tracked, today=dt.date(2029, 1, 11)).days_before == 60


# --- When a renewal may be recorded, its record, and undoing it ------------------------------

FIFTEEN_MONTHS_EARLY = dt.date(2024, 12, 12)  # 15 months before RENEW_EXPIRES
WINDOW_OPENS = dt.date(2025, 9, 13)  # RENEW_EXPIRES - 180 days


def pmp_with_pdus(pdus: int) -> LearnerCertification:
    """A PMP earned on RENEW_EARNED with `pdus` PDUs (at most 60) logged in its cycle, the
    Education minimums met."""
    cert = pmp()
    tracked = LearnerCertificationFactory(
        certification=cert, status="earned", earned_on=RENEW_EARNED
    )
    for slug, credits in [("ways-of-working", 20), ("power-skills", 20), ("business-acumen", 20)]:
        share = min(credits, pdus)
        pdus -= share
        CreditActivity.objects.create(
            learner_certification=tracked,
            date=dt.date(2024, 6, 1),
            credits=share,
            category=category(cert, slug),
            description=f"Course on {slug}",
        )
    return tracked


def test_a_renewal_15_months_early_with_credits_short_is_refused_and_changes_nothing():
    # given: the case, a PMP 15 months before expiry with 55 of 60 PDUs
    tracked = pmp_with_pdus(55)
    before = LearnerCertification.objects.values().get(pk=tracked.pk)

    # when
    with pytest.raises(ValidationError) as exc:
        services.certification_renew(
            tracked=tracked, previous_expires_on=RENEW_EXPIRES, today=FIFTEEN_MONTHS_EARLY
        )

    # then: a message saying when it can, and nothing changed
    message = " ".join(exc.value.messages)
    assert "too early" in message and "13 Sep 2025" in message
    assert "60 PDUs are met (55 counted so far)" in message
    assert LearnerCertification.objects.values().get(pk=tracked.pk) == before
    assert not CertificationRenewal.objects.exists()


def test_credits_met_open_the_renewal_early_and_its_record_keeps_the_closed_cycle():
    # given: all 60 PDUs logged, 15 months before expiry
    tracked = pmp_with_pdus(60)

    # when
    services.certification_renew(
        tracked=tracked, previous_expires_on=RENEW_EXPIRES, today=FIFTEEN_MONTHS_EARLY
    )

    # then: renewed, and the closed cycle is on record with its credits
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2029, 3, 12)
    renewal = tracked.renewals.get()
    assert (
        renewal.renewed_on,
        renewal.previous_expires_on,
        renewal.new_expires_on,
        renewal.cycle_start,
        renewal.credits_counted,
        renewal.credits_needed,
        renewal.credit_name,
        renewal.previous_status,
        renewal.previous_expires_on_override,
    ) == (
        FIFTEEN_MONTHS_EARLY,
        RENEW_EXPIRES,
        dt.date(2029, 3, 12),
        RENEW_EARNED,
        60,
        60,
        "PDU",
        "earned",
        None,
    )
    assert CreditActivity.objects.filter(learner_certification=tracked).count() == 3


def test_the_renewal_window_opens_180_days_before_expiry_whatever_the_credits():
    # given: 55 of 60 PDUs
    tracked = pmp_with_pdus(55)

    # when / then: refused the day before the window, recorded on its first day
    with pytest.raises(ValidationError, match="too early"):
        services.certification_renewal_plan(
            tracked=tracked, today=WINDOW_OPENS - dt.timedelta(days=1)
        )
    plan = services.certification_renewal_plan(tracked=tracked, today=WINDOW_OPENS)
    assert (plan.previous_expires_on, plan.new_expires_on, plan.new_cycle_start) == (
        RENEW_EXPIRES,
        dt.date(2029, 3, 12),
        dt.date(2026, 3, 13),
    )
    assert plan.progress.counted == 55 and plan.progress.shortfall == 5
    services.certification_renew(
        tracked=tracked, previous_expires_on=RENEW_EXPIRES, today=WINDOW_OPENS
    )
    assert tracked.renewals.get().credits_counted == 55


def test_a_certification_without_credits_opens_only_in_the_window():
    # given: a custom certification valid 12 months, expiring on 30 June 2026
    tracked = LearnerCertificationFactory(
        certification=None,
        custom_name="Cloud Practitioner",
        custom_validity_months=12,
        status="earned",
        earned_on=dt.date(2025, 7, 1),
    )
    # then
    with pytest.raises(ValidationError, match="you can from 1 Jan 2026, 180 days"):
        services.certification_renewal_plan(tracked=tracked, today=dt.date(2025, 12, 31))
    assert services.certification_renewal_plan(tracked=tracked, today=dt.date(2026, 1, 1))


def test_undo_puts_back_the_expiry_the_credit_cycle_and_the_status():
    # given: a CSM marked expired, with its 20 SEUs, renewed late
    tracked = LearnerCertificationFactory(
        certification=csm(), status="expired", earned_on=dt.date(2024, 2, 1)
    )
    CreditActivity.objects.create(
        learner_certification=tracked, date=dt.date(2025, 5, 1), credits=20, description="Course"
    )
    today = dt.date(2026, 2, 20)
    services.certification_renew(
        tracked=tracked, previous_expires_on=dt.date(2026, 1, 31), today=today
    )
    assert tracker_row_today(tracked, today).renewal.counted == 0

    # when
    undone = services.certification_renewal_undo(tracked=tracked, renewal=tracked.renewals.get())

    # then: as before the renewal, credits and all
    tracked.refresh_from_db()
    assert (undone.status, undone.expires_on) == ("expired", dt.date(2026, 1, 31))
    assert (tracked.status, tracked.expires_on_override) == ("expired", None)
    assert not tracked.renewals.exists()
    row = tracker_row_today(tracked, today)
    assert (row.renewal.cycle_start, row.renewal.cycle_end) == (
        dt.date(2024, 2, 1),
        dt.date(2026, 1, 31),
    )
    assert row.renewal.counted == 20


def test_only_the_last_renewal_can_be_undone_and_only_while_its_expiry_stands():
    # given: a custom certification renewed twice, a year apart
    tracked = LearnerCertificationFactory(
        certification=None,
        custom_name="Cloud Practitioner",
        custom_validity_months=12,
        status="earned",
        earned_on=dt.date(2025, 7, 1),
    )
    services.certification_renew(
        tracked=tracked, previous_expires_on=dt.date(2026, 6, 30), today=dt.date(2026, 6, 1)
    )
    services.certification_renew(
        tracked=tracked, previous_expires_on=dt.date(2027, 6, 30), today=dt.date(2027, 6, 1)
    )
    last, first = tracked.renewals.all()

    # when / then: not the first one
    with pytest.raises(ValidationError, match="Only the last renewal"):
        services.certification_renewal_undo(tracked=tracked, renewal=first)

    # when / then: not once the learner set another expiry by hand
    tracked.refresh_from_db()
    services.learner_certification_expiry_set(tracked=tracked, expires_on=dt.date(2028, 8, 1))
    before = LearnerCertification.objects.values().get(pk=tracked.pk)
    with pytest.raises(ValidationError, match="has changed since this renewal"):
        services.certification_renewal_undo(tracked=tracked, renewal=last)
    assert LearnerCertification.objects.values().get(pk=tracked.pk) == before
    assert tracked.renewals.count() == 2

    # when: the date goes back to the renewal's, the last one can be undone
    services.learner_certification_expiry_set(tracked=tracked, expires_on=dt.date(2028, 6, 30))
    services.certification_renewal_undo(tracked=tracked, renewal=last)
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2027, 6, 30) and list(tracked.renewals.all()) == [first]


def test_a_renewal_put_back_by_hand_can_be_recorded_again():
    # given: a renewal the learner took back by setting the old expiry by hand, not by undoing
    tracked = LearnerCertificationFactory(
        certification=csm(), status="earned", earned_on=dt.date(2024, 2, 1)
    )
    today = dt.date(2026, 1, 20)
    services.certification_renew(
        tracked=tracked, previous_expires_on=dt.date(2026, 1, 31), today=today
    )
    tracked.refresh_from_db()
    services.learner_certification_expiry_set(tracked=tracked, expires_on=dt.date(2026, 1, 31))

    # when: recorded again
    services.certification_renew(
        tracked=tracked, previous_expires_on=dt.date(2026, 1, 31), today=today
    )

    # then: renewed, both records kept, the newer one is the one an undo takes back
    tracked.refresh_from_db()
    assert tracked.expires_on == dt.date(2028, 1, 31)
    latest, earlier = tracked.renewals.all()
    assert latest.pk > earlier.pk
    services.certification_renewal_undo(tracked=tracked, renewal=latest)
    assert list(tracked.renewals.all()) == [earlier]
