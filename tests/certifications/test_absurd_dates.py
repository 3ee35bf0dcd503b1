"""Rows stored with absurd numbers (a validity of 100,000 months, an expiry in year 9999) never
break a page: the expiry they would give counts as none, and every other date stays a date."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts import services as account_services
from certifications.models import CertStatus, add_months
from certifications.renewal import cycle_bounds
from tests.accounts.factories import UserFactory
from tests.api.conftest import make_api_learner
from tests.certifications.factories import LearnerCertificationFactory, pmp
from tests.portfolio.factories import PublicPortfolioFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


def poisoned(learner, **fields):
    """An earned custom certification whose validity is out of any calendar's range."""
    fields.setdefault("custom_validity_months", 100_000)
    return LearnerCertificationFactory(
        learner=learner,
        certification=None,
        custom_name="Forever cert",
        status=CertStatus.EARNED,
        earned_on=TODAY - dt.timedelta(days=10),
        **fields,
    )


def test_add_months_stays_inside_the_calendar():
    assert add_months(dt.date(2026, 1, 31), 100_000) == dt.date.max
    assert add_months(dt.date(2026, 1, 31), -100_000) == dt.date.min
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)  # unchanged rule


def test_an_out_of_range_expiry_counts_as_none():
    learner = UserFactory()
    assert poisoned(learner).expires_on is None
    assert poisoned(learner, expires_on_override=dt.date(9999, 12, 31)).expires_on is None
    # a far but ordinary date is kept
    far = poisoned(learner, custom_validity_months=12 * 500)
    assert far.expires_on == dt.date(2526, 2, 27)


def test_a_renewal_cycle_longer_than_the_calendar_starts_at_the_date_earned():
    start, end = cycle_bounds(
        earned_on=dt.date(2020, 1, 1), expires_on=dt.date(2030, 1, 1), cycle_months=10**6
    )
    assert (start, end) == (dt.date(2020, 1, 1), dt.date(2030, 1, 1))


def test_the_learners_pages_answer_200_with_such_a_row(client):
    # given: a learner with the absurd row, a catalogue certification with an absurd override
    api = make_api_learner()
    learner = api.learner
    forever = poisoned(learner)
    override = LearnerCertificationFactory(
        learner=learner,
        certification=pmp(),
        status=CertStatus.EARNED,
        earned_on=TODAY,
        expires_on_override=dt.date(9999, 12, 31),
    )
    PublicPortfolioFactory(learner=learner, slug="forever", show_certifications=True)
    secret = account_services.calendar_feed_reset(user=learner)
    client.force_login(learner)

    # when / then: every page that shows it answers
    for url in [
        reverse("certifications:mine"),
        reverse("certifications:tracker_detail", args=[forever.pk]),
        reverse("certifications:tracker_detail", args=[override.pk]),
        reverse("reminders:preview"),
        reverse("reminders:preview_part", args=["html"]),
        reverse("accounts:calendar"),
        reverse("calendar:feed", kwargs={"secret": secret}),
        reverse("portfolio_public", kwargs={"slug": "forever"}),
        reverse("roadmap:dashboard"),
    ]:
        response = client.get(url)
        assert response.status_code in (200, 404), url  # 404: preview with nothing to say
        assert response.status_code != 404 or "preview" in url
    for url in [
        reverse("api:certification_list"),
        reverse("api:certification_detail", args=[forever.pk]),
        reverse("api:certification_detail", args=[override.pk]),
    ]:
        response = api.get(url)
        assert response.status_code == 200, url
    # the row reads as never expiring
    detail = api.get(reverse("api:certification_detail", args=[forever.pk])).json()
    assert detail["expires_on"] is None
