"""The personal plan's scheduler: open milestones laid out over the learner's weeks. Pure.

No database and no Django ORM: plain values in, plain values out, so the plan page, the dashboard,
the API, the calendar feed and the benchmark compute it one way.

The rules, in the order they apply:
- **Remaining effort.** A milestone not started has its whole `effort_hours` left; one in progress
  has half of it left (we record no hours logged, so "started" is taken as half way), at least
  half an hour; done and skipped ones (prior learning included) have none and are not planned.
- **Order.** Path order: enrolment, then step position, then milestone position, as the caller
  hands the milestones in.
- **Weeks.** Weeks start on Monday of the learner's own calendar (`week_start` of their local
  date), counted in dates, never in 168-hour blocks, so a daylight-saving change cannot shift a
  week. Each week holds at most the weekly budget. The current week holds the share of the budget
  of the study days left in it, today included (on a Sunday with Monday-to-Friday study days it
  holds nothing and the plan starts next Monday).
- **Filling.** Milestones fill the weeks in order, back to back: one bigger than what is left of a
  week carries on in the next week(s).
- **Anchors.** A milestone may have a `due` date: the last day its work may happen (the day
  before an exam for the study milestones of a certification; the learner's own target date).
  An anchored milestone that would finish in a week starting after `due` is moved earlier in the
  order, only as far as it needs, never ahead of an anchor due sooner. One that cannot be in time
  even at the front is planned as early as it can be and reported in `missed_anchors`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MAX_HOURS_PER_WEEK = 40
MIN_HOURS_PER_WEEK = 1
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
OPEN_STATUSES = frozenset({NOT_STARTED, IN_PROGRESS})
# Hours are planned in half hours: enough for a plan, and sums stay exact in binary floats.
QUANTUM = 0.5
_EPSILON = 1e-9


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def local_today(now: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """The learner's own date at the aware instant `now`."""
    return now.astimezone(zone).date()


def round_up(hours: float) -> float:
    return math.ceil(hours / QUANTUM - _EPSILON) * QUANTUM


def remaining_hours(*, effort_hours: float, status: str) -> float:
    """Hours still to plan for a milestone (see the module's rules)."""
    if status == NOT_STARTED:
        return float(effort_hours)
    if status == IN_PROGRESS:
        return max(QUANTUM, round_up(effort_hours / 2))
    return 0.0


@dataclass(frozen=True)
class Work:
    """One milestone as the scheduler sees it."""

    milestone_id: int
    effort_hours: float
    status: str = NOT_STARTED
    due: dt.date | None = None

    @property
    def remaining(self) -> float:
        return remaining_hours(effort_hours=self.effort_hours, status=self.status)


@dataclass
class PlannedWeek:
    week_start: dt.date
    # (milestone id, hours) in the order worked on
    items: list[tuple[int, float]] = field(default_factory=list)

    @property
    def planned_hours(self) -> float:
        return sum(hours for _id, hours in self.items)


@dataclass(frozen=True)
class MissedAnchor:
    """An anchor the plan cannot keep: the milestone's work runs into the week `finishes_week`."""

    milestone_id: int
    due: dt.date
    finishes_week: dt.date


@dataclass
class Plan:
    start: dt.date  # the Monday of the first week
    hours_per_week: int
    weekdays: tuple[int, ...]
    weeks: list[PlannedWeek]
    missed_anchors: list[MissedAnchor]

    @property
    def total_hours(self) -> float:
        return sum(w.planned_hours for w in self.weeks)

    def milestone_weeks(self) -> dict[int, list[tuple[dt.date, float]]]:
        """For each planned milestone, its (week start, hours) in order."""
        found: dict[int, list[tuple[dt.date, float]]] = {}
        for week in self.weeks:
            for milestone_id, hours in week.items:
                found.setdefault(milestone_id, []).append((week.week_start, hours))
        return found

    @property
    def projected_finish(self) -> dt.date | None:
        """The study day the last planned hour falls on, the week's hours spread evenly over
        its study days; None when nothing is left to plan."""
        if not self.weeks:
            return None
        last = self.weeks[-1]
        if last.week_start == week_start(self.start):
            days = study_days_from(last.week_start, self.weekdays, first_day=self.start)
        else:
            days = list(self.weekdays)
        per_day = self.hours_per_week / len(self.weekdays)
        needed = max(1, math.ceil(last.planned_hours / per_day - _EPSILON))
        day = days[min(needed, len(days)) - 1]
        return last.week_start + dt.timedelta(days=day)


