"""The dashboard's reads of the learner's own rows in one statement
(roadmap/selectors/progress.py, dashboard_reads and dashboard_overview): each part is the read it
replaces (the enrolments with the content version, the progress rows, the activity by local day,
the latest events), object for object, in the same order, kept to the learner; the overview made
from them is the one learner_overview() reads, and the database's when the snapshot cannot
serve it."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import pytest
from django.utils import timezone

from accounts.models import User
from roadmap.models import ContentVersion, Enrollment, MilestoneProgress, ProgressStatus
from roadmap.selectors.progress import (
    DashboardReads,
    activity_by_local_day,
    dashboard_overview,
    dashboard_reads,
    learner_events,
    learner_overview,
)
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    EnrollmentFactory,
    MilestoneProgressFactory,
    ProgressEventFactory,
    build_roadmap,
    content_snapshot_read,
    path_milestones,
)
from tests.roadmap.test_overview_snapshot import TODAY, learner_on_two_paths, shape
from tests.roadmap.test_prepared_reads import full_progress, whole

pytestmark = pytest.mark.django_db


def busy_learner(zone: str) -> tuple[User, list]:
    """A learner on three paths (enrolled out of id order, two at the same moment), with every
    kind of progress field set, events around local midnights and a daylight-saving change, two
    at the same moment; another learner with rows on the same milestones."""
    paths = [build_roadmap(steps=1, milestones_per_step=3, slug=f"p{n}") for n in range(3)]
    milestones = [m for p in paths for m in path_milestones(p)]
    learner, other = UserFactory(timezone=zone), UserFactory()
    joined = timezone.now() - dt.timedelta(days=30)
    for path, at in zip(paths, [joined, joined - dt.timedelta(days=1), joined], strict=True):
        EnrollmentFactory(learner=learner, path=path)
        Enrollment.objects.filter(learner=learner, path=path).update(enrolled_at=at)
    EnrollmentFactory(learner=other, path=paths[0])
    full_progress(learner, milestones[0])
    MilestoneProgressFactory(learner=learner, milestone=milestones[4], status="in_progress")
    MilestoneProgressFactory(learner=other, milestone=milestones[0], status="skipped")
    moment = dt.datetime(2026, 3, 28, 9, 30, tzinfo=dt.UTC)
    for hours in [0, 0, *range(5, 24 * 5, 5)]:
        ProgressEventFactory(
            learner=learner,
            milestone=milestones[hours % len(milestones)],
            occurred_at=moment + dt.timedelta(hours=hours),
            detail=f"at {hours}",
        )
    ProgressEventFactory(learner=other, milestone=milestones[0], occurred_at=moment)
    return learner, milestones


@pytest.mark.parametrize(
    "zone", ["Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kolkata", "UTC", "Europe/London"]
)
@pytest.mark.parametrize("limit", [0, 4, 100])
def test_each_part_is_the_read_it_replaces_in_one_query(zone, limit, django_assert_num_queries):
    # given
    learner, _milestones = busy_learner(zone)
    ContentVersion.objects.update_or_create(pk=1, defaults={"token": random.getrandbits(62)})
    since = dt.date(2026, 3, 29)
    local = zoneinfo.ZoneInfo(zone)

    # when
    with django_assert_num_queries(1):
        reads = dashboard_reads(learner=learner, since=since, zone=local, limit=limit)

    # then: the enrolments in the order joined (then by id), with the version
    assert reads.path_ids == list(
        Enrollment.objects.filter(learner=learner)
        .order_by("enrolled_at", "id")
        .values_list("path_id", flat=True)
    )
    assert len(reads.path_ids) == 3 and reads.path_ids != sorted(reads.path_ids)
    assert reads.token == ContentVersion.objects.get(pk=1).token
    # every progress row of the learner's, as the ORM makes it
    orm_rows = MilestoneProgress.objects.filter(learner=learner).order_by("pk")
    assert [whole(p) for p in sorted(reads.progress, key=lambda p: p.pk)] == [
        whole(p) for p in orm_rows
    ]
    assert len(reads.progress) == 2
    # the counts by local day and the latest events, newest first (the same moment by id)
    assert reads.counts == activity_by_local_day(learner=learner, since=since, zone=local)
    assert all(type(day) is dt.date for day in reads.counts)
    assert [whole(e) for e in reads.events] == [
        whole(e) for e in learner_events(learner=learner, limit=limit)
    ]
    assert len(reads.events) == min(limit, 25)


def test_a_learner_with_nothing_reads_nothing():
    busy_learner("UTC")  # someone else's rows
    learner = UserFactory()
    reads = dashboard_reads(learner=learner, since=dt.date(2026, 1, 1), zone=dt.UTC, limit=6)
    assert reads == DashboardReads(token=None, path_ids=[], progress=[], counts={}, events=[])


def test_the_version_comes_along_whatever_it_is_and_none_without_its_row():
    learner, _milestones = busy_learner("UTC")
    ContentVersion.objects.update_or_create(pk=1, defaults={"token": 7})
    assert dashboard_reads(learner=learner, since=TODAY, zone=dt.UTC, limit=1).token == 7
    ContentVersion.objects.all().delete()
    reads = dashboard_reads(learner=learner, since=TODAY, zone=dt.UTC, limit=1)
    assert reads.token is None and len(reads.path_ids) == 3


def overview_from_reads(learner):
    reads = dashboard_reads(learner=learner, since=TODAY, zone=dt.UTC, limit=6)
    return dashboard_overview(learner=learner, today=TODAY, reads=reads)


def test_the_overview_from_the_reads_is_learner_overviews_without_a_query(
    settings, django_assert_num_queries
):
    # given: the snapshot in use, two paths, a retired milestone, done rows
    settings.CONTENT_SNAPSHOT, settings.DEBUG = True, False
    learner, _first, _second = learner_on_two_paths()
    content_snapshot_read()
    reads = dashboard_reads(learner=learner, since=TODAY, zone=dt.UTC, limit=6)

    # when
    with django_assert_num_queries(0):
        overview = dashboard_overview(learner=learner, today=TODAY, reads=reads)

    # then: what learner_overview() gives, from the snapshot and from the database
    assert shape(overview) == shape(learner_overview(learner=learner, today=TODAY))
    settings.CONTENT_SNAPSHOT = False
    assert shape(overview) == shape(learner_overview(learner=learner, today=TODAY))
    assert [p.path.slug for p in overview.paths] == ["second", "first"]
    assert overview.done == MilestoneProgress.objects.filter(learner=learner).count() - 1


@pytest.mark.parametrize("case", ["unpublished", "snapshot off", "no version", "no path"])
def test_the_overview_is_the_databases_when_the_snapshot_cannot_serve_it(settings, case):
    # given
    settings.CONTENT_SNAPSHOT, settings.DEBUG = True, False
    learner, first, _second = learner_on_two_paths()
    content_snapshot_read()
    if case == "unpublished":
        first.is_published = False
        first.save()
    elif case == "snapshot off":
        settings.CONTENT_SNAPSHOT = False
    elif case == "no version":
        ContentVersion.objects.all().delete()
    else:
        learner.enrollments.all().delete()

    # when
    overview = overview_from_reads(learner)

    # then
    settings.CONTENT_SNAPSHOT = False
    assert shape(overview) == shape(learner_overview(learner=learner, today=TODAY))
    assert len(overview.paths) == (0 if case == "no path" else 2)
    if case == "unpublished":
        assert "first" in [p.path.slug for p in overview.paths]


def test_another_learners_rows_never_show(settings):
    # given: two learners on the same path, each with their own statuses
    settings.CONTENT_SNAPSHOT, settings.DEBUG = True, False
    learner, first, _second = learner_on_two_paths()
    other = UserFactory()
    EnrollmentFactory(learner=other, path=first)
    for milestone in path_milestones(first):
        MilestoneProgressFactory(learner=other, milestone=milestone, status=ProgressStatus.SKIPPED)
        ProgressEventFactory(learner=other, milestone=milestone)
    content_snapshot_read()

    # when
    overview, others = overview_from_reads(learner), overview_from_reads(other)

    # then
    assert {m.progress.learner_id for m in overview.milestones if m.progress} == {learner.pk}
    assert {m.progress.learner_id for m in others.milestones if m.progress} == {other.pk}
    assert others.skipped == len(others.milestones)
    reads = dashboard_reads(learner=other, since=TODAY, zone=dt.UTC, limit=100)
    assert {e.learner_id for e in reads.events} == {other.pk}
    assert reads.path_ids == [first.pk]
