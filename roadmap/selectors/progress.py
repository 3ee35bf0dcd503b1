"""A learner's standing on their enrolled paths, computed from a fixed number of queries.

The one place that defines percent complete, overdue, due soon, next actions and the streak:
the dashboard, the step pages and the reminder digest all read them from here.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection, models

from core.db import PreparedQuery
from core.numbers import whole_percent
from roadmap.models import (
    CareerPath,
    ContentVersion,
    Enrollment,
    Milestone,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
    Step,
)
from roadmap.selectors import content_snapshot
from roadmap.selectors.rows import model_columns, model_objects, plain_model_objects

__all__ = [
    "DUE_SOON_DAYS",
    "MilestoneState",
    "StepProgress",
    "PathProgress",
    "LearnerOverview",
    "DashboardReads",
    "percent_complete",
    "learner_overview",
    "learner_enrolled_paths",
    "dashboard_reads",
    "dashboard_overview",
    "activity_by_local_day",
    "learner_events",
    "learner_step_progress",
    "milestone_events",
    "streak_length",
]

DUE_SOON_DAYS = 7
FINISHED = frozenset({ProgressStatus.DONE, ProgressStatus.SKIPPED})


def percent_complete(*, total: int, done: int, skipped: int) -> int:
    """Whole percent of the milestones the learner means to do, by the site's one rounding rule
    (core.numbers.whole_percent). Skipped ones leave the count, so skipping the last open
    milestone finishes the path (100%), and an empty path is 0%."""
    counted = total - skipped
    if total == 0:
        return 0
    if counted <= 0:
        return 100
    return whole_percent(done, counted)


@dataclass(frozen=True)
class MilestoneState:
    milestone: Milestone
    progress: MilestoneProgress | None

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else ProgressStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        return ProgressStatus(self.status).label

    @property
    def target_date(self) -> dt.date | None:
        return self.progress.target_date if self.progress else None

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def is_overdue(self, today: dt.date) -> bool:
        return not self.is_finished and self.target_date is not None and self.target_date < today

    def is_due_soon(self, today: dt.date, days: int = DUE_SOON_DAYS) -> bool:
        target = self.target_date
        return (
            not self.is_finished
            and target is not None
            and today <= target <= today + dt.timedelta(days=days)
        )


@dataclass
class StepProgress:
    step: Step
    milestones: list[MilestoneState] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.milestones)

    @cached_property
    def _status_counts(self) -> dict[str, int]:
        # Read many times per page and per digest, computed once. A StepProgress is built whole
        # (milestones appended) before anything reads its counts. Each row read once, into a
        # plain dict: a Counter's constructor and MilestoneState.status cost the dashboard
        # rendered afresh more than the counting (its six steps).
        counts: dict[str, int] = {}
        for state in self.milestones:
            progress = state.progress
            status = progress.status if progress is not None else ProgressStatus.NOT_STARTED
            counts[status] = counts.get(status, 0) + 1
        return counts

    # Each count read from the counts itself, not through a helper: a call less each time (the
    # dashboard rendered afresh reads them some 30 times).
    @property
    def done(self) -> int:
        return self._status_counts.get(ProgressStatus.DONE, 0)

    @property
    def skipped(self) -> int:
        return self._status_counts.get(ProgressStatus.SKIPPED, 0)

    @property
    def in_progress(self) -> int:
        return self._status_counts.get(ProgressStatus.IN_PROGRESS, 0)

    @property
    def percent(self) -> int:
        return percent_complete(total=self.total, done=self.done, skipped=self.skipped)


@dataclass
class PathProgress:
    path: CareerPath
    steps: list[StepProgress] = field(default_factory=list)

    @property
    def milestones(self) -> list[MilestoneState]:
        return [m for s in self.steps for m in s.milestones]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.steps)

    @property
    def done(self) -> int:
        return sum(s.done for s in self.steps)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.steps)

    @property
    def percent(self) -> int:
        return percent_complete(total=self.total, done=self.done, skipped=self.skipped)

    @property
    def is_complete(self) -> bool:
        return self.total > 0 and all(m.is_finished for m in self.milestones)


@dataclass
class LearnerOverview:
    """Everything about a learner's progress that a page or an email summarises."""

    today: dt.date
    paths: list[PathProgress]

    @property
    def milestones(self) -> list[MilestoneState]:
        return [m for p in self.paths for m in p.milestones]

    @property
    def total(self) -> int:
        return sum(p.total for p in self.paths)

    @property
    def done(self) -> int:
        return sum(p.done for p in self.paths)

    @property
    def skipped(self) -> int:
        return sum(p.skipped for p in self.paths)

    @property
    def percent(self) -> int:
        return percent_complete(total=self.total, done=self.done, skipped=self.skipped)

    @property
    def is_complete(self) -> bool:
        return bool(self.paths) and all(p.is_complete for p in self.paths)

    @property
    def overdue(self) -> list[MilestoneState]:
        found = [m for m in self.milestones if m.is_overdue(self.today)]
        return sorted(found, key=lambda m: m.target_date)

    @property
    def due_soon(self) -> list[MilestoneState]:
        found = [m for m in self.milestones if m.is_due_soon(self.today)]
        return sorted(found, key=lambda m: m.target_date)

    def next_actions(self, limit: int = 3) -> list[MilestoneState]:
        """What to do next: work already started, then the earliest target date, then the
        roadmap's own order. Each milestone's row is read once for its key (the dashboard asks
        after every change, once for the page and once per path for its map's position)."""
        keyed = []
        number = 0
        for path in self.paths:
            for step in path.steps:
                for state in step.milestones:
                    number += 1
                    progress = state.progress
                    if progress is None:  # not started, no target date
                        keyed.append(((True, True, dt.date.max, number), state))
                        continue
                    if progress.status in FINISHED:
                        continue
                    target = progress.target_date
                    started = progress.status == ProgressStatus.IN_PROGRESS
                    keyed.append(
                        ((not started, target is None, target or dt.date.max, number), state)
                    )
        # The keys are unique (the roadmap's order comes last): the states are never compared.
        return [state for _key, state in heapq.nsmallest(limit, keyed)]


