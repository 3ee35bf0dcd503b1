"""Expiry notices (60/30/7 days by default, each once per expiry date) and the digest section."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from certifications import services
from certifications.reminders import (
    EXPIRY_NOTICES,
    certification_digest_sections,
    due_expiry_notices,
    expiry_notice,
    expiry_notice_for_key,
    expiry_notices_due,
)
from tests.accounts.factories import UserFactory
from tests.certifications.factories import (
    CreditActivityFactory,
    LearnerCertificationFactory,
    csm,
)

pytestmark = pytest.mark.django_db

EARNED = dt.date(2025, 1, 15)
EXPIRES = dt.date(2027, 1, 14)  # a CSM earned on EARNED


def earned_csm(**kwargs):
    return LearnerCertificationFactory(
        **{"certification": csm(), "status": "earned", "earned_on": EARNED, **kwargs}
    )


def keys(tracked, days):
    """The notice keys over a run of days: what a sender recording keys would send."""
    out = []
    for d in days:
        notice = expiry_notice(tracked, today=EXPIRES - dt.timedelta(days=d))
        if notice and notice.period_key not in out:
            out.append(notice.period_key)
    return out


def test_default_notices_fire_at_60_30_and_7_days_once_each():
    tracked = earned_csm()
    # every day from 90 days before expiry to the expiry date, twice (a rerun sends nothing)
    run = list(range(90, -1, -1)) * 2
    assert [k.rsplit(":", 1)[1] for k in keys(tracked, run)] == ["60", "30", "7"]
    assert expiry_notice(tracked, today=EXPIRES - dt.timedelta(days=61)) is None
    assert expiry_notice(tracked, today=EXPIRES + dt.timedelta(days=1)) is None


def test_a_late_start_sends_only_the_nearest_notice():
    tracked = earned_csm()
    assert [k.rsplit(":", 1)[1] for k in keys(tracked, range(20, -1, -1))] == ["30", "7"]


def test_notice_days_are_configurable_and_validated():
    tracked = earned_csm()
    services.learner_certification_notice_days_set(tracked=tracked, days="14, 90,14")
    assert tracked.notice_days == [90, 14]
    assert [k.rsplit(":", 1)[1] for k in keys(tracked, range(100, -1, -1))] == ["90", "14"]
    for bad in ("", "0", "abc", "400", "1,2,3,4,5,6"):
        with pytest.raises(ValidationError):
            services.learner_certification_notice_days_set(tracked=tracked, days=bad)
    tracked.refresh_from_db()
    assert tracked.expiry_notice_days == "90,14"


def test_a_new_expiry_date_starts_the_notices_afresh():
    tracked = earned_csm()
    first = expiry_notice(tracked, today=EXPIRES - dt.timedelta(days=5))
    services.learner_certification_expiry_set(tracked=tracked, expires_on=dt.date(2027, 1, 20))
    second = expiry_notice(tracked, today=EXPIRES - dt.timedelta(days=5))
    assert first.period_key != second.period_key


def test_only_earned_certifications_get_notices():
    tracked = earned_csm(status="dropped")
    assert expiry_notice(tracked, today=EXPIRES - dt.timedelta(days=3)) is None


def test_notices_due_use_each_learners_own_date(django_assert_max_num_queries):
    # given: two learners, one in Auckland where it is already the next day
    near = earned_csm(learner=UserFactory(timezone="Pacific/Auckland"))
    far = earned_csm(learner=UserFactory(timezone="UTC"))
    # 61 days before expiry in UTC, 60 in Auckland
    now = dt.datetime.combine(EXPIRES - dt.timedelta(days=61), dt.time(20), tzinfo=dt.UTC)
    with django_assert_max_num_queries(4):
        due = expiry_notices_due(learners=[near.learner, far.learner], now=now)
    assert [(n.tracked.pk, n.days_before) for n in due] == [(near.pk, 60)]


@pytest.mark.parametrize("n", [1, 10])
def test_the_digest_section_lists_expiring_certifications_with_their_verdict(
    n, django_assert_max_num_queries
):
    # given: learners with a CSM expiring in 45 days and 12 SEUs logged, and one far off
    learners = []
    for _ in range(n):
        tracked = earned_csm()
        CreditActivityFactory(learner_certification=tracked, credits=12, date=EARNED)
        learners.append(tracked.learner)
    quiet = LearnerCertificationFactory(
        certification=csm(), status="earned", earned_on=dt.date(2026, 6, 1)
    )
    now = dt.datetime.combine(EXPIRES - dt.timedelta(days=45), dt.time(9), tzinfo=dt.UTC)

    # when
    with django_assert_max_num_queries(4):
        sections = certification_digest_sections([*learners, quiet.learner], now)

    # then
    assert quiet.learner.pk not in sections
    [section] = sections[learners[0].pk]
    [item] = section.items
    assert section.title == "Certifications expiring"
    assert "Certified ScrumMaster expires on" in item.text and "(in 45 days)" in item.text
    assert item.note == "Renewal due: 12 of 20 SEUs count"
    assert item.url.startswith("http://testserver/certifications/mine/")


def test_the_section_appears_in_the_rendered_digest(monkeypatch):
    # given: an enrolled learner whose CSM expires in 30 days, with the provider registered
    # (as CertificationsConfig.ready() would; here only for this test)
    from reminders.services import preview, registry
    from tests.roadmap.factories import build_roadmap, enrolled_learner

    monkeypatch.setattr(registry, "DIGEST_SECTION_PROVIDERS", [])
    registry.digest_section_provider_register(certification_digest_sections)
    learner = enrolled_learner(build_roadmap(steps=1, milestones_per_step=2))
    earned_csm(learner=learner)
    now = dt.datetime.combine(EXPIRES - dt.timedelta(days=30), dt.time(9), tzinfo=dt.UTC)

    # when
    email = preview.reminder_preview(learner=learner, now=now)

    # then: both parts carry the section
    assert "Certifications expiring" in email.text and "Certifications expiring" in email.html
    assert "Certified ScrumMaster expires on" in email.text


def test_a_dispatcher_finds_the_due_notices_and_rechecks_a_claimed_key():
    # given: a CSM 30 days from expiry, and another learner with nothing earned
    tracked = earned_csm()
    LearnerCertificationFactory(certification=csm(), status="studying")
    now = dt.datetime.combine(EXPIRES - dt.timedelta(days=30), dt.time(9), tzinfo=dt.UTC)

    # when
    [[due]] = list(due_expiry_notices(now=now))

    # then: the key is still due at send time, until the learner renews
    key = f"cert:expiry:{tracked.pk}:{EXPIRES.isoformat()}:30"
    assert (due.learner_id, due.kind, due.period_key) == (tracked.learner_id, "cert_expiry", key)
    notice = expiry_notice_for_key(learner=tracked.learner, period_key=key, now=now)
    assert (notice.tracked, notice.days_before, notice.days_left) == (tracked, 30, 30)
    # a date moved by ten days is another key (its 60-day notice is due instead)
    later = EXPIRES + dt.timedelta(days=10)
    services.learner_certification_expiry_set(tracked=tracked, expires_on=later)
    assert expiry_notice_for_key(learner=tracked.learner, period_key=key, now=now) is None
    [[due]] = list(due_expiry_notices(now=now))
    assert due.period_key == f"cert:expiry:{tracked.pk}:{later.isoformat()}:60"
    services.learner_certification_expiry_set(tracked=tracked, expires_on=dt.date(2029, 1, 14))
    assert expiry_notice_for_key(learner=tracked.learner, period_key=key, now=now) is None
    assert expiry_notice_for_key(learner=UserFactory(), period_key=key, now=now) is None
    assert expiry_notice_for_key(learner=tracked.learner, period_key="junk", now=now) is None


def test_the_app_registers_its_digest_section_and_its_emails():
    from reminders.services import registry

    assert certification_digest_sections in registry.DIGEST_SECTION_PROVIDERS
    assert registry.KINDS["cert_expiry"] is EXPIRY_NOTICES
