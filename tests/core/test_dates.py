"""core.dates: one window (1950-2100) for every date a person gives, in the site's forms,
the API and the admin, plus each field's own rule; a refused date changes nothing."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certifications.models import Certification, CertStatus, LearnerCertification
from core.dates import EARLIEST, LATEST
from portfolio.models import JobApplication
from portfolio.services.applications import application_create
from roadmap.models import MilestoneProgress
from tests.accounts.factories import UserFactory
from tests.api.conftest import make_api_learner
from tests.certifications.factories import LearnerCertificationFactory, pmp
from tests.portfolio.factories import JobApplicationFactory
from tests.proof.test_access_matrix import database_rows

pytestmark = pytest.mark.django_db

FAR = ["9999-12-31", "0001-01-01", "2101-01-01", "1949-12-31"]


def messages_of(response) -> str:
    """The messages the page shows, read from its message regions: a Jinja2 page (the milestone
    page) gives the test client no template context to read them from."""
    shown = re.findall(r'<li class="message message-[^"]*">(.*?)</li>', response.content.decode())
    return " ".join(html.unescape(message) for message in shown)


@pytest.mark.parametrize("value", FAR)
def test_a_milestone_target_outside_the_window_is_refused_on_the_site(client, value):
    # given
    learner = make_api_learner()
    client.force_login(learner.learner)
    m = learner.milestones[0]
    url = reverse(
        "roadmap:milestone_target_date",
        kwargs={"path_slug": m.step.path.slug, "step_slug": m.step.slug, "milestone_slug": m.slug},
    )
    before = database_rows()

    # when
    response = client.post(url, {"target_date": value}, follow=True)

    # then
    assert "Enter a date between 1950-01-01 and 2100-12-31" in messages_of(response)
    assert database_rows() == before


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("target_date", "9999-12-31", None),
        ("target_date", "2101-01-01", None),
    ],
)
def test_a_milestone_target_outside_the_window_is_a_400_in_the_api(field, value, status):
    learner = make_api_learner()

    response = learner.patch(f"/api/v1/milestones/{learner.milestones[0].pk}/", {field: value})

    assert response.status_code == 400
    assert "between 1950-01-01 and 2100-12-31" in response.json()[field][0]
    assert not MilestoneProgress.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"status": "earned", "earned_on": "0001-01-01"},
        {"status": "exam_booked", "exam_date": "9999-12-31"},
        {"expires_on_override": "9999-12-31"},
    ],
)
def test_certification_dates_outside_the_window_are_a_400_in_the_api(body):
    # given
    learner = make_api_learner()
    tracked = LearnerCertificationFactory(
        learner=learner.learner,
        certification=pmp(),
        status=CertStatus.EARNED,
        earned_on=dt.date(2025, 1, 1),
    )
    before = list(LearnerCertification.objects.values())

    # when
    response = learner.patch(f"/api/v1/certifications/{tracked.pk}/", body)

    # then
    assert response.status_code == 400
    field = next(name for name in body if name != "status")
    assert "between 1950-01-01 and 2100-12-31" in response.json()[field][0]
    assert list(LearnerCertification.objects.values()) == before


def test_an_expiry_override_outside_the_window_is_refused_on_the_site(client):
    # given
    learner = UserFactory()
    client.force_login(learner)
    tracked = LearnerCertificationFactory(
        learner=learner, certification=pmp(), status=CertStatus.EARNED, earned_on="2025-01-01"
    )

    # when
    response = client.post(
        reverse("certifications:tracker_expiry", kwargs={"pk": tracked.pk}),
        {"expires_on": "9999-12-31", "notice_days": "30"},
        follow=True,
    )

    # then: nothing saved, and the page (which failed on this date) still shows
    assert "Enter a date between" in messages_of(response)
    tracked.refresh_from_db()
    assert tracked.expires_on_override is None
    assert response.status_code == 200


def test_the_windows_ends_are_accepted():
    # given
    learner = make_api_learner()
    tracked = LearnerCertificationFactory(
        learner=learner.learner, certification=pmp(), status=CertStatus.EARNED, earned_on=EARLIEST
    )

    # when
    response = learner.patch(
        f"/api/v1/certifications/{tracked.pk}/", {"expires_on_override": LATEST.isoformat()}
    )

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["expires_on"] == "2100-12-31"


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_an_applications_next_action_outside_the_window_is_refused(client, value):
    # given
    learner = make_api_learner()
    application = JobApplicationFactory(learner=learner.learner, next_action_on=None)
    client.force_login(learner.learner)

    # when: through the form and through the API
    response = client.post(
        reverse("portfolio:application_new"),
        {"company": "Acme", "role": "AI PM", "status": "saved", "next_action_on": value},
    )
    api = learner.patch(f"/api/v1/applications/{application.pk}/", {"next_action_on": value})

    # then
    assert "Enter a date between" in response.content.decode()
    assert api.status_code == 400 and "next_action_on" in api.json()
    assert JobApplication.objects.count() == 1
    application.refresh_from_db()
    assert application.next_action_on is None


def test_a_new_applications_next_action_may_be_overdue_but_not_by_years():
    # given
    learner = UserFactory()
    today = timezone.localdate()

    # when / then
    with pytest.raises(ValidationError, match="more than a year ago"):
        application_create(
            learner=learner,
            data={"company": "Acme", "role": "PM", "next_action_on": today.replace(year=2020)},
        )
    recent = application_create(
        learner=learner,
        data={"company": "Acme", "role": "PM", "next_action_on": today - dt.timedelta(days=10)},
    )
    assert JobApplication.objects.get() == recent


def test_the_admin_refuses_dates_and_numbers_out_of_bounds_through_the_model():
    # given
    certification = pmp()
    certification.validity_months = 100_000
    certification.checked_on = dt.date(9999, 12, 31)
    tracked = LearnerCertification(
        learner=UserFactory(), custom_name="X", expires_on_override=dt.date(1, 1, 1)
    )

    # when / then
    with pytest.raises(ValidationError) as refused:
        certification.full_clean()
    assert set(refused.value.message_dict) == {"validity_months", "checked_on"}
    with pytest.raises(ValidationError) as refused:
        tracked.full_clean()
    assert set(refused.value.message_dict) == {"expires_on_override"}
    assert Certification.objects.get(pk=certification.pk).validity_months != 100_000