def learner_enrolled_paths(*, learner) -> list[CareerPath]:
    return [
        e.path
        for e in Enrollment.objects.filter(learner=learner)
        .select_related("path")
        .order_by("enrolled_at", "id")
    ]


def learner_overview(
    *, learner, today: dt.date, paths: Iterable[CareerPath] | None = None
) -> LearnerOverview:
    """The learner's progress on `paths` (default: every path they are enrolled in).

    Three queries whatever the size of the roadmap: enrolments, milestones, progress rows. On
    every enrolled path, two while the roadmap's content snapshot is in use: the enrolments (with
    the content version), the progress rows; paths, steps and milestones are the snapshot's.
    """
    if paths is None:
        published = content_snapshot.enrolled_published_paths(learner=learner)
        if published is not None:
            progress = _learner_progress(learner) if published else []
            return _overview_of_published(today=today, published=published, progress=progress)
    return _overview_from_database(learner=learner, today=today, paths=paths)


def _overview_from_database(
    *, learner, today: dt.date, paths: Iterable[CareerPath] | None
) -> LearnerOverview:
    every_path = paths is None
    paths = list(paths) if paths is not None else learner_enrolled_paths(learner=learner)
    if not paths:
        return LearnerOverview(today=today, paths=[])
    milestones = list(
        Milestone.objects.active()
        .filter(step__path__in=paths)
        .select_related("step")
        .order_by("step__path_id", "step__position", "step_id", "position", "id")
    )
    rows = MilestoneProgress.objects.filter(learner=learner)
    if not every_path:
        rows = rows.filter(milestone__in=[m.pk for m in milestones])
    # On every enrolled path (the dashboard), the learner's rows are read whole: the few on
    # paths they left or milestones since retired are simply not looked up, and the statement
    # is not built with one parameter per milestone (a third of the query's cost).
    progress_by_milestone = {p.milestone_id: p for p in rows}
    by_path: dict[int, PathProgress] = {p.pk: PathProgress(path=p) for p in paths}
    steps: dict[int, StepProgress] = {}
    for milestone in milestones:
        step_progress = steps.get(milestone.step_id)
        if step_progress is None:
            path_progress = by_path[milestone.step.path_id]
            # The path is already loaded: sharing it lets milestone.get_absolute_url() build
            # links without a query per milestone.
            milestone.step.path = path_progress.path
            step_progress = steps[milestone.step_id] = StepProgress(step=milestone.step)
            path_progress.steps.append(step_progress)
        else:
            milestone.step = step_progress.step
        step_progress.milestones.append(
            MilestoneState(milestone=milestone, progress=progress_by_milestone.get(milestone.pk))
        )
    return LearnerOverview(today=today, paths=list(by_path.values()))


