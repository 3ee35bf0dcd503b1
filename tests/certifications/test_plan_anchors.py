"""certifications/plan_anchors.py: the booked exams a re-plan keeps as fixed dates, read by a
prepared statement of our own SQL; the same dates as the ORM's query, for this learner only."""

from __future__ import annotations

import datetime as dt

import pytest

from certifications.models import CertStatus, LearnerCertification
from certifications.plan_anchors import exam_anchors
from tests.accounts.factories import UserFactory
from tests.certifications.factories import CertificationFactory
from tests.roadmap.factories import MilestoneFactory

pytestmark = pytest.mark.django_db

EXAM = dt.date(2026, 6, 10)


def orm_anchors(learner) -> dict[int, dt.date]:
    """What the statement replaced: the ORM's query of the same rows."""
    anchors: dict[int, dt.date] = {}
    rows = LearnerCertification.objects.filter(
        learner=learner,
        status=CertStatus.EXAM_BOOKED,
        exam_date__isnull=False,
        certification__milestones__isnull=False,
    ).values_list("certification__milestones", "exam_date")
    for milestone_id, exam_date in rows:
        due = exam_date - dt.timedelta(days=1)
        anchors[milestone_id] = min(due, anchors.get(milestone_id, due))
    return anchors


def test_a_learner_without_certifications_has_no_anchors():
    assert exam_anchors(UserFactory()) == {}


def test_only_the_learners_booked_exams_with_a_date_anchor_their_milestones():
    # given: two booked exams sharing a milestone, one planned, one booked without a date, a
    # custom certification, and another learner's booked exam on the same milestones
    learner, other = UserFactory(), UserFactory()
    shared, first, second, planned_only, undated = (MilestoneFactory() for _ in range(5))
    early, late, planned, no_date = (CertificationFactory() for _ in range(4))
    early.milestones.add(shared, first)
    late.milestones.add(shared, second)
    planned.milestones.add(planned_only)
    no_date.milestones.add(undated)
    booked = CertStatus.EXAM_BOOKED
    for cert, status, exam in [
        (early, booked, EXAM),
        (late, booked, EXAM + dt.timedelta(days=20)),
        (planned, CertStatus.PLANNED, EXAM),
        (no_date, booked, None),
    ]:
        LearnerCertification.objects.create(
            learner=learner, certification=cert, status=status, exam_date=exam
        )
    LearnerCertification.objects.create(
        learner=learner, custom_name="Own exam", status=booked, exam_date=EXAM
    )
    LearnerCertification.objects.create(
        learner=other, certification=late, status=booked, exam_date=EXAM - dt.timedelta(days=9)
    )

    anchors = exam_anchors(learner)

    # then: the day before each exam, the earlier of two on the shared milestone, as dates
    day_before = EXAM - dt.timedelta(days=1)
    assert anchors == {
        shared.pk: day_before,
        first.pk: day_before,
        second.pk: EXAM + dt.timedelta(days=19),
    }
    assert all(type(due) is dt.date for due in anchors.values())
    assert anchors == orm_anchors(learner)
    assert (
        exam_anchors(other)
        == orm_anchors(other)
        == {
            shared.pk: EXAM - dt.timedelta(days=10),
            second.pk: EXAM - dt.timedelta(days=10),
        }
    )
