"""roadmap/planning.py: the personal plan's scheduler, with plain values (no database)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from roadmap import planning
from roadmap.planning import GoalWeek, Work, goal_streak, hours_needed, plan_weeks

MONDAY = dt.date(2026, 12, 7)
WEEKDAYS = (0, 1, 2, 3, 4)
EVERY_DAY = tuple(range(7))


def weeks_of(plan: planning.Plan) -> list[tuple[dt.date, list[tuple[int, float]]]]:
    return [(w.week_start, w.items) for w in plan.weeks]


def week(n: int) -> dt.date:
    return MONDAY + dt.timedelta(weeks=n)


# --- Budget and order ---------------------------------------------------------------------------


def test_weeks_fill_in_path_order_up_to_the_budget():
    # given: four milestones of 4, 2, 3 and 3 hours, 6 hours a week, from a Monday
    work = [Work(1, 4), Work(2, 2), Work(3, 3), Work(4, 3)]

    # when
    plan = plan_weeks(work=work, hours_per_week=6, weekdays=WEEKDAYS, today=MONDAY)

    # then: never more than 6 hours in a week, every hour planned, path order kept
    assert weeks_of(plan) == [
        (week(0), [(1, 4.0), (2, 2.0)]),
        (week(1), [(3, 3.0), (4, 3.0)]),
    ]
    assert all(w.planned_hours <= 6 for w in plan.weeks)
    assert plan.total_hours == 12
    assert plan.missed_anchors == []


def test_a_milestone_bigger_than_the_budget_spans_weeks():
    # given: the 500-hour degree milestone between two small ones, 40 hours a week
    work = [Work(1, 10), Work(2, 500), Work(3, 5)]

    # when
    plan = plan_weeks(work=work, hours_per_week=40, weekdays=EVERY_DAY, today=MONDAY)

    # then: 515 hours over 13 weeks, the big one from week 0 to week 12
    spans = plan.milestone_weeks()
    assert [d for d, _h in spans[2]] == [week(n) for n in range(13)]
    assert spans[2][0] == (week(0), 30.0)
    assert sum(h for _d, h in spans[2]) == 500
    assert spans[3] == [(week(12), 5.0)]
    assert all(w.planned_hours <= 40 for w in plan.weeks)
    # the last week holds 35 h, at 40/7 h a day its seventh study day: the Sunday
    assert plan.projected_finish == week(12) + dt.timedelta(days=6)


def test_in_progress_counts_half_its_effort_and_finished_work_none():
    # given: one in progress (10 h), one done and one skipped, one not started
    work = [
        Work(1, 10, status="in_progress"),
        Work(2, 8, status="done"),
        Work(3, 8, status="skipped"),
        Work(4, 3),
    ]

    # when
    plan = plan_weeks(work=work, hours_per_week=20, weekdays=WEEKDAYS, today=MONDAY)

    # then
    assert weeks_of(plan) == [(week(0), [(1, 5.0), (4, 3.0)])]
    assert planning.remaining_hours(effort_hours=1, status="in_progress") == 0.5
    assert planning.remaining_hours(effort_hours=3, status="in_progress") == 1.5


def test_prior_learning_takes_the_degree_off_the_plan():
    # given: the path as a newcomer sees it, and as one who already has the degree (done)
    path = [Work(1, 500), Work(2, 40), Work(3, 60)]
    with_degree = [Work(1, 500, status="done"), Work(2, 40), Work(3, 60)]

    # when
    newcomer = plan_weeks(work=path, hours_per_week=10, weekdays=WEEKDAYS, today=MONDAY)
    graduate = plan_weeks(work=with_degree, hours_per_week=10, weekdays=WEEKDAYS, today=MONDAY)

    # then: 60 weeks against 10, and the degree is nowhere in the shorter plan
    assert len(newcomer.weeks) == 60
    assert len(graduate.weeks) == 10
    assert 1 not in graduate.milestone_weeks()
    assert graduate.weeks[0].items == [(2, 10.0)]


def test_the_current_week_holds_the_share_of_its_study_days_left():
    # given: Monday-to-Friday, 10 hours a week, and today a Thursday, then a Saturday
    thursday = MONDAY + dt.timedelta(days=3)
    saturday = MONDAY + dt.timedelta(days=5)
    work = [Work(1, 12)]

    # when
    from_thursday = plan_weeks(work=work, hours_per_week=10, weekdays=WEEKDAYS, today=thursday)
    from_saturday = plan_weeks(work=work, hours_per_week=10, weekdays=WEEKDAYS, today=saturday)

    # then: Thursday and Friday hold 4 hours; on Saturday this week holds nothing
    assert weeks_of(from_thursday) == [(week(0), [(1, 4.0)]), (week(1), [(1, 8.0)])]
    assert weeks_of(from_saturday) == [(week(1), [(1, 10.0)]), (week(2), [(1, 2.0)])]


def test_nothing_open_is_an_empty_plan():
    plan = plan_weeks(
        work=[Work(1, 5, status="done")], hours_per_week=6, weekdays=WEEKDAYS, today=MONDAY
    )
    assert plan.weeks == [] and plan.projected_finish is None


@pytest.mark.parametrize(
    ("hours", "days"), [(0, WEEKDAYS), (41, WEEKDAYS), (6, ()), (6, (7,)), (-1, WEEKDAYS)]
)
def test_settings_out_of_range_are_refused(hours, days):
    with pytest.raises(ValueError):
        plan_weeks(work=[Work(1, 5)], hours_per_week=hours, weekdays=days, today=MONDAY)


# --- Anchors ------------------------------------------------------------------------------------


def test_an_anchor_pulls_its_milestone_earlier_only_as_far_as_needed():
    # given: five 6-hour milestones at 6 hours a week; the last one's exam is on Wednesday of
    # week 2 (its study must be over by the Tuesday)
    exam = week(2) + dt.timedelta(days=2)
    work = [Work(1, 6), Work(2, 6), Work(3, 6), Work(4, 6), Work(5, 6, due=exam - dt.timedelta(1))]

    # when
    plan = plan_weeks(work=work, hours_per_week=6, weekdays=WEEKDAYS, today=MONDAY)

    # then: milestone 5 moves from week 4 to week 2, ahead of 3 and 4 only
    assert [w.items[0][0] for w in plan.weeks] == [1, 2, 5, 3, 4]
    assert plan.missed_anchors == []


def test_a_target_date_in_its_own_week_needs_no_move():
    work = [Work(1, 6), Work(2, 6, due=week(1) + dt.timedelta(days=4))]
    plan = plan_weeks(work=work, hours_per_week=6, weekdays=WEEKDAYS, today=MONDAY)
    assert [w.items[0][0] for w in plan.weeks] == [1, 2]


def test_a_later_anchor_never_passes_one_due_sooner():
    # given: two anchored milestones at the end, the first due sooner than the second
    work = [
        Work(1, 6),
        Work(2, 6),
        Work(3, 6, due=week(1)),
        Work(4, 6, due=week(0)),
    ]

    # when
    plan = plan_weeks(work=work, hours_per_week=6, weekdays=WEEKDAYS, today=MONDAY)

    # then: 4 (due this week) first, 3 (due next week) second, the rest after
    assert [w.items[0][0] for w in plan.weeks] == [4, 3, 1, 2]
    assert plan.missed_anchors == []


def test_an_impossible_anchor_is_planned_as_early_as_it_can_be_and_reported():
    # given: 30 hours to study for an exam at the end of next week, at 6 hours a week
    due = week(1) + dt.timedelta(days=3)
    work = [Work(1, 6), Work(2, 30, due=due)]

    # when
    plan = plan_weeks(work=work, hours_per_week=6, weekdays=WEEKDAYS, today=MONDAY)

    # then: it goes first and runs to week 4, which the report says
    assert plan.weeks[0].items == [(2, 6.0)]
    assert plan.missed_anchors == [
        planning.MissedAnchor(milestone_id=2, due=due, finishes_week=week(4))
    ]
    assert plan.total_hours == 36


def test_an_anchor_already_past_is_reported():
    due = MONDAY - dt.timedelta(days=3)
    plan = plan_weeks(work=[Work(1, 2, due=due)], hours_per_week=6, weekdays=WEEKDAYS, today=MONDAY)
    assert [m.milestone_id for m in plan.missed_anchors] == [1]


# --- Weeks across time zones and daylight saving ------------------------------------------------


def test_the_week_is_the_learners_own():
    # given: Sunday 6 December 2026, 23:30 UTC: already Monday morning in Auckland
    now = dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC)
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    honolulu = zoneinfo.ZoneInfo("Pacific/Honolulu")

    # when
    in_auckland = plan_weeks(
        work=[Work(1, 3)],
        hours_per_week=6,
        weekdays=EVERY_DAY,
        today=planning.local_today(now, auckland),
    )
    in_honolulu = plan_weeks(
        work=[Work(1, 3)],
        hours_per_week=6,
        weekdays=EVERY_DAY,
        today=planning.local_today(now, honolulu),
    )

    # then: a new week has begun in Auckland; in Honolulu it is still last week's Sunday
    assert in_auckland.weeks[0].week_start == dt.date(2026, 12, 7)
    assert in_honolulu.weeks[0].week_start == dt.date(2026, 11, 30)
    assert in_honolulu.weeks[0].items == [(1, 0.5)]  # Sunday's share of 6 h over 7 days
    assert in_honolulu.weeks[1].week_start == dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("zone", "today"),
    [
        ("Europe/London", dt.date(2026, 3, 23)),  # clocks go forward on Sunday 29 March
        ("Europe/London", dt.date(2026, 10, 19)),  # and back on Sunday 25 October
        ("America/New_York", dt.date(2026, 3, 2)),  # forward on Sunday 8 March
        ("Australia/Sydney", dt.date(2026, 3, 30)),  # back on Sunday 5 April
    ],
)
def test_weeks_stay_on_mondays_across_daylight_saving(zone, today):
    # given: a plan running three weeks either side of a clock change
    plan = plan_weeks(work=[Work(1, 36)], hours_per_week=6, weekdays=WEEKDAYS, today=today)

    # when: each week's local midnight as an instant in the learner's zone
    tz = zoneinfo.ZoneInfo(zone)
    starts = [dt.datetime.combine(w.week_start, dt.time.min, tzinfo=tz) for w in plan.weeks]

    # then: every week starts on a Monday at local midnight, seven calendar days apart, although
    # one of the gaps is 167 or 169 hours long
    assert [s.weekday() for s in starts] == [0] * 6
    assert {(b.date() - a.date()).days for a, b in zip(starts, starts[1:], strict=False)} == {7}
    instants = [s.astimezone(dt.UTC) for s in starts]
    gaps = {(b - a).total_seconds() / 3600 for a, b in zip(instants, instants[1:], strict=False)}
    assert gaps - {168.0} in ({167.0}, {169.0})
    assert plan.weeks[0].week_start == planning.week_start(today)


def test_a_sunday_late_in_the_evening_is_still_the_old_week():
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    sunday_night = dt.datetime(2026, 3, 29, 21, 59, tzinfo=dt.UTC)  # 23:59 CEST
    assert planning.week_start(planning.local_today(sunday_night, zone)) == dt.date(2026, 3, 23)
    monday = sunday_night + dt.timedelta(minutes=2)
    assert planning.week_start(planning.local_today(monday, zone)) == dt.date(2026, 3, 30)


# --- Finish-by ----------------------------------------------------------------------------------


def test_a_finish_by_date_gives_the_hours_a_week_it_takes():
    # given: 100 hours left, finish by Friday of week 9 (ten whole weeks from a Monday)
    need = hours_needed(
        work=[Work(1, 60), Work(2, 40)],
        finish_by=week(9) + dt.timedelta(days=4),
        today=MONDAY,
        weekdays=WEEKDAYS,
    )
    assert (need.hours_per_week, need.weeks, need.over_limit) == (10.0, 10, False)


def test_a_finish_by_date_too_close_warns_above_forty_hours():
    need = hours_needed(
        work=[Work(1, 500)],
        finish_by=week(3) + dt.timedelta(days=6),
        today=MONDAY,
        weekdays=WEEKDAYS,
    )
    assert need.hours_per_week == 125.0
    assert need.over_limit


# --- Goal streak and freezes --------------------------------------------------------------------


def met(*pattern: int) -> list[GoalWeek]:
    return [GoalWeek(week_start=week(n), met=bool(m)) for n, m in enumerate(pattern)]


def test_weeks_met_in_a_row_make_the_streak():
    assert goal_streak(met(1, 1, 0, 1, 1, 1)).streak == 3
    assert goal_streak(met(1, 1, 0)).streak == 0
    assert goal_streak([]).streak == 0


def test_every_fourth_week_met_earns_a_freeze_that_a_missed_week_spends():
    # given: four met weeks (a freeze), a missed one (frozen), then one more met
    result = goal_streak(met(1, 1, 1, 1, 0, 1))

    # then: the frozen week keeps the streak without adding to it
    assert result.streak == 5
    assert result.freezes == 0
    assert result.frozen_weeks == (week(4),)


def test_at_most_two_freezes_are_held():
    result = goal_streak(met(*[1] * 12, 0, 0, 0))
    assert result.frozen_weeks == (week(12), week(13))
    assert result.streak == 0 and result.freezes == 0
    assert goal_streak(met(*[1] * 12)).freezes == 2


def test_the_projected_finish_is_the_study_day_of_the_last_hour():
    # given: 14 hours at 10 a week over Monday-to-Friday (2 hours a day)
    plan = plan_weeks(work=[Work(1, 14)], hours_per_week=10, weekdays=WEEKDAYS, today=MONDAY)

    # then: 4 hours in the second week end on its Tuesday
    assert plan.projected_finish == week(1) + dt.timedelta(days=1)


def test_hours_spent_this_week_on_finished_work_are_not_planned_again():
    # given: 6 hours a week, 4 of this week's already spent on a milestone finished since
    plan = plan_weeks(
        work=[Work(2, 4), Work(3, 4)],
        hours_per_week=6,
        weekdays=WEEKDAYS,
        today=MONDAY,
        used_this_week=4,
    )

    # then: this week keeps 2 hours of room, never more than the budget in all
    assert weeks_of(plan) == [(week(0), [(2, 2.0)]), (week(1), [(2, 2.0), (3, 4.0)])]