# Prepared statements (roadmap/selectors/rows.py) for the reads of every dashboard and milestone
# page: the learner's progress rows, and their latest events in ProgressEvent's own order.
_LEARNER_PROGRESS = PreparedQuery(
    name="roadmap_learner_progress",
    sql=(
        f"SELECT {model_columns(MilestoneProgress, 'p', json_as_text=True)}"
        f" FROM {MilestoneProgress._meta.db_table} p WHERE p.learner_id = %(learner)s"
    ),
)
_STEP_PROGRESS = PreparedQuery(
    name="roadmap_learner_step_progress",
    sql=(
        f"SELECT {model_columns(MilestoneProgress, 'p', json_as_text=True)}"
        f" FROM {MilestoneProgress._meta.db_table} p WHERE p.learner_id = %(learner)s"
        f" AND p.milestone_id IN (SELECT m.id FROM {Milestone._meta.db_table} m"
        " WHERE m.step_id = %(step)s)"
    ),
)
_EVENT_FIELDS = ProgressEvent._meta.concrete_fields
_EVENTS = f"SELECT {model_columns(ProgressEvent, 'e')} FROM {ProgressEvent._meta.db_table} e"
_EVENTS_ORDER = " ORDER BY e.occurred_at DESC, e.id DESC LIMIT %(limit)s"
_LEARNER_EVENTS = PreparedQuery(
    name="roadmap_learner_events",
    sql=f"{_EVENTS} WHERE e.learner_id = %(learner)s{_EVENTS_ORDER}",
)
_MILESTONE_EVENTS = PreparedQuery(
    name="roadmap_milestone_events",
    sql=f"{_EVENTS} WHERE e.learner_id = %(learner)s AND e.milestone_id = %(milestone)s"
    f"{_EVENTS_ORDER}",
)


def learner_step_progress(*, learner, step: Step) -> dict[int, MilestoneProgress]:
    """The learner's progress rows on the step's milestones (retired ones too: a caller looks
    up only those it shows), by milestone id. One query."""
    rows = _STEP_PROGRESS.fetchall({"learner": learner.pk, "step": step.pk})
    return {p.milestone_id: p for p in model_objects(MilestoneProgress, rows)}


def learner_events(*, learner, limit: int) -> list[ProgressEvent]:
    """The learner's latest `limit` progress events, newest first. One query."""
    return plain_model_objects(
        ProgressEvent, _LEARNER_EVENTS.fetchall({"learner": learner.pk, "limit": limit})
    )


def milestone_events(*, learner, milestone: Milestone, limit: int) -> list[ProgressEvent]:
    """The learner's latest `limit` progress events on one milestone, newest first. One
    query."""
    rows = _MILESTONE_EVENTS.fetchall(
        {"learner": learner.pk, "milestone": milestone.pk, "limit": limit}
    )
    return model_objects(ProgressEvent, rows)


def _learner_progress(learner) -> list[MilestoneProgress]:
    return plain_model_objects(
        MilestoneProgress, _LEARNER_PROGRESS.fetchall({"learner": learner.pk})
    )


def _overview_of_published(
    *,
    today: dt.date,
    published: list[content_snapshot.PublishedPath],
    progress: list[MilestoneProgress],
) -> LearnerOverview:
    """learner_overview() on every enrolled path, all of them published, from the content
    snapshot and the learner's `progress` rows (all of them): the same paths, steps (those with
    active milestones) and milestones in the same order; the objects are the snapshot's own,
    shared, so nothing here sets their relations."""
    if not published:
        return LearnerOverview(today=today, paths=[])
    # A foreign key's id is a data descriptor (ForeignKeyDeferredAttribute): read through it,
    # each row costs a Python call. The rows are whole (every concrete field loaded, as
    # dashboard_reads and _learner_progress make them), so the value is in their __dict__.
    progress_by_milestone = {p.__dict__["milestone_id"]: p for p in progress}
    overview_paths = []
    for content in published:
        path_progress = PathProgress(path=content.path)
        for step in content.steps:
            milestones = content.milestones.get(step.id, ())  # .id: Model.pk is a property
            if not milestones:
                continue
            path_progress.steps.append(
                StepProgress(
                    step=step,
                    milestones=[
                        # m.id: Model.pk is a property that looks the field up each time
                        MilestoneState(milestone=m, progress=progress_by_milestone.get(m.id))
                        for m in milestones
                    ],
                )
            )
        overview_paths.append(path_progress)
    return LearnerOverview(today=today, paths=overview_paths)


