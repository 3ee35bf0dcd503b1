"""Dashboard reads: heatmap, streaks, pace and projected finish, page data and query counts."""

import datetime as dt

import pytest
import time_machine

from roadmap.models import MilestoneProgress, ProgressEvent, ProgressEventKind, ProgressStatus
from roadmap.presenters import activity as activity_pages
from roadmap.presenters import browsing as browsing_pages
from roadmap.presenters import dashboard as dashboard_pages
from roadmap.selectors import paths as path_selectors
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    CareerPathFactory,
    EnrollmentFactory,
    MilestoneFactory,
    MilestoneProgressFactory,
    ProgressEventFactory,
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)

TODAY = dt.date(2026, 3, 10)  # a Tuesday
UTC = dt.UTC


def at(day: dt.date, hour: int = 12, zone=UTC) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


def days_before(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def finish(learner, milestone, status=ProgressStatus.DONE, completed: dt.date | None = None):
    """A progress row as the services would leave it, with its status event."""
    when = at(completed or TODAY)
    MilestoneProgressFactory(
        learner=learner,
        milestone=milestone,
        status=status,
        started_at=when - dt.timedelta(days=1),
        completed_at=when if status == ProgressStatus.DONE else None,
    )
    ProgressEventFactory(
        learner=learner,
        milestone=milestone,
        from_status=ProgressStatus.IN_PROGRESS,
        to_status=status,
        occurred_at=when,
    )


# --- Heatmap ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "level"), [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (6, 3), (7, 4), (40, 4)]
)
def test_heatmap_levels_are_fixed_bands(count, level):
    assert activity_pages.heatmap_level(count) == level


def test_heatmap_lays_out_84_days_as_weekday_rows_and_week_columns():
    # given: activity on the first day of the window, the day before today, and today
    start = TODAY - dt.timedelta(days=83)
    counts = {start: 1, TODAY: 5, TODAY - dt.timedelta(days=1): 2, TODAY + dt.timedelta(1): 9}

    # when
    heatmap = activity_pages.build_heatmap(counts=counts, today=TODAY)

    # then: 84 cells from `start` to today; tomorrow (clock skew) is not drawn
    assert len(heatmap.cells) == 84
    assert (heatmap.cells[0].day, heatmap.cells[-1].day) == (start, TODAY)
    assert (heatmap.total, heatmap.active_days) == (8, 3)
    # the window starts on a Wednesday: 13 columns, and every row is one weekday
    assert heatmap.columns == 13
    rows = {
        cell.y: {c.day.weekday() for c in heatmap.cells if c.y == cell.y} for cell in heatmap.cells
    }
    assert all(len(weekdays) == 1 for weekdays in rows.values())
    assert heatmap.cells[-1].level == 3
    assert heatmap.busiest.day == TODAY
    assert [w.count for w in heatmap.weeks][-1] == 7
    assert len(heatmap.weeks) == 12
    assert heatmap.width >= heatmap.columns * 12


def test_streaks_in_the_heatmap():
    # given: active the last three days, a gap, then four days in a row
    active = [TODAY - dt.timedelta(days=n) for n in (0, 1, 2, 10, 11, 12, 13)]

    heatmap = activity_pages.build_heatmap(counts=dict.fromkeys(active, 1), today=TODAY)

    assert (heatmap.streak, heatmap.longest_streak) == (3, 4)


def test_no_activity_is_an_empty_heatmap_with_no_streak():
    heatmap = activity_pages.build_heatmap(counts={}, today=TODAY)

    assert (heatmap.total, heatmap.streak, heatmap.longest_streak, heatmap.busiest) == (
        0,
        0,
        0,
        None,
    )


@pytest.mark.django_db
def test_the_heatmap_counts_days_in_the_learners_timezone():
    # given: a New York learner whose change at 03:00 UTC on the 10th was on the 9th at home
    learner = UserFactory(timezone="America/New_York")
    ProgressEventFactory(learner=learner, occurred_at=dt.datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    ProgressEventFactory(learner=learner, occurred_at=dt.datetime(2026, 3, 10, 5, 0, tzinfo=UTC))

    # when
    heatmap = activity_pages.activity_heatmap(learner=learner, today=TODAY)

    # then
    by_day = {c.day: c.count for c in heatmap.cells if c.count}
    assert by_day == {dt.date(2026, 3, 9): 1, TODAY: 1}
    assert heatmap.streak == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "expected"),
    [("America/New_York", dt.date(2026, 3, 9)), ("Pacific/Auckland", dt.date(2026, 3, 10))],
)
def test_a_learners_today_is_their_own_calendar_date(zone, expected):
    learner = UserFactory(timezone=zone)

    with time_machine.travel(dt.datetime(2026, 3, 10, 2, 0, tzinfo=UTC), tick=False):
        assert path_selectors.learner_today(learner) == expected


# --- Projection ---------------------------------------------------------------------------------


@pytest.fixture
def ten(db):
    """A learner enrolled in a path of ten milestones."""
    path = build_roadmap(steps=2, milestones_per_step=5)
    return enrolled_learner(path), path_milestones(path)


