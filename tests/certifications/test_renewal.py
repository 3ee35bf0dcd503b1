"""Renewal arithmetic on the PMP and CSM rules: cycle boundaries, minimums, caps, verdicts."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from certifications.models import LearnerCertification, add_months
from certifications.renewal import renewal_is_open, renewal_opens_on, renewal_progress
from tests.certifications.factories import CreditActivityFactory, category, csm, pmp

pytestmark = pytest.mark.django_db

EARNED = dt.date(2025, 1, 15)


def progress_for(tracked: LearnerCertification, today: dt.date):
    cert = tracked.certification
    return renewal_progress(
        needed=cert.renewal_credits,
        credit_name=cert.credit_name,
        categories=list(cert.categories.all()),
        credits=list(tracked.credits.all()),
        earned_on=tracked.earned_on,
        expires_on=tracked.expires_on,
        cycle_months=cert.renewal_cycle_months,
        today=today,
    )


def earned(cert, earned_on=EARNED) -> LearnerCertification:
    from tests.certifications.factories import LearnerCertificationFactory

    return LearnerCertificationFactory(certification=cert, status="earned", earned_on=earned_on)


def log(tracked, credits, date, cat=None):
    CreditActivityFactory(
        learner_certification=tracked, credits=Decimal(str(credits)), date=date, category=cat
    )


def test_add_months_clamps_to_the_month_end():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 3, 1), -1) == dt.date(2025, 2, 1)


def test_csm_expires_the_day_before_its_second_anniversary():
    tracked = earned(csm())
    assert tracked.expires_on == dt.date(2027, 1, 14)


def test_credits_on_both_cycle_boundaries_count_and_a_day_outside_does_not():
    # given: a CSM earned on 15 Jan 2025 (cycle 15 Jan 2025 – 14 Jan 2027)
    tracked = earned(csm())
    log(tracked, 5, EARNED)  # first day
    log(tracked, 5, dt.date(2027, 1, 14))  # last day
    log(tracked, 3, dt.date(2025, 1, 14))  # the day before: earned before the credential
    log(tracked, 4, dt.date(2027, 1, 15))  # the day after: belongs to the next cycle

    # when
    result = progress_for(tracked, today=dt.date(2026, 1, 1))

    # then
    assert (result.cycle_start, result.cycle_end) == (EARNED, dt.date(2027, 1, 14))
    assert result.counted == 10
    assert result.outside_cycle == 7
    assert result.shortfall == 10


def test_csm_met_with_twenty_seus():
    tracked = earned(csm())
    log(tracked, 12, dt.date(2025, 6, 1))
    log(tracked, 8, dt.date(2025, 9, 1))
    result = progress_for(tracked, today=dt.date(2025, 10, 1))
    assert result.verdict == "met" and result.shortfall == 0 and result.percent == 100


def test_pmp_giving_back_is_capped_at_25():
    # given: 30 giving-back PDUs and a full education requirement
    cert = pmp()
    tracked = earned(cert)
    log(tracked, 30, dt.date(2025, 3, 1), category(cert, "giving-back"))
    for slug in ("ways-of-working", "power-skills", "business-acumen"):
        log(tracked, 12, dt.date(2025, 3, 1), category(cert, slug))

    # when
    result = progress_for(tracked, today=dt.date(2025, 4, 1))

    # then: 25 + 36 = 61 count, 5 do not, and the rule is met
    assert result.counted == 61
    assert result.over_maximum == 5
    assert result.verdict == "met"


def test_pmp_needs_eight_in_each_talent_triangle_area_even_with_60_pdus():
    # given: 35 education PDUs all in Ways of Working, and 25 giving back (60 in total)
    cert = pmp()
    tracked = earned(cert)
    log(tracked, 35, dt.date(2025, 3, 1), category(cert, "ways-of-working"))
    log(tracked, 25, dt.date(2025, 3, 1), category(cert, "giving-back"))

    # when
    result = progress_for(tracked, today=dt.date(2025, 4, 1))

    # then: the total is reached, but Power Skills and Business Acumen are 8 short each
    assert result.counted == 60
    assert result.shortfall == 16
    assert result.verdict != "met"
    by_slug = {c.category.slug: c for _depth, c in result.flat_categories}
    assert by_slug["education"].counted == 35
    assert by_slug["power-skills"].shortfall == 8
    assert by_slug["ways-of-working"].met


def test_pmp_education_minimum_is_35_even_when_areas_are_met():
    # given: 8 in each area (24 education) and 25 giving back: 49 in total
    cert = pmp()
    tracked = earned(cert)
    for slug in ("ways-of-working", "power-skills", "business-acumen"):
        log(tracked, 8, dt.date(2025, 3, 1), category(cert, slug))
    log(tracked, 25, dt.date(2025, 3, 1), category(cert, "giving-back"))

    result = progress_for(tracked, today=dt.date(2025, 4, 1))

    # then: 11 more education PDUs are needed (which also reach the 60 total)
    assert result.counted == 49
    assert result.shortfall == 11


@pytest.mark.parametrize(
    ("credits", "today", "verdict"),
    [
        (0, EARNED, "on_track"),  # day one: nothing is expected yet
        (10, dt.date(2026, 1, 15), "on_track"),  # half the credits, half the cycle
        (9, dt.date(2026, 1, 15), "at_risk"),  # behind the pace, a year left
        (19, dt.date(2026, 11, 16), "due"),  # 59 days left, one SEU short
        (10, dt.date(2026, 11, 14), "at_risk"),  # 61 days left: not yet due
        (19, dt.date(2027, 1, 15), "expired"),  # the day after the last valid day
        (20, dt.date(2027, 3, 1), "met"),
    ],
)
def test_csm_verdicts(credits, today, verdict):
    tracked = earned(csm())
    if credits:
        log(tracked, credits, dt.date(2025, 2, 1))
    assert progress_for(tracked, today=today).verdict == verdict


def test_after_renewing_the_new_expiry_date_starts_a_new_cycle():
    # given: a PMP earned in January 2022 (expired 14 Jan 2025), renewed to 14 Jan 2028
    cert = pmp()
    tracked = earned(cert, earned_on=dt.date(2022, 1, 15))
    tracked.expires_on_override = dt.date(2028, 1, 14)
    log(tracked, 10, dt.date(2025, 1, 14), category(cert, "power-skills"))  # old cycle
    log(tracked, 10, dt.date(2025, 1, 15), category(cert, "power-skills"))  # new cycle

    # when
    result = progress_for(tracked, today=dt.date(2025, 6, 1))

    # then
    assert (result.cycle_start, result.cycle_end) == (dt.date(2025, 1, 15), dt.date(2028, 1, 14))
    assert result.counted == 10 and result.outside_cycle == 10


# --- When a renewal may be recorded ----------------------------------------------------------


def test_a_renewal_opens_180_days_before_expiry_or_once_the_credits_are_met():
    # given: a 60-credit rule on a cycle ending on 12 March 2026, 55 or 60 credits logged
    expires = dt.date(2026, 3, 12)

    def progress(credits):
        logged = [
            SimpleNamespace(date=dt.date(2024, 6, 1), credits=Decimal(credits), category_id=None)
        ]
        return renewal_progress(
            needed=60,
            credit_name="PDU",
            categories=[],
            credits=logged,
            earned_on=dt.date(2023, 3, 13),
            expires_on=expires,
            cycle_months=36,
            today=dt.date(2024, 12, 12),
        )

    short, met = progress(55), progress(60)

    # then
    assert renewal_opens_on(expires_on=expires) == dt.date(2025, 9, 13)
    for today, credits, is_open in [
        (dt.date(2024, 12, 12), short, False),  # 15 months early, 5 short
        (dt.date(2024, 12, 12), met, True),  # early, but met
        (dt.date(2024, 12, 12), None, False),  # early, no credit rule
        (dt.date(2025, 9, 12), short, False),  # the day before the window
        (dt.date(2025, 9, 13), short, True),  # its first day
        (dt.date(2025, 9, 13), None, True),
        (dt.date(2026, 5, 1), None, True),  # after the expiry: a late renewal
    ]:
        assert renewal_is_open(expires_on=expires, today=today, progress=credits) is is_open, (
            today,
            credits and credits.counted,
        )