def study_days_from(monday: dt.date, weekdays: Iterable[int], *, first_day: dt.date) -> list[int]:
    """The study weekdays (0 = Monday) of the week starting `monday` on or after `first_day`."""
    return sorted(d for d in weekdays if monday + dt.timedelta(days=d) >= first_day)


def week_capacity(
    *, monday: dt.date, today: dt.date, hours_per_week: int, weekdays: Sequence[int]
) -> float:
    """The hours a week holds: the whole budget, or for the current week the share of its study
    days left (today included), rounded down to the half hour."""
    if monday > today:
        return float(hours_per_week)
    left = len(study_days_from(monday, weekdays, first_day=today))
    share = hours_per_week * left / len(weekdays)
    return math.floor(share / QUANTUM + _EPSILON) * QUANTUM


def check_settings(*, hours_per_week: int, weekdays: Sequence[int]) -> None:
    if not MIN_HOURS_PER_WEEK <= hours_per_week <= MAX_HOURS_PER_WEEK:
        raise ValueError(f"hours_per_week must be {MIN_HOURS_PER_WEEK}-{MAX_HOURS_PER_WEEK}")
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise ValueError("weekdays must name at least one day, 0 (Monday) to 6")


def _finish_weeks(order: Sequence[Work], capacities: _Capacities) -> list[int]:
    """The index of the week each milestone's last hour falls in, filling back to back."""
    finishes = []
    cumulative = 0.0
    for work in order:
        cumulative += work.remaining
        finishes.append(capacities.week_of_hour(cumulative))
    return finishes


class _Capacities:
    """Cumulative hours the weeks hold: the first week may be short, the others hold the budget."""

    def __init__(self, first: float, budget: float) -> None:
        self.first = first
        self.budget = budget

    def week_of_hour(self, cumulative: float) -> int:
        if cumulative <= self.first + _EPSILON:
            return 0
        return 1 + max(0, math.ceil((cumulative - self.first) / self.budget - _EPSILON) - 1)


def _ordered(work: Sequence[Work], start: dt.date, capacities: _Capacities):
    """Path order, with each anchored milestone moved earlier only as far as its anchor needs."""
    order = list(work)
    missed: list[tuple[Work, int]] = []
    anchored = sorted(
        (w for w in order if w.due is not None), key=lambda w: (w.due, order.index(w))
    )
    placed: list[Work] = []  # anchors already settled, which a later-due one may not pass
    for anchor in anchored:
        due_week = (week_start(anchor.due) - start).days // 7
        position = order.index(anchor)
        floor = max((order.index(p) + 1 for p in placed), default=0)
        while position > floor and _finish_weeks(order, capacities)[position] > due_week:
            order[position - 1], order[position] = order[position], order[position - 1]
            position -= 1
        if _finish_weeks(order, capacities)[position] > due_week:
            missed.append((anchor, position))
        placed.append(anchor)
    return order, missed


