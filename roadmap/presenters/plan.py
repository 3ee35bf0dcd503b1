"""The Plan page and the onboarding screens after enrolment (prior learning, time, fixed dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404

from accounts.models import User
from roadmap import planning
from roadmap.models import LearnerPlan, PlanRevision
from roadmap.selectors.plan import (
    PlanWeek,
    ThisWeek,
    anchor_dates,
    learner_plan,
    plan_revisions,
    plan_settings_of,
    plan_weeks_of,
    projected_finish,
    this_week,
)
from roadmap.selectors.progress import (
    LearnerOverview,
    MilestoneState,
    StepProgress,
    learner_overview,
)

# A milestone this big is most people's starting point ("a relevant degree or equivalent
# experience", 500 h): onboarding points it out.
BIG_MILESTONE_HOURS = 100


def work_of(overview: LearnerOverview) -> list[planning.Work]:
    return [
        planning.Work(
            milestone_id=s.milestone.pk, effort_hours=s.milestone.effort_hours, status=s.status
        )
        for s in overview.milestones
    ]


@dataclass
class MissedAnchorRow:
    state: MilestoneState
    due: dt.date
    finishes_week: dt.date


@dataclass
class PlanPage:
    plan: LearnerPlan | None
    overview: LearnerOverview
    weeks: list[PlanWeek]
    week: ThisWeek | None
    missed: list[MissedAnchorRow]
    need: planning.FinishByNeed | None
    projected_finish: dt.date | None
    remaining_hours: float
    revisions: list[PlanRevision]
    anchors: list[tuple[MilestoneState, dt.date]]

    @property
    def open_milestones(self) -> list[MilestoneState]:
        return [s for s in self.overview.milestones if not s.is_finished]

    def open_milestones_plain(self):
        return [s.milestone for s in self.open_milestones]


def plan_page(*, learner: User, today: dt.date) -> PlanPage:
    plan = learner_plan(learner=learner)
    overview = learner_overview(learner=learner, today=today)
    by_id = {s.milestone.pk: s for s in overview.milestones}
    weeks = plan_weeks_of(overview)
    missed = []
    if plan is not None:
        for m in plan.missed_anchors:
            if m["milestone_id"] in by_id:
                missed.append(
                    MissedAnchorRow(
                        state=by_id[m["milestone_id"]],
                        due=dt.date.fromisoformat(m["due"]),
                        finishes_week=dt.date.fromisoformat(m["finishes_week"]),
                    )
                )
    work = work_of(overview)
    need = None
    if plan is not None and plan.finish_by is not None and plan.finish_by >= today:
        need = planning.hours_needed(
            work=work, finish_by=plan.finish_by, today=today, weekdays=plan.weekday_list
        )
    anchors = [
        (by_id[mid], due)
        for mid, due in sorted(anchor_dates(learner=learner).items(), key=lambda a: a[1])
        if mid in by_id and not by_id[mid].is_finished
    ]
    return PlanPage(
        plan=plan,
        overview=overview,
        weeks=weeks,
        week=(
            this_week(
                overview=overview, settings=plan_settings_of(plan, learner.zone), zone=learner.zone
            )
            if plan
            else None
        ),
        missed=missed,
        need=need,
        projected_finish=projected_finish(plan, weeks) if plan else None,
        remaining_hours=sum(w.remaining for w in work),
        revisions=plan_revisions(learner=learner) if plan else [],
        anchors=anchors,
    )


@dataclass
class PriorLearningScreen:
    index: int
    count: int
    step: StepProgress
    path_title: str
    big: list[MilestoneState]  # this step's big milestones, pointed out
    big_elsewhere: list[tuple[int, MilestoneState]]  # (screen index, milestone) on other steps

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def is_last(self) -> bool:
        return self.index + 1 >= self.count


def prior_learning_screen(*, learner: User, today: dt.date, index: int) -> PriorLearningScreen:
    """One screen per step of the learner's paths; 404 past the last one."""
    overview = learner_overview(learner=learner, today=today)
    steps = [(p.path.title, s) for p in overview.paths for s in p.steps]
    if not 0 <= index < len(steps):
        raise Http404("No such step")
    path_title, step = steps[index]
    big_elsewhere = [
        (i, m)
        for i, (_title, other) in enumerate(steps)
        if i != index
        for m in other.milestones
        if m.milestone.effort_hours >= BIG_MILESTONE_HOURS and not m.is_finished
    ]
    return PriorLearningScreen(
        index=index,
        count=len(steps),
        step=step,
        path_title=path_title,
        big=[m for m in step.milestones if m.milestone.effort_hours >= BIG_MILESTONE_HOURS],
        big_elsewhere=big_elsewhere,
    )
