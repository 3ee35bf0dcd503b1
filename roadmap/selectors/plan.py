"""Reads of the learner's personal plan: its settings, its weeks, this week and falling behind.

The weeks live on the progress rows the overview already reads (plan_week, plan_hours), so
everything here but `learner_plan` works on an overview in memory: no query per milestone, and
none at all for the dashboard, which takes the settings from its stamp.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.models import User
from roadmap import planning
from roadmap.models import GoalKind, LearnerPlan, PlanRevision
from roadmap.selectors.progress import LearnerOverview, MilestoneState, learner_overview

__all__ = [
    "plan_anchor_source_register",
    "anchor_dates",
    "PlanSettings",
    "PlanWeek",
    "ThisWeek",
    "learner_plan",
    "plan_settings_of",
    "plan_weeks_of",
    "plan_contract",
    "projected_finish",
    "this_week",
    "plan_digest_section",
    "plan_revisions",
]


# Other apps' fixed dates: each source answers {milestone id: last day its work may happen}
# for one learner in one query (certifications: the day before a booked exam).
AnchorSource = Callable[[User], dict[int, dt.date]]
_anchor_sources: list[AnchorSource] = []


def plan_anchor_source_register(source: AnchorSource) -> None:
    if source not in _anchor_sources:
        _anchor_sources.append(source)


def anchor_dates(*, learner: User) -> dict[int, dt.date]:
    """The other apps' fixed dates for this learner, {milestone id: last day of its work}."""
    anchors: dict[int, dt.date] = {}
    for source in _anchor_sources:
        for milestone_id, due in source(learner).items():
            anchors[milestone_id] = min(due, anchors.get(milestone_id, due))
    return anchors


@dataclass(frozen=True)
class PlanSettings:
    """What the pages need of a LearnerPlan row (the dashboard builds it from its stamp)."""

    hours_per_week: int
    weekdays: tuple[int, ...]
    goal_kind: str
    goal_milestones: int
    since: dt.date  # the Monday of the week the plan was first made


def learner_plan(*, learner: User) -> LearnerPlan | None:
    return LearnerPlan.objects.filter(learner=learner).first()


def plan_settings_of(plan: LearnerPlan, zone: dt.tzinfo) -> PlanSettings:
    return PlanSettings(
        hours_per_week=plan.hours_per_week,
        weekdays=tuple(plan.weekday_list),
        goal_kind=plan.goal_kind,
        goal_milestones=plan.goal_milestones,
        since=planning.week_start(plan.created_at.astimezone(zone).date()),
    )


def plan_revisions(*, learner: User, limit: int = 10) -> list[PlanRevision]:
    return list(PlanRevision.objects.filter(learner=learner)[:limit])


@dataclass
class PlanWeek:
    week_start: dt.date
    items: list[tuple[MilestoneState, float]] = field(default_factory=list)

    @property
    def planned_hours(self) -> float:
        return sum(hours for _state, hours in self.items)


def plan_weeks_of(overview: LearnerOverview, *, include_finished: bool = False) -> list[PlanWeek]:
    """The stored plan as weeks, oldest first: each open milestone's planned hours (and with
    `include_finished`, those of milestones done since, as they were planned)."""
    weeks: dict[dt.date, PlanWeek] = {}
    for state in overview.milestones:
        if state.progress is None or (state.is_finished and not include_finished):
            continue
        for week_start, hours in state.progress.plan_weeks:
            weeks.setdefault(week_start, PlanWeek(week_start=week_start)).items.append(
                (state, hours)
            )
    return [weeks[day] for day in sorted(weeks)]


def projected_finish(plan: LearnerPlan, weeks: list[PlanWeek]) -> dt.date | None:
    """The study day the last planned hour falls on: the last week's hours spread evenly over
    the study days (the same rule as roadmap.planning.Plan.projected_finish)."""
    if not weeks:
        return None
    last = weeks[-1]
    days = plan.weekday_list
    per_day = plan.hours_per_week / len(days)
    needed = max(1, math.ceil(last.planned_hours / per_day - 1e-9))
    return last.week_start + dt.timedelta(days=days[min(needed, len(days)) - 1])


def plan_contract(*, learner: User, today: dt.date) -> dict | None:
    """The plan as the API's contract gives it (GET /api/v1/plan/); None without a plan.
    Four queries: the plan, and the overview's three."""
    plan = learner_plan(learner=learner)
    if plan is None:
        return None
    overview = learner_overview(learner=learner, today=today)
    weeks = plan_weeks_of(overview)
    return {
        "hours_per_week": plan.hours_per_week,
        "weekdays": plan.weekday_list,
        "finish_by": plan.finish_by,
        "projected_finish": projected_finish(plan, weeks),
        "weeks": [
            {
                "week_start": week.week_start,
                "planned_hours": week.planned_hours,
                "milestones": [
                    {"id": s.milestone.pk, "title": s.milestone.title, "planned_hours": hours}
                    for s, hours in week.items
                ],
            }
            for week in weeks
        ],
        "missed_anchors": plan.missed_anchors,
    }


def _done_in(state: MilestoneState, monday: dt.date, zone: dt.tzinfo) -> bool:
    progress = state.progress
    if progress is None or progress.completed_at is None or progress.prior_learning:
        return False
    return planning.week_start(progress.completed_at.astimezone(zone).date()) == monday