# The heatmap's counts by local day, as a prepared statement: how a time becomes a date in a
# time zone is the database backend's own SQL (and parameters), so the statement is built once per
# kind of database from it, numbering its parameters.
_activity_queries: dict[str, PreparedQuery] = {}


def _local_day_sql() -> str:
    """The SQL of an event's local date, its zone parameters named zone0, zone1 ..."""
    day, params = connection.ops.datetime_cast_date_sql('e."occurred_at"', (), "UTC")
    numbers = iter(range(len(params)))
    return re.sub("%s", lambda _match: f"%(zone{next(numbers)})s", day)


_ACTIVITY_BY_DAY = (
    f" FROM {ProgressEvent._meta.db_table} e"
    " WHERE e.learner_id = %(learner)s AND e.occurred_at >= %(start)s GROUP BY 1"
)


def _activity_query() -> PreparedQuery:
    query = _activity_queries.get(connection.vendor)
    if query is None:
        query = _activity_queries[connection.vendor] = PreparedQuery(
            name="roadmap_activity_by_local_day",
            sql=f"SELECT {_local_day_sql()}, COUNT(*){_ACTIVITY_BY_DAY}",
        )
    return query


def _activity_values(*, learner, since: dt.date, zone: zoneinfo.ZoneInfo) -> dict[str, object]:
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    _day, zone_params = connection.ops.datetime_cast_date_sql("", (), str(zone))
    values = {f"zone{n}": value for n, value in enumerate(zone_params)}
    values.update(learner=learner.pk, start=connection.ops.adapt_datetimefield_value(start))
    return values


def _local_day(day: dt.date | str) -> dt.date:
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(day)  # SQLite: text


def activity_by_local_day(
    *, learner, since: dt.date, zone: zoneinfo.ZoneInfo | None = None
) -> dict[dt.date, int]:
    """Number of progress events per day in the learner's timezone, from `since` on. One query;
    the database groups by local day, so at most one row per day comes back."""
    zone = zone or zoneinfo.ZoneInfo(learner.timezone)
    rows = _activity_query().fetchall(_activity_values(learner=learner, since=since, zone=zone))
    return {_local_day(d): n for d, n in rows}


# What the dashboard reads of the learner's own rows after every change, in one statement
# (two round trips, and two statements of the server's, fewer than the reads it stands for):
#   part 0: the enrolments, in the order they joined, each with the content version, as
#           content_snapshot.enrolled_published_paths reads them;
#   part 1: the progress rows, as _LEARNER_PROGRESS reads them;
#   part 2: the latest events, as _LEARNER_EVENTS reads them;
#   part 3: the counts by local day, as _activity_query() reads them.
# Each row is led by its part, then the enrolment's path, the version, its order (joined at,
# id), the day and its count; the progress row's and the event's columns follow, NULL in the
# other parts. The statement orders the rows itself (a union keeps no order). Built once per
# kind of database, as _activity_query(). tests/roadmap/test_dashboard_reads.py compares each
# part with the read it replaces.
_PROGRESS_FIELDS = MilestoneProgress._meta.concrete_fields
_LEAD = 7  # part, path, version, joined at, enrolment id, day, count
_DAY_AND_COUNT = (models.DateField(), models.BigIntegerField())
_dashboard_queries: dict[str, PreparedQuery] = {}


def _nulls(count: int) -> str:
    return ", ".join(["NULL"] * count)


def _typed_nulls(fields) -> str:
    # The first part's NULLs carry their column's type: PostgreSQL settles a union's column types
    # two parts at a time, and two bare NULLs would make the column text.
    return ", ".join(f"CAST(NULL AS {_column_type(f)})" for f in fields)


def _column_type(field) -> str:
    # A JSON column comes as its text (model_columns' json_as_text), as psycopg2 hands it to
    # Django anyway (Django's JSONField parses it: its jsonb loader is the identity), but through
    # the driver's own text decoding in C: a jsonb column goes through a Python typecaster on
    # every row of the statement, NULL or not (some 60 a dashboard, and their UTF-8 decoding in
    # Python). The first part's NULLs so typed keep the union's column text.
    if connection.vendor == "postgresql" and isinstance(field, models.JSONField):
        return "text"
    return field.cast_db_type(connection)


