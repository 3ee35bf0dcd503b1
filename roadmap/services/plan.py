"""Writes to a learner's personal plan: its settings, (re)planning, anchors and prior learning.

A plan is computed whole in memory by roadmap/planning.py and written back in one pass: a fixed
number of queries (the plan's row, the overview's three reads, one per anchor source, at most
two to create missing progress rows, one bulk update) whatever the number of milestones.

Three ways a plan is redone:
- `plan_settings_set` and `plan_replan` plan every open milestone from this week, and keep the
  plan as it was in the history (PlanRevision);
- `plan_recompute`, run by the services that change progress, target dates and exam dates,
  plans open work again from this week but leaves a milestone whose planned weeks are all past
  where it is: that is falling behind, which the dashboard shows until the learner re-plans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from json import dumps as json_dumps

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from roadmap import planning
from roadmap.models import (
    LearnerPlan,
    Milestone,
    MilestoneProgress,
    PlanRevision,
    PlanRevisionReason,
    ProgressStatus,
)
from roadmap.selectors.plan import anchor_dates, plan_anchor_source_register
from roadmap.selectors.progress import learner_overview
from roadmap.services import progress as progress_services

__all__ = [
    "plan_anchor_source_register",  # re-exported: where other apps register their dates
    "plan_settings_set",
    "plan_replan",
    "plan_recompute",
    "plan_recompute_locked",
    "plan_anchor_set",
    "milestones_prior_learning_set",
]


def _local_today(learner: User, now: dt.datetime) -> dt.date:
    return planning.local_today(now, learner.zone)


def _clean_settings(
    *, hours_per_week: object, weekdays: Iterable[object], finish_by: dt.date | None, today
) -> tuple[int, list[int]]:
    errors = []
    if (
        isinstance(hours_per_week, bool)
        or not isinstance(hours_per_week, int)
        or not planning.MIN_HOURS_PER_WEEK <= hours_per_week <= planning.MAX_HOURS_PER_WEEK
    ):
        errors.append(
            ValidationError(
                _("Hours a week must be a whole number from %(min)d to %(max)d."),
                params={"min": planning.MIN_HOURS_PER_WEEK, "max": planning.MAX_HOURS_PER_WEEK},
                code="hours_per_week",
            )
        )
    days = list(weekdays)
    if not days or any(isinstance(d, bool) or d not in range(7) for d in days):
        errors.append(
            ValidationError(_("Choose at least one day of the week to study on."), code="weekdays")
        )
    if finish_by is not None and finish_by < today:
        errors.append(
            ValidationError(
                _("The finish-by date %(date)s is in the past. Choose a later date or none."),
                params={"date": formats.date_format(finish_by)},
                code="finish_by",
            )
        )
    if errors:
        raise ValidationError(errors)
    return hours_per_week, sorted(set(days))  # type: ignore[return-value]


def _snapshot(plan: LearnerPlan, rows: Iterable[MilestoneProgress]) -> dict:
    """The plan as it stands, for the history."""
    weeks: dict[dt.date, list[list]] = {}
    for row in rows:
        for week_start, hours in row.plan_weeks:
            weeks.setdefault(week_start, []).append([row.milestone_id, hours])
    return {
        "hours_per_week": plan.hours_per_week,
        "weekdays": plan.weekday_list,
        "finish_by": plan.finish_by.isoformat() if plan.finish_by else None,
        "starts_on": plan.starts_on.isoformat(),
        "weeks": [
            {"week_start": day.isoformat(), "milestones": items}
            for day, items in sorted(weeks.items())
        ],
    }


def _replan(
    *,
    learner: User,
    plan: LearnerPlan,
    today: dt.date,
    now: dt.datetime,
    keep_behind: bool,
    reason: str | None,
    settings_changed: bool = True,
    held: dict[int, MilestoneProgress] | None = None,
) -> LearnerPlan:
    """Plan the learner's open milestones from this week and store the weeks on their rows. Runs
    inside the caller's transaction, with `plan` locked. Without `settings_changed` the plan's
    own row is written only when its missed anchors change: the rows' weeks are on the progress
    rows, whose new updated_at already gives the dashboard a new stamp. `held`: objects of the
    learner's rows this transaction already holds (by milestone id), used instead of the
    overview's copies of the same rows, so the caller's objects carry the new weeks too."""
    overview = learner_overview(learner=learner, today=today)
    states = overview.milestones
    held = held or {}
    rows = {
        s.milestone.pk: held.get(s.milestone.pk, s.progress)
        for s in states
        if s.progress is not None
    }
    missing = [s.milestone for s in states if s.progress is None]
    if missing:
        MilestoneProgress.objects.bulk_create(
            [MilestoneProgress(learner=learner, milestone=m) for m in missing],
            ignore_conflicts=True,
        )
        created = MilestoneProgress.objects.filter(learner=learner, milestone__in=missing)
        rows.update({row.milestone_id: row for row in created})
    if reason is not None:
        PlanRevision.objects.create(
            learner=learner, reason=reason, previous=_snapshot(plan, rows.values()), created_at=now
        )

    anchors = anchor_dates(learner=learner)
    this_monday = planning.week_start(today)
    work = []
    for state in states:
        row = rows[state.milestone.pk]
        if row.status not in planning.OPEN_STATUSES:
            continue
        last = row.plan_last_week
        if keep_behind and last is not None and last < this_monday:
            continue  # behind: stays in its past weeks until the learner re-plans
        due = row.target_date
        if state.milestone.pk in anchors:
            due = min(anchors[state.milestone.pk], due or dt.date.max)
        work.append(
            planning.Work(
                milestone_id=state.milestone.pk,
                effort_hours=state.milestone.effort_hours,
                status=row.status,
                due=due,
            )
        )
    # This week's hours planned on work done this week are spent (prior learning never is).
    used = sum(
        hours
        for row in rows.values()
        if row.status == ProgressStatus.DONE
        and not row.prior_learning
        and row.completed_at is not None
        and planning.week_start(_local_today(learner, row.completed_at)) == this_monday
        for week_start, hours in row.plan_weeks
        if week_start == this_monday
    )
    result = planning.plan_weeks(
        work=work,
        hours_per_week=plan.hours_per_week,
        weekdays=plan.weekday_list,
        today=today,
        used_this_week=used,
    )
    placed = result.milestone_weeks()
    planned_ids = {w.milestone_id for w in work}
    changed = []
    for milestone_id, row in rows.items():
        before = (row.plan_week, row.plan_hours, row.planned_at is None)
        if milestone_id in planned_ids:
            weeks = placed.get(milestone_id, [])
            row.plan_week = weeks[0][0] if weeks else None
            row.plan_hours = [hours for _day, hours in weeks]
        if before != (row.plan_week, row.plan_hours, False):
            row.planned_at = now
            row.updated_at = now
            changed.append(row)
    _write_plan_rows(changed, now=now)
    missed_anchors = [
        {
            "milestone_id": m.milestone_id,
            "due": m.due.isoformat(),
            "finishes_week": m.finishes_week.isoformat(),
        }
        for m in result.missed_anchors
    ]
    if settings_changed:
        plan.missed_anchors = missed_anchors
        plan.save()
    elif missed_anchors != plan.missed_anchors:
        plan.missed_anchors = missed_anchors
        plan.save(update_fields=["missed_anchors", "updated_at"])
    return plan


def _write_plan_rows(rows: list[MilestoneProgress], *, now: dt.datetime) -> None:
    """Store the rows' planned weeks in one UPDATE from a list of values. Django's bulk_update
    builds a CASE per field and row, which took about 40 of the 54 ms a re-plan of 41
    milestones cost on PostgreSQL (bench/plan_replan.py); this takes a few."""
    if not rows:
        return
    table = MilestoneProgress._meta.db_table
    cast = "CAST(v.week AS date)" if connection.vendor == "postgresql" else "v.week"
    json = "CAST(v.hours AS jsonb)" if connection.vendor == "postgresql" else "v.hours"
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params: list = []
    for row in rows:
        params += [row.pk, row.plan_week.isoformat() if row.plan_week else None]
        params.append(json_dumps(row.plan_hours))
    sql = (
        f"WITH v(id, week, hours) AS (VALUES {values}) "
        f"UPDATE {table} SET plan_week = {cast}, plan_hours = {json}, "
        "planned_at = %s, updated_at = %s FROM v "
        f"WHERE {table}.id = CAST(v.id AS bigint)"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, stamp, stamp])


def plan_settings_set(
    *,
    learner: User,
    hours_per_week: int,
    weekdays: Iterable[int],
    finish_by: dt.date | None = None,
    goal_kind: str | None = None,
    goal_milestones: int | None = None,
    now: dt.datetime | None = None,
) -> LearnerPlan:
    """Make or change the learner's plan settings and plan every open milestone from this week.
    Bad settings raise ValidationError (every problem at once) and change nothing."""
    now = now or timezone.now()
    today = _local_today(learner, now)
    hours, days = _clean_settings(
        hours_per_week=hours_per_week, weekdays=weekdays, finish_by=finish_by, today=today
    )
    if goal_kind is not None and goal_kind not in ("hours", "milestones"):
        raise ValidationError(_("Choose a weekly goal in hours or in milestones."))
    if goal_milestones is not None and not 1 <= goal_milestones <= 20:
        raise ValidationError(_("A weekly goal in milestones must be from 1 to 20."))
    with transaction.atomic():
        plan = LearnerPlan.objects.select_for_update().filter(learner=learner).first()
        reason = PlanRevisionReason.SETTINGS
        if plan is None:
            plan = LearnerPlan(learner=learner)
            reason = None  # nothing to keep yet
        plan.hours_per_week = hours
        plan.weekdays = "".join(str(d) for d in days)
        plan.finish_by = finish_by
        plan.goal_kind = goal_kind or plan.goal_kind
        plan.goal_milestones = goal_milestones or plan.goal_milestones
        plan.starts_on = planning.week_start(today)
        if plan.pk is None:
            plan.save()
        return _replan(
            learner=learner, plan=plan, today=today, now=now, keep_behind=False, reason=reason
        )


def plan_replan(*, learner: User, now: dt.datetime | None = None) -> LearnerPlan:
    """Re-plan from this week: every bit of progress kept, unfinished work moved forward, the
    old plan kept in the history. Raises LearnerPlan.DoesNotExist for a learner without a plan."""
    now = now or timezone.now()
    today = _local_today(learner, now)
    with transaction.atomic():
        plan = LearnerPlan.objects.select_for_update().get(learner=learner)
        plan.starts_on = planning.week_start(today)
        return _replan(
            learner=learner,
            plan=plan,
            today=today,
            now=now,
            keep_behind=False,
            reason=PlanRevisionReason.REPLAN,
        )


def plan_recompute(*, learner: User, now: dt.datetime | None = None) -> LearnerPlan | None:
    """Plan open work again after progress, a target date or an exam date changed, keeping
    work that is behind where it is. Nothing for a learner without a plan."""
    now = now or timezone.now()
    # No savepoint inside a caller's transaction (an exam date, an enrolment, prior learning):
    # no caller catches a failure half-way, so its two statements would buy nothing.
    with transaction.atomic(savepoint=False):
        plan = LearnerPlan.objects.select_for_update().filter(learner=learner).first()
        if plan is None:
            return None
        return plan_recompute_locked(learner=learner, plan=plan, now=now)


def plan_recompute_locked(
    *,
    learner: User,
    plan: LearnerPlan,
    now: dt.datetime,
    rows: dict[int, MilestoneProgress] | None = None,
) -> LearnerPlan:
    """plan_recompute for a caller that has already locked the learner's `plan` in its open
    transaction (the progress services lock it before the progress row): the plan is not read
    again. `rows`: the learner's rows the caller holds, by milestone id, re-planned in place."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("plan_recompute_locked needs a transaction")
    return _replan(
        learner=learner,
        plan=plan,
        today=_local_today(learner, now),
        now=now,
        keep_behind=True,
        reason=None,
        settings_changed=False,
        held=rows,
    )