def projection(learner) -> activity_pages.Projection:
    return dashboard_pages.learner_dashboard(learner=learner, today=TODAY).projection


def test_no_milestones_done_is_not_enough_history(ten):
    learner, _milestones = ten

    result = projection(learner)

    assert result.status == activity_pages.ProjectionStatus.NOT_ENOUGH_HISTORY
    assert (result.remaining, result.done_recently, result.finish_date) == (10, 0, None)


def test_the_finish_date_is_remaining_over_the_learners_own_pace(ten):
    # given: 4 done over the 28 days since they began (one a week), 6 open
    learner, milestones = ten
    for n, milestone in zip((27, 20, 13, 6), milestones, strict=False):
        finish(learner, milestone, completed=days_before(n))

    # when
    result = projection(learner)

    # then: 6 left at 1 a week is 42 days
    assert result.status == activity_pages.ProjectionStatus.PROJECTED
    assert (result.done_recently, result.days_observed, result.per_week) == (4, 28, 1.0)
    assert result.finish_date == TODAY + dt.timedelta(days=42)


def test_skipped_milestones_are_not_left_to_do(ten):
    # given: the same pace, and two milestones skipped
    learner, milestones = ten
    for n, milestone in zip((27, 20, 13, 6), milestones, strict=False):
        finish(learner, milestone, completed=days_before(n))
    for milestone in milestones[4:6]:
        finish(learner, milestone, status=ProgressStatus.SKIPPED, completed=days_before(3))

    result = projection(learner)

    assert result.remaining == 4
    assert result.finish_date == TODAY + dt.timedelta(days=28)


def test_under_two_weeks_of_history_is_not_enough(ten):
    # given: a fast start, but only ten days ago
    learner, milestones = ten
    for n, milestone in zip((9, 5, 1, 0), milestones, strict=False):
        finish(learner, milestone, completed=days_before(n))

    result = projection(learner)

    assert result.status == activity_pages.ProjectionStatus.NOT_ENOUGH_HISTORY
    assert (result.done_recently, result.days_observed) == (4, 10)


def test_fewer_than_three_done_is_not_enough(ten):
    learner, milestones = ten
    for n, milestone in zip((40, 5), milestones, strict=False):
        finish(learner, milestone, completed=days_before(n))

    assert projection(learner).status == activity_pages.ProjectionStatus.NOT_ENOUGH_HISTORY


def test_the_pace_only_counts_the_last_twelve_weeks(ten):
    # given: a learner since long ago: 3 done in the last 84 days, 3 long before
    learner, milestones = ten
    for n, milestone in zip((200, 150, 100, 70, 42, 14), milestones, strict=False):
        finish(learner, milestone, completed=days_before(n))

    result = projection(learner)

    # then: 3 in 84 days -> 4 open take 112 days
    assert (result.done_recently, result.days_observed) == (3, 84)
    assert result.finish_date == TODAY + dt.timedelta(days=112)


def test_the_pace_window_uses_the_learners_timezone(db):
    # given: an Auckland learner whose completion at 11:30 UTC on the window's eve was already
    # the first day of the window at home (00:30 the next day)
    path = build_roadmap(steps=1, milestones_per_step=5)
    learner = enrolled_learner(path, timezone="Pacific/Auckland")
    milestones = path_milestones(path)
    first_day = days_before(83)
    eve = dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time(11, 30), tzinfo=UTC)
    MilestoneProgressFactory(
        learner=learner, milestone=milestones[0], status="done", completed_at=eve
    )
    for n, milestone in zip((30, 20), milestones[1:], strict=False):
        finish(learner, milestone, completed=days_before(n))
    ProgressEventFactory(learner=learner, milestone=milestones[0], occurred_at=eve)

    # when
    result = projection(learner)

    # then: all three count, over the full 84 days
    assert (result.done_recently, result.days_observed) == (3, 84)


def test_all_done_or_skipped_is_finished(ten):
    learner, milestones = ten
    for milestone in milestones[:8]:
        finish(learner, milestone, completed=days_before(3))
    for milestone in milestones[8:]:
        finish(learner, milestone, status=ProgressStatus.SKIPPED)

    data = dashboard_pages.learner_dashboard(learner=learner, today=TODAY)

    assert data.projection.status == activity_pages.ProjectionStatus.COMPLETE
    assert data.overview.percent == 100
    assert data.next_actions == []


def test_a_path_without_milestones_has_no_projection(db):
    learner = UserFactory()
    EnrollmentFactory(learner=learner, path=CareerPathFactory())

    data = dashboard_pages.learner_dashboard(learner=learner, today=TODAY)

    assert data.is_enrolled
    assert data.projection.status == activity_pages.ProjectionStatus.NO_MILESTONES
    assert data.overview.percent == 0