def _dashboard_query() -> PreparedQuery:
    query = _dashboard_queries.get(connection.vendor)
    if query is None:
        no_lead = _nulls(_LEAD - 1)
        no_progress, no_event = _nulls(len(_PROGRESS_FIELDS)), _nulls(len(_EVENT_FIELDS))
        event_at = _LEAD + len(_PROGRESS_FIELDS) + 1  # the events' first column, 1-based
        fields = [f.name for f in _EVENT_FIELDS]
        occurred_at = event_at + fields.index("occurred_at")
        event_id = event_at + fields.index("id")
        query = _dashboard_queries[connection.vendor] = PreparedQuery(
            name="roadmap_dashboard_reads",
            sql=(
                f"SELECT 0, e.path_id, (SELECT v.token FROM {ContentVersion._meta.db_table} v"
                f" WHERE v.id = 1), e.enrolled_at, e.id, {_typed_nulls(_DAY_AND_COUNT)},"
                f" {_typed_nulls(_PROGRESS_FIELDS)}, {_typed_nulls(_EVENT_FIELDS)}"
                f" FROM {Enrollment._meta.db_table} e"
                " WHERE e.learner_id = %(learner)s"
                " UNION ALL"
                f" SELECT 1, {no_lead}, {model_columns(MilestoneProgress, 'p', json_as_text=True)},"
                f" {no_event} FROM {MilestoneProgress._meta.db_table} p"
                " WHERE p.learner_id = %(learner)s"
                " UNION ALL"
                f" SELECT 2, {no_lead}, {no_progress}, r.*"
                f" FROM ({_LEARNER_EVENTS.sql}) r"
                " UNION ALL"
                f" SELECT 3, NULL, NULL, NULL, NULL, d.day, d.n, {no_progress}, {no_event}"
                f" FROM (SELECT {_local_day_sql()} AS day, COUNT(*) AS n{_ACTIVITY_BY_DAY}) d"
                f" ORDER BY 1, 4, 5, {occurred_at} DESC, {event_id} DESC"
            ),
        )
    return query


@dataclass(frozen=True)
class DashboardReads:
    """The learner's own rows as the dashboard reads them (dashboard_reads)."""

    token: int | None  # the content version (None: no token row, or no enrolment)
    path_ids: list[int]  # the paths they are enrolled in, in the order they joined
    progress: list[MilestoneProgress]  # all their progress rows
    counts: dict[dt.date, int]  # their events by local day, as activity_by_local_day()
    events: list[ProgressEvent]  # their latest events, newest first, as learner_events()


def dashboard_reads(
    *, learner, since: dt.date, zone: zoneinfo.ZoneInfo, limit: int
) -> DashboardReads:
    """The learner's enrolments with the content version, progress rows, events by local day
    from `since` and latest `limit` events. One query."""
    values = _activity_values(learner=learner, since=since, zone=zone)
    values["limit"] = limit
    token, path_ids, counts = None, [], {}
    progress_rows, event_rows = [], []
    for row in _dashboard_query().fetchall(values):
        part = row[0]
        if part == 0:
            path_ids.append(row[1])
            token = row[2]
        elif part == 1:
            progress_rows.append(row)
        elif part == 2:
            event_rows.append(row)
        else:
            day = row[5]  # a date on PostgreSQL: _local_day only for SQLite's text
            counts[day if type(day) is dt.date else _local_day(day)] = row[6]
    return DashboardReads(
        token=token,
        path_ids=path_ids,
        progress=plain_model_objects(MilestoneProgress, progress_rows, start=_LEAD),
        counts=counts,
        events=plain_model_objects(ProgressEvent, event_rows, start=_LEAD + len(_PROGRESS_FIELDS)),
    )


def dashboard_overview(*, learner, today: dt.date, reads: DashboardReads) -> LearnerOverview:
    """learner_overview() on every enrolled path, from what dashboard_reads() read: no query
    while the roadmap's content snapshot is in use and the paths are published; otherwise the
    database's, as learner_overview() reads it."""
    if content_snapshot.snapshot_enabled():
        published = content_snapshot.published_paths(token=reads.token, path_ids=reads.path_ids)
        if published is not None:
            return _overview_of_published(today=today, published=published, progress=reads.progress)
    return _overview_from_database(learner=learner, today=today, paths=None)


def streak_length(*, active_days: Iterable[dt.date], today: dt.date) -> int:
    """Consecutive active days ending today, or yesterday (today is not over yet)."""
    days = set(active_days)
    day = today if today in days else today - dt.timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= dt.timedelta(days=1)
    return streak
