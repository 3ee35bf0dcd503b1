"""Insights in the admin: per course, certification, milestone and step, figures that match the
data, and pages whose query count does not grow with the number of rows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from certifications.models import CertStatus
from curation.insights import (
    certification_insights,
    course_insights,
    median_days_to_done,
    milestone_insights,
    step_insights,
)
from roadmap.models import Course, Milestone, MilestoneProgress, ProgressStatus, Step
from tests.accounts.factories import UserFactory
from tests.certifications.factories import CertificationFactory, LearnerCertificationFactory
from tests.roadmap.factories import build_roadmap, path_milestones

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def progress(learner, milestone, status, *, started_days_ago=None, done_days_ago=None,
             touched_days_ago=0):  # fmt: skip
    row = MilestoneProgress.objects.create(
        learner=learner,
        milestone=milestone,
        status=status,
        started_at=NOW - dt.timedelta(days=started_days_ago) if started_days_ago else None,
        completed_at=NOW - dt.timedelta(days=done_days_ago) if done_days_ago is not None else None,
    )
    # updated_at is auto_now: set the age of the last touch afterwards
    MilestoneProgress.objects.filter(pk=row.pk).update(
        updated_at=NOW - dt.timedelta(days=touched_days_ago)
    )
    return row


@pytest.fixture
def roadmap():
    path = build_roadmap(steps=2, milestones_per_step=2)
    return path, path_milestones(path)


def test_the_figures_match_the_data(roadmap):
    # given: three learners on the first milestone (done in 4 and 10 days, one skipped), one
    # stalled on the second for 40 days, one certification tracked by two and earned by one
    path, milestones = roadmap
    first, second = milestones[0], milestones[1]
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()
    progress(ann, first, ProgressStatus.DONE, started_days_ago=14, done_days_ago=10)
    progress(bob, first, ProgressStatus.DONE, started_days_ago=20, done_days_ago=10)
    progress(cat, first, ProgressStatus.SKIPPED)
    progress(ann, second, ProgressStatus.IN_PROGRESS, started_days_ago=45, touched_days_ago=40)
    progress(bob, second, ProgressStatus.IN_PROGRESS, started_days_ago=2, touched_days_ago=1)
    cert = CertificationFactory()
    cert.milestones.add(first, second)
    LearnerCertificationFactory(certification=cert, learner=ann, status=CertStatus.EARNED)
    LearnerCertificationFactory(certification=cert, learner=bob, status=CertStatus.STUDYING)
    LearnerCertificationFactory(certification=cert, learner=cat, status=CertStatus.DROPPED)

    # then: milestones
    rows = {m.pk: m for m in milestone_insights(Milestone.objects.all())}
    assert (rows[first.pk].learners_started, rows[first.pk].learners_done,
            rows[first.pk].learners_skipped) == (3, 2, 1)  # fmt: skip
    assert median_days_to_done([first.pk, second.pk]) == {first.pk: 7.0}  # 4 and 10 days
    # steps: the first step's course serves both its milestones
    step = step_insights(Step.objects.filter(pk=first.step_id)).get()
    assert (step.learners_in_progress, step.learners_stalled) == (2, 1)
    course_pk = first.resources.get().course_id
    course = course_insights(Course.objects.filter(pk=course_pk)).get()
    # ann and bob work on its milestones (cat skipped one); both finished one
    assert (course.milestones_served, course.learners_using, course.learners_done) == (2, 2, 2)
    # certifications
    row = certification_insights(type(cert).objects.filter(pk=cert.pk)).get()
    assert (row.learners_tracking, row.learners_earned, row.milestones_served) == (2, 1, 2)


@pytest.fixture
def admin_http(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def fill(path, learners):
    milestones = path_milestones(path)
    cert = CertificationFactory()
    cert.milestones.add(*milestones)
    for _ in range(learners):
        learner = UserFactory()
        for milestone in milestones:
            progress(learner, milestone, ProgressStatus.DONE, started_days_ago=5, done_days_ago=1)
        LearnerCertificationFactory(certification=cert, learner=learner)


@pytest.mark.parametrize("learners", [1, 6])
@pytest.mark.parametrize(
    ("page", "rows_shown"),
    [
        ("curation_courseinsight", "Course"),
        ("curation_certificationinsight", "Certification"),
        ("curation_milestoneinsight", "milestone"),
        ("curation_stepinsight", "Step"),
    ],
)
def test_insight_pages_use_a_fixed_number_of_queries(
    admin_http, django_assert_max_num_queries, page, rows_shown, learners
):
    # given: the same pages at two data sizes (1 and 6 learners, 3 and 8 steps)
    fill(build_roadmap(steps=3 if learners == 1 else 8, milestones_per_step=3), learners)

    # when / then: the page's queries do not depend on the rows (session, user, count, list,
    # and one for the milestones' medians)
    with django_assert_max_num_queries(9):
        response = admin_http.get(reverse(f"admin:{page}_changelist"))
    assert response.status_code == 200
    assert rows_shown in response.content.decode()