@dataclass
class ThisWeek:
    monday: dt.date
    planned: list[tuple[MilestoneState, float]]
    done: list[MilestoneState]  # finished this week (prior learning not counted)
    goal_kind: str
    goal_target: int
    streak: planning.GoalStreak
    behind: list[MilestoneState]  # open, planned only in weeks already over
    behind_since: dt.date | None

    @property
    def planned_hours(self) -> float:
        return sum(hours for _state, hours in self.planned)

    @property
    def planned_done(self) -> int:
        return sum(1 for state, _hours in self.planned if state.is_finished)

    @property
    def done_hours(self) -> int:
        return sum(s.milestone.effort_hours for s in self.done)

    @property
    def goal_done(self) -> int:
        return self.done_hours if self.goal_kind == GoalKind.HOURS else len(self.done)

    @property
    def goal_met(self) -> bool:
        return self.goal_done >= self.goal_target

    @property
    def goal_percent(self) -> int:
        return min(100, 100 * self.goal_done // self.goal_target) if self.goal_target else 100

    @property
    def weeks_behind(self) -> int:
        if self.behind_since is None:
            return 0
        return (self.monday - self.behind_since).days // 7


def this_week(*, overview: LearnerOverview, settings: PlanSettings, zone: dt.tzinfo) -> ThisWeek:
    """This week's planned work and hours, what is done against it, the weekly goal with its
    streak and freezes, and the work left behind. In memory, from the overview, in one pass over
    its milestones: each row's completion week is worked out once, and its planned weeks are
    read by MilestoneProgress.plan_weeks' own rule (week n of plan_hours starts n weeks after
    plan_week) rather than built as a list three times a milestone: the dashboard renders this
    after every change (tests/roadmap/test_dashboard_afresh.py holds it to the former loops)."""
    monday = planning.week_start(overview.today)
    hours_goal = settings.goal_kind == GoalKind.HOURS
    target = settings.hours_per_week if hours_goal else settings.goal_milestones
    # Planned this week: open work, and work done this week (not earlier, nor prior learning).
    planned: list[tuple[MilestoneState, float]] = []
    # Each finished week since the plan began: hours (efforts of milestones done) or count.
    per_week: dict[dt.date, list[MilestoneState]] = {}
    # Open work planned only in weeks already over, with the last of those weeks.
    behind: list[tuple[MilestoneState, dt.date]] = []
    for state in overview.milestones:
        progress = state.progress
        if progress is None:
            continue
        done_week = None
        if progress.completed_at and not progress.prior_learning:
            done_week = planning.week_start(progress.completed_at.astimezone(zone).date())
            per_week.setdefault(done_week, []).append(state)
        first, hours = progress.plan_week, progress.plan_hours
        if first is None or not hours:
            continue
        finished = state.is_finished
        if not finished or done_week == monday:
            weeks_in, rest = divmod((monday - first).days, 7)
            if not rest and 0 <= weeks_in < len(hours):
                planned.append((state, float(hours[weeks_in])))
        if not finished:
            last = first + dt.timedelta(weeks=len(hours) - 1)
            if last < monday:
                behind.append((state, last))
    history = []
    week = settings.since
    while week < monday:
        done = per_week.get(week, [])
        amount = sum(s.milestone.effort_hours for s in done) if hours_goal else len(done)
        history.append(planning.GoalWeek(week_start=week, met=amount >= target))
        week += dt.timedelta(days=7)
    return ThisWeek(
        monday=monday,
        planned=planned,
        done=per_week.get(monday, []),
        goal_kind=settings.goal_kind,
        goal_target=target,
        streak=planning.goal_streak(history),
        behind=[state for state, _last in behind],
        behind_since=min((last for _state, last in behind), default=None),
    )


# The digest offers Re-plan from this week once work has been behind this many weeks.
DIGEST_REPLAN_AFTER_WEEKS = 2


def plan_digest_section(
    *, learner: User, overview: LearnerOverview, plan: LearnerPlan | None
) -> dict | None:
    """The digest's "this week's plan" section: this week's planned milestones and hours, last
    week's goal result, and whether to offer Re-plan from this week (after two weeks behind).
    None for a learner without a plan. No query: the overview and the plan are the caller's."""
    if plan is None:
        return None
    zone = learner.zone
    week = this_week(overview=overview, settings=plan_settings_of(plan, zone), zone=zone)
    last_monday = week.monday - dt.timedelta(days=7)
    last_week_done = [
        s for s in overview.milestones if s.progress is not None and _done_in(s, last_monday, zone)
    ]
    last_amount = (
        sum(s.milestone.effort_hours for s in last_week_done)
        if week.goal_kind == GoalKind.HOURS
        else len(last_week_done)
    )
    return {
        "week_start": week.monday,
        "planned": [
            {"title": s.milestone.title, "url": s.milestone.get_absolute_url(), "hours": h}
            for s, h in week.planned
        ],
        "planned_hours": week.planned_hours,
        "last_week_goal": {
            "kind": week.goal_kind,
            "target": week.goal_target,
            "done": last_amount,
            "met": last_amount >= week.goal_target,
            # only a week the plan was running counts
            "counted": last_monday >= plan_settings_of(plan, zone).since,
        },
        "streak": week.streak.streak,
        "weeks_behind": week.weeks_behind,
        "offer_replan": week.weeks_behind >= DIGEST_REPLAN_AFTER_WEEKS,
    }