def plan_weeks(
    *,
    work: Iterable[Work],
    hours_per_week: int,
    weekdays: Sequence[int],
    today: dt.date,
    used_this_week: float = 0.0,
) -> Plan:
    """Lay the open milestones of `work` (in path order) over the weeks from `today`'s week.
    `used_this_week`: hours of this week's plan already spent on work finished since, which the
    week no longer has room for (so finishing early never makes a week hold more than the
    budget)."""
    check_settings(hours_per_week=hours_per_week, weekdays=weekdays)
    weekdays = tuple(sorted(set(weekdays)))
    start = week_start(today)
    first = week_capacity(
        monday=start, today=today, hours_per_week=hours_per_week, weekdays=weekdays
    )
    first = max(0.0, min(first, hours_per_week - used_this_week))
    capacities = _Capacities(first, float(hours_per_week))
    open_work = [w for w in work if w.remaining > 0]
    order, missed = _ordered(open_work, start, capacities)

    weeks: list[PlannedWeek] = []
    week = PlannedWeek(week_start=start)
    room = first
    for item in order:
        left = item.remaining
        while left > _EPSILON:
            if room <= _EPSILON:
                if week.items:  # a current week with no study day left is left out
                    weeks.append(week)
                week = PlannedWeek(week_start=week.week_start + dt.timedelta(days=7))
                room = float(hours_per_week)
            hours = min(left, room)
            week.items.append((item.milestone_id, hours))
            left -= hours
            room -= hours
    if week.items:
        weeks.append(week)
    finish = {}
    for planned in weeks:
        for milestone_id, _hours in planned.items:
            finish[milestone_id] = planned.week_start
    missed_anchors = [
        MissedAnchor(milestone_id=w.milestone_id, due=w.due, finishes_week=finish[w.milestone_id])
        for w, _position in missed
    ]
    return Plan(
        start=today,
        hours_per_week=hours_per_week,
        weekdays=weekdays,
        weeks=weeks,
        missed_anchors=missed_anchors,
    )


@dataclass(frozen=True)
class FinishByNeed:
    hours_per_week: float
    weeks: int
    over_limit: bool  # more than MAX_HOURS_PER_WEEK a week


def hours_needed(
    *, work: Iterable[Work], finish_by: dt.date, today: dt.date, weekdays: Sequence[int]
) -> FinishByNeed:
    """The weekly hours that finish every open milestone by `finish_by`: the remaining hours over
    the weeks from this one to the one holding `finish_by`, this week counted by its share of
    study days left and the last one by its study days up to `finish_by`."""
    weekdays = tuple(sorted(set(weekdays)))
    total = sum(w.remaining for w in work)
    first = week_start(today)
    last = week_start(finish_by)
    weeks = 0.0
    monday = first
    while monday <= last:
        days = [
            d
            for d in study_days_from(monday, weekdays, first_day=today)
            if monday + dt.timedelta(days=d) <= finish_by
        ]
        weeks += len(days) / len(weekdays)
        monday += dt.timedelta(days=7)
    whole_weeks = (last - first).days // 7 + 1
    # With no study day left before the date, the work is counted as one study day's.
    per_week = round_up(total / max(weeks, 1 / len(weekdays)))
    return FinishByNeed(
        hours_per_week=per_week, weeks=whole_weeks, over_limit=per_week > MAX_HOURS_PER_WEEK
    )


@dataclass(frozen=True)
class GoalWeek:
    week_start: dt.date
    met: bool


@dataclass(frozen=True)
class GoalStreak:
    streak: int  # weeks in a row met (a frozen week keeps it without adding)
    freezes: int  # held now, at most MAX_FREEZES
    frozen_weeks: tuple[dt.date, ...]


WEEKS_PER_FREEZE = 4
MAX_FREEZES = 2


def goal_streak(weeks: Iterable[GoalWeek]) -> GoalStreak:
    """Walk the finished weeks oldest first: a met week adds one to the streak, and every fourth
    met week earns a freeze (at most MAX_FREEZES held); a missed week spends a freeze if one is
    held (the streak stays as it was) or ends the streak."""
    streak = freezes = met_count = 0
    frozen: list[dt.date] = []
    for week in weeks:
        if week.met:
            streak += 1
            met_count += 1
            if met_count % WEEKS_PER_FREEZE == 0:
                freezes = min(MAX_FREEZES, freezes + 1)
        elif freezes:
            freezes -= 1
            frozen.append(week.week_start)
        else:
            streak = 0
    return GoalStreak(streak=streak, freezes=freezes, frozen_weeks=tuple(frozen))
