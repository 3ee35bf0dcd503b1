"""learner_overview() on every enrolled path from the content snapshot
(roadmap/selectors/progress.py, _overview_of_published): the same paths, steps, milestones and
progress as read from the database, in two queries; the database again as soon as one enrolled
path is not published."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from roadmap.models import ContentVersion, MilestoneProgress, ProgressStatus
from roadmap.selectors.progress import learner_overview
from tests.roadmap.factories import (
    EnrollmentFactory,
    MilestoneProgressFactory,
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def snapshot_on(settings):
    settings.CONTENT_SNAPSHOT = True
    settings.DEBUG = False
    ContentVersion.objects.update_or_create(pk=1, defaults={"token": random.getrandbits(62)})


def shape(overview):
    """Everything a page reads of an overview, as plain values."""
    return [
        (
            p.path.pk,
            p.path.title,
            [
                (
                    s.step.pk,
                    s.step.title,
                    [
                        (
                            m.milestone.pk,
                            m.milestone.title,
                            m.milestone.get_absolute_url(),
                            m.status,
                            m.progress.pk if m.progress else None,
                        )
                        for m in s.milestones
                    ],
                )
                for s in p.steps
            ],
        )
        for p in overview.paths
    ]


def learner_on_two_paths():
    first = build_roadmap(steps=3, milestones_per_step=4, slug="first")
    second = build_roadmap(steps=2, milestones_per_step=3, slug="second")
    learner = enrolled_learner(second)
    EnrollmentFactory(learner=learner, path=first)
    for index, milestone in enumerate(path_milestones(first) + path_milestones(second)):
        if index % 3 == 0:
            MilestoneProgressFactory(
                learner=learner, milestone=milestone, status=ProgressStatus.DONE
            )
    # A retired milestone and a step left with none: neither is shown.
    retired = path_milestones(first)[3]  # one of the done ones
    retired.retired_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    retired.save()
    return learner, first, second


def test_the_snapshot_gives_the_overview_the_database_gives(settings, django_assert_num_queries):
    learner, _first, _second = learner_on_two_paths()
    content_snapshot_read()
    with django_assert_num_queries(2):  # the enrolments with the token, the progress rows
        from_snapshot = learner_overview(learner=learner, today=TODAY)
    settings.CONTENT_SNAPSHOT = False
    from_database = learner_overview(learner=learner, today=TODAY)
    assert shape(from_snapshot) == shape(from_database)
    assert [p.path.slug for p in from_snapshot.paths] == ["second", "first"]  # order joined
    assert from_snapshot.done == MilestoneProgress.objects.filter(learner=learner).count() - 1


def test_an_unpublished_enrolled_path_is_read_from_the_database(settings):
    learner, first, _second = learner_on_two_paths()
    first.is_published = False
    first.save()
    content_snapshot_read()
    from_snapshot = learner_overview(learner=learner, today=TODAY)
    settings.CONTENT_SNAPSHOT = False
    assert shape(from_snapshot) == shape(learner_overview(learner=learner, today=TODAY))
    assert "first" in [p.path.slug for p in from_snapshot.paths]


def test_a_learner_on_no_path_has_an_empty_overview():
    learner = enrolled_learner(build_roadmap(steps=1, milestones_per_step=1))
    learner.enrollments.all().delete()
    assert learner_overview(learner=learner, today=TODAY).paths == []