# --- The dashboard as a whole -------------------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_numbers_on_known_data():
    # given: two paths; on the first, 2 done, 1 skipped, 1 in progress due in 3 days, and one
    # overdue; nothing on the second
    first = build_roadmap(steps=2, milestones_per_step=3, slug="first")
    second = build_roadmap(steps=1, milestones_per_step=4, slug="second")
    learner = enrolled_learner(first)
    EnrollmentFactory(learner=learner, path=second)
    m = path_milestones(first)
    finish(learner, m[0], completed=days_before(0))
    finish(learner, m[1], completed=days_before(1))
    finish(learner, m[2], status=ProgressStatus.SKIPPED, completed=days_before(1))
    MilestoneProgressFactory(learner=learner, milestone=m[3], target_date=days_before(-3))
    MilestoneProgressFactory(
        learner=learner, milestone=m[4], status="not_started", target_date=days_before(2)
    )

    # when
    data = dashboard_pages.learner_dashboard(learner=learner, today=TODAY)

    # then: 2 done of the 9 meant to be done (10 minus 1 skipped)
    assert (data.overview.total, data.overview.done, data.overview.percent) == (10, 2, 22)
    assert [p.percent for p in data.overview.paths] == [40, 0]
    assert [s.percent for s in data.overview.paths[0].steps] == [100, 0]
    assert [s.milestone for s in data.overview.overdue] == [m[4]]
    assert [s.milestone for s in data.overview.due_soon] == [m[3]]
    assert [s.milestone for s in data.next_actions] == [m[3], m[4], m[5]]
    assert data.in_progress == 1
    assert data.heatmap.streak == 2
    assert [e.event.milestone for e in data.recent][:1] == [m[0]]


@pytest.mark.django_db
def test_a_learner_without_paths_has_an_empty_dashboard():
    data = dashboard_pages.learner_dashboard(learner=UserFactory(), today=TODAY)

    assert not data.is_enrolled
    assert data.overview.total == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_the_dashboard_reads_a_fixed_number_of_queries(
    steps, per_step, django_assert_max_num_queries
):
    # given: two enrolled paths, progress on every milestone of the first, and an event each
    path = build_roadmap(steps=steps, milestones_per_step=per_step)
    learner = enrolled_learner(path)
    EnrollmentFactory(learner=learner, path=build_roadmap(steps=2, milestones_per_step=3))
    milestones = path_milestones(path)
    MilestoneProgress.objects.bulk_create(
        MilestoneProgress(learner=learner, milestone=m, status="done", completed_at=at(TODAY))
        for m in milestones
    )
    ProgressEvent.objects.bulk_create(
        ProgressEvent(
            learner=learner,
            milestone=m,
            kind=ProgressEventKind.STATUS,
            to_status="done",
            occurred_at=at(TODAY - dt.timedelta(days=i % 84)),
        )
        for i, m in enumerate(milestones)
    )

    content_snapshot_read()  # the roadmap as most views find it (its reload has its own pin)

    # when: the data, and every link the page builds from it
    with django_assert_max_num_queries(5):
        data = dashboard_pages.learner_dashboard(learner=learner, today=TODAY)
        links = [s.milestone.get_absolute_url() for s in data.overview.milestones]
        links += [e.event.milestone.get_absolute_url() for e in data.recent]

    # then
    assert data.overview.done == len(milestones)
    assert len(links) == len(milestones) + 6 + activity_pages.RECENT_EVENTS


# --- History lines and path cards ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {"kind": "status", "from_status": "in_progress", "to_status": "done"},
            "In progress → Done",
        ),
        ({"kind": "status", "from_status": "", "to_status": "skipped"}, "Not started → Skipped"),
        ({"kind": "target_date", "detail": "2026-04-01"}, "Target date set to 1 Apr 2026"),
        ({"kind": "target_date", "detail": ""}, "Target date cleared"),
        ({"kind": "notes"}, "Notes edited"),
        (
            {"kind": "evidence", "detail": "added https://x.example"},
            "Evidence added: https://x.example",
        ),
        (
            {"kind": "evidence", "detail": "removed https://x.example"},
            "Evidence removed: https://x.example",
        ),
    ],
)
def test_history_lines(fields, text):
    event = ProgressEvent(**{"from_status": "", "to_status": "", "detail": "", **fields})

    assert activity_pages.describe_event(event) == text


@pytest.mark.django_db
def test_path_cards_count_active_milestones_and_show_the_learners_progress():
    # given: a path of 2x3 with one retired milestone, an unpublished path, and a learner
    path = build_roadmap(steps=2, milestones_per_step=3)
    MilestoneFactory(step=path.steps.first(), retired_at=at(TODAY), effort_hours=99)
    CareerPathFactory(is_published=False)
    learner = enrolled_learner(path)
    finish(learner, path_milestones(path)[0])

    # when
    cards = browsing_pages.path_cards(learner=learner, today=TODAY)
    anonymous = browsing_pages.path_cards(learner=None, today=TODAY)

    # then
    assert len(cards) == 1
    card = cards[0]
    assert (card.step_count, card.milestone_count, card.effort_hours) == (2, 6, 24)
    assert card.is_enrolled and card.progress.percent == 17  # 1 of 6 rounds to 17%
    assert not anonymous[0].is_enrolled
