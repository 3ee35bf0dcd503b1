"""The shared progress contract: percent, overdue, due soon, next actions, streak."""

import datetime as dt

import pytest

from roadmap import selectors
from roadmap.models import ProgressStatus
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    EnrollmentFactory,
    MilestoneProgressFactory,
    ProgressEventFactory,
    build_roadmap,
    content_snapshot_read,
)

TODAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("total", "done", "skipped", "expected"),
    [
        (0, 0, 0, 0),
        (4, 0, 0, 0),
        (4, 4, 0, 100),
        (4, 1, 2, 50),
        (4, 0, 4, 100),
        (3, 1, 0, 33),
        (43, 2, 2, 5),  # 2 of 41 counted: 4.9% shows 5%, not 4%
        (42, 40, 1, 98),
        (300, 299, 0, 99),  # never 100% before the last is done
    ],
)
def test_percent_complete_leaves_skipped_milestones_out(total, done, skipped, expected):
    assert selectors.percent_complete(total=total, done=done, skipped=skipped) == expected


@pytest.mark.django_db
def test_overview_counts_due_overdue_and_next_actions(django_assert_max_num_queries):
    # given: a 2x3 path, one done, one in progress due in 3 days, one overdue
    learner = UserFactory()
    path = build_roadmap(steps=2, milestones_per_step=3)
    EnrollmentFactory(learner=learner, path=path)
    m = list(path.steps.all()[0].milestones.all()) + list(path.steps.all()[1].milestones.all())
    MilestoneProgressFactory(learner=learner, milestone=m[0], status=ProgressStatus.DONE)
    MilestoneProgressFactory(
        learner=learner, milestone=m[4], target_date=TODAY + dt.timedelta(days=3)
    )
    MilestoneProgressFactory(
        learner=learner,
        milestone=m[2],
        status=ProgressStatus.NOT_STARTED,
        target_date=TODAY - dt.timedelta(days=1),
    )
    other = UserFactory()
    MilestoneProgressFactory(learner=other, milestone=m[1], status=ProgressStatus.DONE)

    # when
    content_snapshot_read()  # the roadmap as most views find it (its reload has its own pin)
    with django_assert_max_num_queries(2):
        overview = selectors.learner_overview(learner=learner, today=TODAY)

    # then
    assert (overview.total, overview.done, overview.percent) == (6, 1, 17)  # 16.7% rounds up
    assert [s.percent for s in overview.paths[0].steps] == [33, 0]
    assert [s.milestone for s in overview.overdue] == [m[2]]
    assert [s.milestone for s in overview.due_soon] == [m[4]]
    assert [s.milestone for s in overview.next_actions(3)] == [m[4], m[2], m[1]]


@pytest.mark.django_db
def test_streak_counts_local_days_ending_today_or_yesterday():
    learner = UserFactory(timezone="Pacific/Auckland")
    base = dt.datetime(2026, 3, 9, 22, 0, tzinfo=dt.UTC)  # 10 March 11:00 in Auckland
    for hours_back in (0, 24, 48, 96):
        ProgressEventFactory(learner=learner, occurred_at=base - dt.timedelta(hours=hours_back))

    days = selectors.activity_by_local_day(learner=learner, since=TODAY - dt.timedelta(days=30))

    assert sorted(days) == [dt.date(2026, 3, 6), dt.date(2026, 3, 8), dt.date(2026, 3, 9), TODAY]
    assert selectors.streak_length(active_days=days, today=TODAY) == 3
    assert selectors.streak_length(active_days=days, today=TODAY + dt.timedelta(days=1)) == 3
    assert selectors.streak_length(active_days=days, today=TODAY + dt.timedelta(days=2)) == 0
