"""The certifications endpoints: the learner's tracker, changed through the certification
services (earning one completes its milestones), with clear 400s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from certifications.models import CertStatus, LearnerCertification
from roadmap.models import MilestoneProgress, ProgressStatus
from tests.api.conftest import make_api_learner
from tests.certifications.factories import (
    CertificationFactory,
    CreditActivityFactory,
    LearnerCertificationFactory,
    pmp,
)

pytestmark = pytest.mark.django_db


def detail(tracked) -> str:
    return f"/api/v1/certifications/{tracked.pk}/"


@pytest.fixture
def tracked(api_learner):
    certification = CertificationFactory(validity_months=36, name="PMP")
    certification.milestones.add(api_learner.milestones[0])
    return LearnerCertificationFactory(learner=api_learner.learner, certification=certification)


def test_list_and_detail_show_the_learners_certifications(api_learner, tracked):
    # given: one more, custom, earned long ago and so expired
    custom = LearnerCertification.objects.create(
        learner=api_learner.learner,
        custom_name="Old cert",
        custom_validity_months=12,
        status=CertStatus.EARNED,
        earned_on=dt.date(2020, 1, 1),
    )

    # when
    body = api_learner.get("/api/v1/certifications/").json()

    # then
    assert [c["id"] for c in body["results"]] == [tracked.pk, custom.pk]
    first, second = body["results"]
    assert (first["name"], first["status"], first["catalogue_slug"]) == (
        "PMP",
        "planned",
        tracked.certification.slug,
    )
    assert first["expiry_notice_days"] == [60, 30, 7]
    assert (second["status"], second["effective_status"]) == ("earned", "expired")
    assert second["expires_on"] == "2020-12-31" and second["catalogue_slug"] is None
    assert api_learner.get(detail(custom)).json() == second


def test_booking_an_exam_and_then_earning_it(api_learner, tracked):
    # given
    exam = timezone.localdate() + dt.timedelta(days=30)

    # when: the exam is booked
    response = api_learner.patch(
        detail(tracked), {"status": "exam_booked", "exam_date": exam.isoformat()}
    )

    # then
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["exam_date"]) == (
        "exam_booked",
        exam.isoformat(),
    )

    # when: it is earned today, with a credential
    today = timezone.localdate()
    response = api_learner.patch(
        detail(tracked),
        {"status": "earned", "earned_on": today.isoformat(), "credential_id": "PMP-1"},
    )

    # then: earned, expiring in 36 months, and the milestone it satisfies is done
    body = response.json()
    assert (body["status"], body["earned_on"], body["credential_id"]) == (
        "earned",
        today.isoformat(),
        "PMP-1",
    )
    assert body["expires_on"] is not None
    progress = MilestoneProgress.objects.get(
        learner=api_learner.learner, milestone=api_learner.milestones[0]
    )
    assert progress.status == ProgressStatus.DONE


def test_expiry_override_and_notice_days(api_learner, tracked):
    response = api_learner.patch(
        detail(tracked), {"expires_on_override": "2031-01-31", "expiry_notice_days": [7, 90]}
    )
    assert response.status_code == 200
    assert response.json()["expires_on_override"] == "2031-01-31"
    assert response.json()["expiry_notice_days"] == [90, 7]
    response = api_learner.patch(detail(tracked), {"expires_on_override": None})
    assert response.json()["expires_on_override"] is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "exam_booked"}, "exam_date", "Give the date of the exam you booked."),
        ({"status": "earned"}, "earned_on", "Give the date you earned it."),
        (
            {"status": "earned", "earned_on": "2099-01-01"},
            "earned_on",
            "is in the future. Give the date you passed.",
        ),
        ({"exam_date": "2030-01-01"}, "exam_date", "An exam date goes with the status"),
        (
            {"status": "studying", "credential_id": "X"},
            "credential_id",
            "This goes with the status earned or expired.",
        ),
        (
            {"status": "earned", "earned_on": "2024-01-01", "verification_url": "ftp://x"},
            "verification_url",
            "must be a web address starting with http:// or https://",
        ),
        ({"expiry_notice_days": [0]}, "expiry_notice_days", None),
        ({"expiry_notice_days": []}, "expiry_notice_days", None),
        ({"status": "lost"}, "status", '"lost" is not a valid choice.'),
        ({"name": "Renamed"}, "name", "Unknown field."),
    ],
)
def test_bad_input_is_a_clear_400_and_changes_nothing(api_learner, tracked, data, field, message):
    # given
    before = LearnerCertification.objects.values().get(pk=tracked.pk)

    # when
    response = api_learner.patch(detail(tracked), data)

    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]
    if message:
        assert message in response.json()[field][0]
    assert LearnerCertification.objects.values().get(pk=tracked.pk) == before
    assert not MilestoneProgress.objects.exists()


def test_an_invalid_expiry_after_a_valid_status_change_rolls_both_back(api_learner, tracked):
    # given: earned today; an expiry before that is refused
    response = api_learner.patch(
        detail(tracked),
        {
            "status": "earned",
            "earned_on": timezone.localdate().isoformat(),
            "expires_on_override": "2000-01-01",
        },
    )

    # then
    assert response.status_code == 400 and list(response.json()) == ["expires_on_override"]
    tracked.refresh_from_db()
    assert tracked.status == CertStatus.PLANNED and tracked.earned_on is None
    assert not MilestoneProgress.objects.exists()


def test_certification_query_counts_do_not_grow(db, django_assert_max_num_queries):
    for count in (1, 10):
        learner = make_api_learner()
        for _ in range(count):
            cert = pmp()
            tracked = LearnerCertificationFactory(
                learner=learner.learner,
                certification=cert,
                status=CertStatus.EARNED,
                earned_on=dt.date(2025, 1, 1),
            )
            CreditActivityFactory(learner_certification=tracked, category=cert.categories.first())
        learner.get("/api/v1/certifications/")
        # token, certifications, categories, credits
        with django_assert_max_num_queries(4):
            assert learner.get("/api/v1/certifications/").status_code == 200
        with django_assert_max_num_queries(4):
            assert learner.get(detail(tracked)).status_code == 200