def _learners_milestone(*, learner: User, milestone_id: object) -> Milestone:
    """An active milestone on a path the learner follows, or a ValidationError that says so
    (the same for another learner's, a retired or an unknown one)."""
    milestone = None
    if isinstance(milestone_id, int) and not isinstance(milestone_id, bool):
        milestone = (
            Milestone.objects.active()
            .select_related("step__path")
            .filter(pk=milestone_id, step__path__enrollments__learner=learner)
            .first()
        )
    if milestone is None:
        raise ValidationError(
            _("That milestone is not on a path you follow, so it cannot be a fixed date."),
            code="anchor_milestone",
        )
    return milestone


def plan_anchor_set(
    *, learner: User, milestone_id: int, due: dt.date | None, now: dt.datetime | None = None
) -> MilestoneProgress:
    """Fix (or with None, free) the date a milestone of the learner's must be done by: its
    target date, which the plan keeps as an anchor."""
    now = now or timezone.now()
    milestone = _learners_milestone(learner=learner, milestone_id=milestone_id)
    return progress_services.milestone_target_date_set(
        learner=learner,
        milestone=milestone,
        target_date=due,
        today=_local_today(learner, now),
        now=now,
    )


def milestones_prior_learning_set(
    *,
    learner: User,
    have: dict[int, str],
    now: dt.datetime | None = None,
) -> int:
    """ "I already have this" for each milestone id in `have` (with an optional evidence link):
    done, recorded as prior learning. Every id and link is checked before anything is written;
    the plan is then redone once. Returns how many milestones changed."""
    now = now or timezone.now()
    milestones = {mid: _learners_milestone(learner=learner, milestone_id=mid) for mid in have}
    links = {
        mid: progress_services.clean_evidence_url(url) for mid, url in have.items() if url.strip()
    }
    changed = 0
    with transaction.atomic():
        for mid, milestone in milestones.items():
            progress = progress_services.milestone_status_set(
                learner=learner,
                milestone=milestone,
                status=ProgressStatus.DONE,
                now=now,
                prior_learning=True,
                replan=False,
            )
            changed += progress.completed_at == now
            if mid in links:
                progress_services.milestone_evidence_add(
                    learner=learner, milestone=milestone, url=links[mid], now=now
                )
        plan_recompute(learner=learner, now=now)
    return changed
