"""Every write to a learner's progress: enrolment, status, target date, notes and evidence.

Each change runs in one transaction and appends a ProgressEvent, the history that streaks, the
activity heatmap and the projected finish date are computed from. Nothing here needs a request,
so a Celery task or another app (a certification that completes a milestone) can call it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.db import PreparedQuery
from roadmap.models import (
    CareerPath,
    Enrollment,
    EvidenceLink,
    LearnerPlan,
    Milestone,
    MilestoneProgress,
    ProgressEvent,
    ProgressEventKind,
    ProgressStatus,
    http_url_validator,
)
from roadmap.selectors.rows import model_columns, plain_model_objects

__all__ = [
    "path_enrol",
    "milestone_status_set",
    "milestone_status_set_on_step",
    "StepStatusChange",
    "milestone_target_date_set",
    "milestone_notes_set",
    "milestone_evidence_add",
    "milestone_evidence_remove",
    "EVIDENCE_ADDED",
    "EVIDENCE_REMOVED",
]

NOTES_MAX_LENGTH = MilestoneProgress._meta.get_field("notes").max_length
EVIDENCE_URL_MAX_LENGTH = EvidenceLink._meta.get_field("url").max_length
EVIDENCE_LABEL_MAX_LENGTH = EvidenceLink._meta.get_field("label").max_length
EVENT_DETAIL_MAX_LENGTH = ProgressEvent._meta.get_field("detail").max_length
# Evidence events share one kind; the detail says which way it went, e.g. "added https://...".
EVIDENCE_ADDED = "added"
# A status event's detail when the learner already had the milestone before joining.
PRIOR_LEARNING = "prior learning"
EVIDENCE_REMOVED = "removed"
# The statuses a change may set, once: ProgressStatus.values builds every choice and its label
# on each call, and every status change asks.
_STATUSES = frozenset(ProgressStatus.values)


def path_enrol(*, learner: User, path: CareerPath) -> Enrollment:
    """Enrol the learner in a published path; enrolling twice returns the first enrolment.

    No ProgressEvent: events belong to a milestone, and joining a path is not progress yet.
    """
    if not path.is_published:
        raise ValidationError(_("This career path is not open for enrolment."))
    with transaction.atomic():
        # get_or_create retries the read after an IntegrityError, so a double click is harmless.
        enrollment, created = Enrollment.objects.get_or_create(learner=learner, path=path)
        if created:
            # The new path's milestones join the learner's plan, if they have one.
            from roadmap.services.plan import plan_recompute

            plan_recompute(learner=learner)
    return enrollment


# The learner's plan, locked, then their row on the milestone, locked, then, unlocked, their other
# rows on the same step: one statement (a prepared one, core/db.py), one round trip. The order is
# the plan's, then the row's (see _locked_progress_and_step_rows): the row's scan is gated on a
# count of the plan's rows, which PostgreSQL runs first, before the scan finds a row to lock
# (EXPLAIN shows it as the target's InitPlan and One-Time Filter). A row of the answer is the
# plan (its progress columns NULL) or a progress row (its plan columns NULL). The other rows are
# what a status change sent from a step page's row re-draws (the step's progress bar) without
# reading them again after the write.
_PLAN_NULLS = ", ".join(["NULL"] * len(LearnerPlan._meta.concrete_fields))
_ROW_NULLS = ", ".join(["NULL"] * len(MilestoneProgress._meta.concrete_fields))
_STEP_ROWS_FROM = (
    f" FROM {MilestoneProgress._meta.db_table} p"
    " WHERE p.learner_id = %(learner)s AND p.milestone_id <> %(milestone)s"
    f" AND p.milestone_id IN (SELECT m.id FROM {Milestone._meta.db_table} m"
    " WHERE m.step_id = %(step)s)"
)
_LOCKED_PLAN_ROW_AND_STEP = PreparedQuery(
    name="roadmap_locked_plan_row_and_step",
    sql=(
        f"WITH plan AS MATERIALIZED (SELECT {model_columns(LearnerPlan, 'l')}"
        f" FROM {LearnerPlan._meta.db_table} l WHERE l.learner_id = %(learner)s FOR UPDATE),"
        f" target AS MATERIALIZED (SELECT {model_columns(MilestoneProgress, 'p')}"
        f" FROM {MilestoneProgress._meta.db_table} p"
        " WHERE p.learner_id = %(learner)s AND p.milestone_id = %(milestone)s"
        " AND (SELECT count(*) FROM plan) >= 0 FOR UPDATE)"
        f" SELECT plan.*, {_ROW_NULLS} FROM plan"
        f" UNION ALL SELECT {_PLAN_NULLS}, target.* FROM target"
        f" UNION ALL SELECT {_PLAN_NULLS}, {model_columns(MilestoneProgress, 'p')}"
        f"{_STEP_ROWS_FROM}"
    ),
)
# SQLite has no row locks (it locks the file for the write), nor their syntax: the row and the
# step's rows, unlocked, after the plan read by the ORM.
_ROW_AND_STEP_UNLOCKED = PreparedQuery(
    name="roadmap_row_and_step_unlocked",
    sql=(
        f"WITH target AS (SELECT {model_columns(MilestoneProgress, 'p')}"
        f" FROM {MilestoneProgress._meta.db_table} p"
        " WHERE p.learner_id = %(learner)s AND p.milestone_id = %(milestone)s)"
        " SELECT * FROM target UNION ALL"
        f" SELECT {model_columns(MilestoneProgress, 'p')}{_STEP_ROWS_FROM}"
    ),
)


# A status change's write: the row's new status and times, and its event, in one statement
# (PostgreSQL runs the UPDATE of a data-modifying WITH first; the INSERT takes the row's learner
# and milestone from it). One round trip and one statement fewer than the ORM's save() then
# create(), and none of their Python (issue 17). The row is already locked (_locked_progress).
_STATUS_WRITE = PreparedQuery(
    name="roadmap_status_write",
    sql=(
        f"WITH changed AS (UPDATE {MilestoneProgress._meta.db_table} SET status = %(status)s,"
        " started_at = %(started_at)s, completed_at = %(completed_at)s,"
        " prior_learning = %(prior_learning)s, updated_at = %(updated_at)s"
        " WHERE id = %(progress)s RETURNING learner_id, milestone_id)"
        f" INSERT INTO {ProgressEvent._meta.db_table}"
        " (learner_id, milestone_id, kind, from_status, to_status, detail, occurred_at)"
        " SELECT learner_id, milestone_id, %(kind)s, %(from_status)s, %(to_status)s,"
        " %(detail)s, %(occurred_at)s FROM changed"
    ),
)


# A learner's first change on a milestone makes their row: one statement (prepared), the row's
# every column answered, in place of get_or_create() and a second, locked read (a SELECT, a
# savepoint, the INSERT, its release, a SELECT FOR UPDATE: five round trips and about a
# millisecond of the ORM's Python). ON CONFLICT DO NOTHING: a row another transaction made
# first (a double click) is no error; the statement waits for that transaction, then answers
# nothing, and the row is read locked (_locked_new_row). A row this transaction made is as
# good as locked: no other sees it until the commit, and one inserting the same row waits on
# the unique index until then.
_NEW_ROW_FIELDS = [f for f in MilestoneProgress._meta.concrete_fields if not f.primary_key]
_NEW_ROW_COLUMNS = [f'"{f.column}"' for f in _NEW_ROW_FIELDS]
# The columns of the one row a learner has on a milestone (progress_unique).
(_UNIQUE,) = [c for c in MilestoneProgress._meta.constraints if c.name == "progress_unique"]
_UNIQUE_COLUMNS = [f'"{MilestoneProgress._meta.get_field(n).column}"' for n in _UNIQUE.fields]
_NEW_ROW = PreparedQuery(
    name="roadmap_new_progress_row",
    sql=(
        f"INSERT INTO {MilestoneProgress._meta.db_table}"
        f" ({', '.join(_NEW_ROW_COLUMNS)})"
        f" VALUES ({', '.join(f'%({f.attname})s' for f in _NEW_ROW_FIELDS)})"
        f" ON CONFLICT ({', '.join(_UNIQUE_COLUMNS)}) DO NOTHING"
        f" RETURNING {model_columns(MilestoneProgress, MilestoneProgress._meta.db_table)}"
    ),
)


# A first change's row: whose it is, its status, times and updated_at are the change's own
# parameters; every other column is its field's default (_fresh_row_defaults).
_MADE_ROW_VALUES = {
    **{f.attname: f"%(default_{f.attname})s" for f in _NEW_ROW_FIELDS},
    "learner_id": "%(learner)s",
    "milestone_id": "%(milestone)s",
    "status": "%(status)s",
    "started_at": "%(made_started_at)s",
    "completed_at": "%(completed_at)s",
    "prior_learning": "%(prior_learning)s",
    "updated_at": "%(updated_at)s",
}
# A status change as one statement, in autocommit: no BEGIN, no COMMIT, no locked read before
# the write (issue 17: 5 round trips a change, 1 now beside the page's first read, and none of
# the transaction's Python). It writes only where nothing has to run after the write in the same
# transaction: for a learner without a plan (a plan is re-drawn after a change, and its lock
# comes first: _locked_progress_and_step_rows). `old` locks the learner's row if its status is
# another (under READ COMMITTED, the row's newest version: a change committed meanwhile is
# seen) and keeps its status, the event's from_status; `changed` writes it, the times by the
# rule of _status_times (COALESCE keeps a start; a NULL start when it is cleared); `made` makes
# the row of a first change (ON CONFLICT DO NOTHING: a row another transaction made first is
# left to the locked path); `event` records either. The answer: the changed or made row
# (flagged), then the learner's rows on the step as the statement found them, unlocked, for the
# step's progress bar; nothing for a learner with a plan. When it wrote nothing where a change
# was due (a plan, a row made or changed by another transaction meanwhile) the change runs in a
# transaction as before.
_STATUS_CHANGE_ALONE = PreparedQuery(
    name="roadmap_status_change_alone",
    sql=(
        "WITH gate AS MATERIALIZED (SELECT NOT EXISTS (SELECT 1"
        f" FROM {LearnerPlan._meta.db_table} l WHERE l.learner_id = %(learner)s) AS open),"
        f" old AS MATERIALIZED (SELECT p.id, p.status FROM {MilestoneProgress._meta.db_table} p,"
        " gate WHERE gate.open AND p.learner_id = %(learner)s"
        " AND p.milestone_id = %(milestone)s AND p.status <> %(status)s FOR UPDATE OF p),"
        f" changed AS (UPDATE {MilestoneProgress._meta.db_table} p SET status = %(status)s,"
        " started_at = CASE WHEN %(clear_started)s THEN NULL"
        " ELSE COALESCE(p.started_at, %(started_if_missing)s) END,"
        " completed_at = %(completed_at)s, prior_learning = %(prior_learning)s,"
        " updated_at = %(updated_at)s FROM old WHERE p.id = old.id"
        f" RETURNING {model_columns(MilestoneProgress, 'p')}, old.status AS previous),"
        f" made AS (INSERT INTO {MilestoneProgress._meta.db_table} ({', '.join(_NEW_ROW_COLUMNS)})"
        f" SELECT {', '.join(_MADE_ROW_VALUES[f.attname] for f in _NEW_ROW_FIELDS)} FROM gate"
        f" WHERE gate.open AND NOT EXISTS (SELECT 1 FROM {MilestoneProgress._meta.db_table} p"
        " WHERE p.learner_id = %(learner)s AND p.milestone_id = %(milestone)s)"
        f" ON CONFLICT ({', '.join(_UNIQUE_COLUMNS)}) DO NOTHING"
        f" RETURNING {model_columns(MilestoneProgress, MilestoneProgress._meta.db_table)}),"
        " touched AS (SELECT learner_id, milestone_id, previous FROM changed"
        " UNION ALL SELECT learner_id, milestone_id, %(fresh_status)s FROM made"
        " WHERE %(made_changed)s),"
        f" event AS (INSERT INTO {ProgressEvent._meta.db_table}"
        " (learner_id, milestone_id, kind, from_status, to_status, detail, occurred_at)"
        " SELECT learner_id, milestone_id, %(kind)s, previous, %(status)s, %(detail)s,"
        " %(occurred_at)s FROM touched)"
        " SELECT TRUE, changed.* FROM changed UNION ALL SELECT TRUE, made.*, NULL FROM made"
        f" UNION ALL SELECT FALSE, {model_columns(MilestoneProgress, 'p')}, NULL"
        f" FROM {MilestoneProgress._meta.db_table} p, gate WHERE gate.open"
        " AND p.learner_id = %(learner)s"
        f" AND p.milestone_id IN (SELECT m.id FROM {Milestone._meta.db_table} m"
        " WHERE m.step_id = %(step)s)"
    ),
)
# The status a row is made with, the from_status of a first change's event.
_FRESH_STATUS = MilestoneProgress._meta.get_field("status").get_default()
# The default columns of a made row as parameters, as _new_row_values prepares them: worked out
# once per process (a dozen fields prepared for the database were some 150 Python calls on every
# change, for the rare first one). tests/roadmap/test_status_one_statement.py holds a row made so
# to the one the transaction makes, column by column.
_held_defaults: dict | None = None


def _fresh_row_defaults() -> dict:
    global _held_defaults
    if _held_defaults is None:
        made = _new_row_values(learner=None, milestone=None)
        _held_defaults = {
            f"default_{attname}": made[attname]
            for attname, sql in _MADE_ROW_VALUES.items()
            if sql == f"%(default_{attname})s"
        }
    return _held_defaults


def _new_row_values(*, learner: User | None, milestone: Milestone | None) -> dict:
    """What the ORM's save() stores for MilestoneProgress(learner=, milestone=): each field's
    default (an auto_now or auto_now_add time, now), as the field prepares it for the
    database (a JSONField's list adapted as JSON), without making the object."""
    values = {}
    for field in _NEW_ROW_FIELDS:
        if field.attname == "learner_id":
            value = learner.pk if learner else None
        elif field.attname == "milestone_id":
            value = milestone.pk if milestone else None
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        values[field.attname] = field.get_db_prep_save(value, connection)
    return values


def _locked_new_row(*, learner: User, milestone: Milestone) -> MilestoneProgress:
    """The learner's row on a milestone they have none on yet (as the locked read found),
    made and locked until the transaction ends. On PostgreSQL one INSERT ... ON CONFLICT DO
    NOTHING RETURNING (_NEW_ROW); if another transaction made the row first, that row, read
    locked once it has committed. Elsewhere (SQLite, which locks the whole file for a write)
    the ORM's get_or_create() and a locked read."""
    if connection.vendor == "postgresql":
        made = plain_model_objects(
            MilestoneProgress,
            _NEW_ROW.fetchall(_new_row_values(learner=learner, milestone=milestone)),
        )
        if made:
            return made[0]
        # Under READ COMMITTED this statement's snapshot is new: it sees the other's row.
        return MilestoneProgress.objects.select_for_update().get(
            learner=learner, milestone=milestone
        )
    progress, _created = MilestoneProgress.objects.get_or_create(
        learner=learner, milestone=milestone
    )
    return MilestoneProgress.objects.select_for_update().get(pk=progress.pk)


def _status_write(
    *, learner: User, milestone: Milestone, progress: MilestoneProgress, previous: str, now
) -> None:
    """Store `progress`'s new status, times and prior learning (its updated_at set here, as
    save() would) and record the change, from `previous`, as an event at `now`."""
    detail = PRIOR_LEARNING if progress.prior_learning else ""
    progress.updated_at = timezone.now()
    if connection.vendor != "postgresql":
        # Elsewhere no data-modifying WITH (SQLite): the ORM's two statements.
        fields = ["status", "started_at", "completed_at", "prior_learning", "updated_at"]
        progress.save(update_fields=fields)
        _event(
            learner=learner,
            milestone=milestone,
            kind=ProgressEventKind.STATUS,
            from_status=previous,
            to_status=progress.status,
            detail=detail,
            occurred_at=now,
        )
        return
    _STATUS_WRITE.execute(
        {
            "status": progress.status,
            "started_at": progress.started_at,
            "completed_at": progress.completed_at,
            "prior_learning": progress.prior_learning,
            "updated_at": progress.updated_at,
            "progress": progress.pk,
            "kind": ProgressEventKind.STATUS.value,
            "from_status": previous,
            "to_status": progress.status,
            "detail": detail,
            "occurred_at": now,
        }
    )


def _status_times(
    status: str, now: dt.datetime
) -> tuple[dt.datetime | None, bool, dt.datetime | None]:
    """What a change to `status` at `now` does to a row's times, as (started_if_missing,
    clear_started, completed_at): work that starts (in progress, done) keeps its start or starts
    now, not started clears the start, skipped keeps it; done is completed now, any other status
    not at all. One rule for the object a transaction saves (milestone_status_set_on_step) and
    for the one statement's CASE and COALESCE (_STATUS_CHANGE_ALONE)."""
    starts = status == ProgressStatus.IN_PROGRESS or status == ProgressStatus.DONE
    return (
        now if starts else None,
        status == ProgressStatus.NOT_STARTED,
        now if status == ProgressStatus.DONE else None,
    )


def _status_change_alone(
    *, learner: User, milestone: Milestone, status: str, now: dt.datetime, prior_learning: bool
) -> StepStatusChange | None:
    """The change as one statement in autocommit (_STATUS_CHANGE_ALONE, PostgreSQL): the
    changed or made row and the learner's rows on the step; None where it must run in a
    transaction (the learner has a plan, or another transaction made or changed the row
    meanwhile), having written nothing."""
    started_if_missing, clear_started, completed_at = _status_times(status, now)
    prior_learning = prior_learning and status == ProgressStatus.DONE
    updated_at = timezone.now()
    values = {
        "learner": learner.pk,
        "milestone": milestone.pk,
        "step": milestone.step_id,
        "status": status,
        "clear_started": clear_started,
        "started_if_missing": started_if_missing,
        "completed_at": completed_at,
        "prior_learning": prior_learning,
        "updated_at": updated_at,
        "fresh_status": _FRESH_STATUS,
        # A row made with the status it is made with is no change to record.
        "made_changed": status != _FRESH_STATUS,
        "kind": ProgressEventKind.STATUS.value,
        "detail": PRIOR_LEARNING if prior_learning else "",
        "occurred_at": now,
    }
    # A first change's row: made as it would be (no start to keep), then changed.
    values["made_started_at"] = None if clear_started else started_if_missing
    values.update(_fresh_row_defaults())
    read = _STATUS_CHANGE_ALONE.fetchall(values)
    written = None
    step_rows = {}
    for (is_written, *_columns), row in zip(
        read, plain_model_objects(MilestoneProgress, read, start=1), strict=True
    ):
        if is_written:
            written = row
        else:
            step_rows[row.milestone_id] = row
    if written is None:
        found = step_rows.get(milestone.pk)
        if found is None or found.status != status:
            return None
        written = found  # the status it has: nothing to change, nothing recorded
    step_rows[milestone.pk] = written
    return StepStatusChange(progress=written, step_rows=step_rows)


def _locked_progress(
    *, learner: User, milestone: Milestone
) -> tuple[MilestoneProgress, LearnerPlan | None]:
    """The learner's progress row, created if missing and locked until the transaction ends, so
    two quick clicks are applied one after the other (and the unique constraint holds), with the
    learner's plan (None without one), locked before it. A row that exists, as it nearly always
    does, is locked as it is read: one query, not two, after the one that locks the plan."""
    progress, plan, _step_rows = _locked_progress_and_step_rows(
        learner=learner, milestone=milestone
    )
    return progress, plan


def _locked_progress_and_step_rows(
    *, learner: User, milestone: Milestone
) -> tuple[MilestoneProgress, LearnerPlan | None, dict[int, MilestoneProgress]]:
    """_locked_progress(), with the learner's rows on the milestone's step (this one too), by
    milestone id, from the same statement."""
    # The learner's plan first, if they have one: a re-plan rewrites many of their rows under
    # the plan's lock, so a writer holding one row while waiting for the plan could deadlock
    # with it. In this order, two quick changes (two tabs, two rows) queue one after the other.
    # The whole row, so a re-plan after the change needs no second read of it.
    # The objects are made without Model.__init__ (plain_model_objects: about a quarter of the
    # read's Python; a step's rows are up to a dozen objects on every change), and hold what the
    # ORM's would: the re-plan saves them (tests/roadmap/test_progress_services.py).
    values = {"learner": learner.pk, "milestone": milestone.pk, "step": milestone.step_id}
    if connection.features.has_select_for_update:
        read = _LOCKED_PLAN_ROW_AND_STEP.fetchall(values)
        plans = plain_model_objects(LearnerPlan, read)
        plan = plans[0] if plans else None
        rows = plain_model_objects(
            MilestoneProgress, read, start=len(LearnerPlan._meta.concrete_fields)
        )
    else:
        plan = LearnerPlan.objects.filter(learner=learner).first()
        rows = plain_model_objects(MilestoneProgress, _ROW_AND_STEP_UNLOCKED.fetchall(values))
    step_rows = {row.milestone_id: row for row in rows}
    progress = step_rows.get(milestone.pk)
    if progress is None:
        progress = step_rows[milestone.pk] = _locked_new_row(learner=learner, milestone=milestone)
    return progress, plan, step_rows


def _event(
    *,
    learner: User,
    milestone: Milestone,
    kind: str,
    occurred_at: dt.datetime,
    from_status: str = "",
    to_status: str = "",
    detail: str = "",
) -> ProgressEvent:
    return ProgressEvent.objects.create(
        learner=learner,
        milestone=milestone,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        detail=detail[:EVENT_DETAIL_MAX_LENGTH],
        occurred_at=occurred_at,
    )


def _replan_if_planned(
    *,
    learner: User,
    progress: MilestoneProgress,
    plan: LearnerPlan | None,
    now: dt.datetime,
    rows: dict[int, MilestoneProgress] | None = None,
) -> None:
    """Redo the learner's plan after a change, if this row is part of one (its planned_at tells
    without a query, so learners without a plan pay nothing). `plan` is the one
    `_locked_progress` locked in this transaction; `rows`, the learner's rows this transaction
    has read (by milestone id): the re-plan works on these objects, so they show its weeks."""
    if progress.planned_at is None or plan is None:
        return
    # Imported here: the plan's services build on these ones.
    from roadmap.services.plan import plan_recompute_locked

    plan_recompute_locked(learner=learner, plan=plan, now=now, rows=rows)


@dataclass(frozen=True)
class StepStatusChange:
    """A status change as a step page's row shows it: the changed row, and the learner's rows on
    the milestone's step after it (the plan's weeks included), by milestone id."""

    progress: MilestoneProgress
    step_rows: dict[int, MilestoneProgress]


def milestone_status_set(
    *,
    learner: User,
    milestone: Milestone,
    status: str,
    now: dt.datetime | None = None,
    prior_learning: bool = False,
    replan: bool = True,
) -> MilestoneProgress:
    """Move the milestone to `status` for this learner.

    started_at is set the first time work starts (in progress or done) and kept after that;
    completed_at is set on done and cleared when leaving done. Resetting to not started clears
    both, because the learner says the work has not begun. Setting the current status again
    changes nothing and records nothing. `prior_learning` marks a milestone done before joining
    ("I already have this"); leaving done clears it. The learner's plan, if they have one, is
    redone in the same transaction unless `replan` is off (a caller changing many at once
    redoes it once at the end).
    """
    return milestone_status_set_on_step(
        learner=learner,
        milestone=milestone,
        status=status,
        now=now,
        prior_learning=prior_learning,
        replan=replan,
    ).progress


def milestone_status_set_on_step(
    *,
    learner: User,
    milestone: Milestone,
    status: str,
    now: dt.datetime | None = None,
    prior_learning: bool = False,
    replan: bool = True,
) -> StepStatusChange:
    """milestone_status_set(), answering with the learner's rows on the milestone's step as
    they stand after the change: the statement that locks the row reads them too, so a step
    page's row and progress bar are re-drawn without reading them again. On PostgreSQL, for a
    learner without a plan, the change is that one statement (_status_change_alone)."""
    if status not in _STATUSES:
        raise ValidationError(
            _("“%(status)s” is not a milestone status."), params={"status": status}
        )
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        change = _status_change_alone(
            learner=learner,
            milestone=milestone,
            status=status,
            now=now,
            prior_learning=prior_learning,
        )
        if change is not None:
            return change
    return _status_change_in_transaction(
        learner=learner,
        milestone=milestone,
        status=status,
        now=now,
        prior_learning=prior_learning,
        replan=replan,
    )


def _status_change_in_transaction(
    *,
    learner: User,
    milestone: Milestone,
    status: str,
    now: dt.datetime,
    prior_learning: bool,
    replan: bool,
) -> StepStatusChange:
    """The change in a transaction: the plan and the row locked (the row made if missing), the
    write, the re-plan. Where the one statement may not write (a plan) and off PostgreSQL."""
    with transaction.atomic():
        progress, plan, step_rows = _locked_progress_and_step_rows(
            learner=learner, milestone=milestone
        )
        previous = progress.status
        if previous == status:
            return StepStatusChange(progress=progress, step_rows=step_rows)
        progress.status = status
        started_if_missing, clear_started, progress.completed_at = _status_times(status, now)
        progress.started_at = None if clear_started else progress.started_at or started_if_missing
        progress.prior_learning = prior_learning and status == ProgressStatus.DONE
        _status_write(
            learner=learner, milestone=milestone, progress=progress, previous=previous, now=now
        )
        if replan:
            _replan_if_planned(
                learner=learner, progress=progress, plan=plan, now=now, rows=step_rows
            )
    return StepStatusChange(progress=progress, step_rows=step_rows)


def milestone_target_date_set(
    *,
    learner: User,
    milestone: Milestone,
    target_date: dt.date | None,
    today: dt.date,
    now: dt.datetime | None = None,
) -> MilestoneProgress:
    """Set (or with None, clear) the date the learner aims to finish the milestone by.

    `today` is the learner's local date (see careerpath's LearnerTimezoneMiddleware): a date
    before it is refused, because a target nobody can meet is only a source of overdue nags.
    """
    if target_date is not None and target_date < today:
        raise ValidationError(
            _("The target date %(date)s is in the past. Choose today or a later date."),
            params={"date": formats.date_format(target_date)},
            code="past_target_date",
        )
    now = now or timezone.now()
    with transaction.atomic():
        progress, plan = _locked_progress(learner=learner, milestone=milestone)
        if progress.target_date == target_date:
            return progress
        progress.target_date = target_date
        progress.save(update_fields=["target_date", "updated_at"])
        _event(
            learner=learner,
            milestone=milestone,
            kind=ProgressEventKind.TARGET_DATE,
            detail=target_date.isoformat() if target_date else "",
            occurred_at=now,
        )
        # A target date is an anchor the plan keeps.
        _replan_if_planned(learner=learner, progress=progress, plan=plan, now=now)
    return progress


def milestone_notes_set(
    *, learner: User, milestone: Milestone, notes: str, now: dt.datetime | None = None
) -> MilestoneProgress:
    """Replace the learner's private notes on the milestone (an empty string clears them)."""
    notes = notes.strip()
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError(
            _("Notes can be at most %(max)d characters long (these have %(length)d)."),
            params={"max": NOTES_MAX_LENGTH, "length": len(notes)},
            code="notes_too_long",
        )
    now = now or timezone.now()
    with transaction.atomic():
        progress, _plan = _locked_progress(learner=learner, milestone=milestone)
        if progress.notes == notes:
            return progress
        progress.notes = notes
        progress.save(update_fields=["notes", "updated_at"])
        # The notes are private: the event records that they changed, never what they say.
        _event(
            learner=learner,
            milestone=milestone,
            kind=ProgressEventKind.NOTES,
            occurred_at=now,
        )
    return progress


def clean_evidence_url(url: str) -> str:
    """The evidence link, trimmed, or a ValidationError that says what is wrong with it."""
    url = url.strip()
    if not url:
        raise ValidationError(_("Enter the address of your evidence."), code="required")
    if len(url) > EVIDENCE_URL_MAX_LENGTH:
        raise ValidationError(
            _("An evidence link can be at most %(max)d characters long."),
            params={"max": EVIDENCE_URL_MAX_LENGTH},
            code="url_too_long",
        )
    try:
        http_url_validator(url)
    except ValidationError:
        raise ValidationError(
            _(
                "“%(url)s” is not a web address we can link to. An evidence link must start "
                "with http:// or https://, e.g. https://github.com/you/project."
            ),
            params={"url": url[:80]},
            code="invalid_url",
        ) from None
    return url


def milestone_evidence_add(
    *,
    learner: User,
    milestone: Milestone,
    url: str,
    label: str = "",
    now: dt.datetime | None = None,
) -> EvidenceLink:
    """Attach a link (a repository, a certificate, a write-up) to the learner's milestone."""
    url = clean_evidence_url(url)
    label = label.strip()
    if len(label) > EVIDENCE_LABEL_MAX_LENGTH:
        raise ValidationError(
            _("A label can be at most %(max)d characters long."),
            params={"max": EVIDENCE_LABEL_MAX_LENGTH},
            code="label_too_long",
        )
    now = now or timezone.now()
    with transaction.atomic():
        progress, _plan = _locked_progress(learner=learner, milestone=milestone)
        evidence = EvidenceLink.objects.create(progress=progress, url=url, label=label)
        _event(
            learner=learner,
            milestone=milestone,
            kind=ProgressEventKind.EVIDENCE,
            detail=f"{EVIDENCE_ADDED} {url}",
            occurred_at=now,
        )
    return evidence


def milestone_evidence_remove(
    *, learner: User, evidence_id: int, now: dt.datetime | None = None
) -> None:
    """Delete one of the learner's own evidence links.

    Raises EvidenceLink.DoesNotExist for an id that is not theirs, so a view answers 404 and
    nobody learns whether someone else's link exists.
    """
    now = now or timezone.now()
    with transaction.atomic():
        evidence = (
            EvidenceLink.objects.select_for_update(of=("self",))
            .select_related("progress__milestone")
            .get(pk=evidence_id, progress__learner=learner)
        )
        milestone = evidence.progress.milestone
        url = evidence.url
        evidence.delete()
        _event(
            learner=learner,
            milestone=milestone,
            kind=ProgressEventKind.EVIDENCE,
            detail=f"{EVIDENCE_REMOVED} {url}",
            occurred_at=now,
        )
