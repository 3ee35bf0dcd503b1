"""The dashboard page, and the stamp of what it shows (its cache key)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import User
from core.db import PreparedQuery
from roadmap import planning
from roadmap.models import (
    CareerPath,
    ContentVersion,
    Enrollment,
    LearnerPlan,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
)
from roadmap.presenters.activity import (
    HEATMAP_DAYS,
    RECENT_EVENTS,
    Heatmap,
    Projection,
    TimedHistoryEntry,
    build_heatmap,
    project_finish,
    recent_activity,
    timed_history,
)
from roadmap.presenters.path_map import PathMap, milestone_addresses, path_map
from roadmap.selectors.paths import learner_today
from roadmap.selectors.plan import (
    PlanSettings,
    ThisWeek,
    this_week,
)
from roadmap.selectors.progress import (
    DUE_SOON_DAYS,
    FINISHED,
    LearnerOverview,
    MilestoneState,
    PathProgress,
    dashboard_overview,
    dashboard_reads,
    percent_complete,
)


class PathFigures(NamedTuple):
    """A path's section heading: its PathProgress' done, total and percent, each of which
    walks its steps again through a property (about 30 Python calls a path, read twice)."""

    done: int
    total: int
    percent: int


@dataclass(frozen=True)
class DashboardFigures:
    """The summary's counts and target-date lists, worked out in one pass a render: the page
    prints each up to three times, and through the overview's properties every read walks all
    its paths, steps and milestones again. Equal to the overview's own (total, done, skipped,
    percent, overdue, due_soon) and to Dashboard.in_progress: tests/roadmap/
    test_dashboard_afresh.py compares them on random overviews."""

    total: int
    done: int
    skipped: int
    in_progress: int
    percent: int
    overdue: list[MilestoneState]
    due_soon: list[MilestoneState]
    paths: tuple[PathFigures, ...] = ()  # one per path, in overview.paths' order


def dashboard_figures(overview: LearnerOverview) -> DashboardFigures:
    total = done = skipped = in_progress = 0
    paths = []
    for path in overview.paths:
        path_total = path_done = path_skipped = 0
        for step in path.steps:  # each step counts its statuses once (StepProgress)
            path_total += step.total
            path_done += step.done
            path_skipped += step.skipped
            in_progress += step.in_progress
        total += path_total
        done += path_done
        skipped += path_skipped
        percent = percent_complete(total=path_total, done=path_done, skipped=path_skipped)
        paths.append(PathFigures(done=path_done, total=path_total, percent=percent))
    today = overview.today
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    overdue, due_soon = [], []
    for path in overview.paths:
        for step in path.steps:
            for state in step.milestones:
                # MilestoneState.is_overdue and is_due_soon, read off the row once
                progress = state.progress
                if progress is None or progress.target_date is None:
                    continue
                if progress.status in FINISHED:
                    continue
                if progress.target_date < today:
                    overdue.append(state)
                elif progress.target_date <= soon:
                    due_soon.append(state)
    by_target = _target_date_of
    return DashboardFigures(
        total=total,
        done=done,
        skipped=skipped,
        in_progress=in_progress,
        percent=percent_complete(total=total, done=done, skipped=skipped),
        overdue=sorted(overdue, key=by_target),
        due_soon=sorted(due_soon, key=by_target),
        paths=tuple(paths),
    )


def _target_date_of(state: MilestoneState) -> dt.date:
    return state.progress.target_date


@dataclass
class Dashboard:
    today: dt.date
    overview: LearnerOverview
    heatmap: Heatmap
    projection: Projection
    next_actions: list[MilestoneState]
    recent: list[TimedHistoryEntry]
    # The personal plan's first panel; None for a learner who has not made a plan.
    week: ThisWeek | None = None
    maps: list[PathMap] = field(default_factory=list)  # one per path, in overview.paths' order
    figures: DashboardFigures | None = None  # dashboard_figures(overview), which the page prints
    # Every milestone's address the page links, by id (the overview's and the recent changes'):
    # the page prints links[id] rather than calling get_absolute_url() for each of its links.
    links: dict[int, str] = field(default_factory=dict)

    @property
    def path_sections(self) -> list[tuple[PathProgress, PathMap, PathFigures]]:
        return list(zip(self.overview.paths, self.maps, self.figures.paths, strict=True))

    @property
    def is_enrolled(self) -> bool:
        return bool(self.overview.paths)

    @property
    def in_progress(self) -> int:
        return sum(1 for m in self.overview.milestones if m.status == ProgressStatus.IN_PROGRESS)


def learner_dashboard(
    *, learner: User, today: dt.date | None = None, stamp: DashboardStamp | None = None
) -> Dashboard:
    """Everything the dashboard shows. Two queries whatever the number of paths, milestones
    and events: the learner's rows in one statement (dashboard_reads: the enrolments with the
    content version, the progress rows, the activity by day, the recent events; the paths,
    steps and milestones are the content snapshot's, or three queries more) and the stamp
    (first activity and the plan's settings); one when the page's `stamp` is given. One more
    when a recent event is on a milestone the overview does not show (retired, or on a path the
    learner left)."""
    zone = learner.zone
    today = today or learner_today(learner)
    # The enrolments, progress rows, the heatmap's counts and the recent changes' events
    reads = dashboard_reads(
        learner=learner,
        since=today - dt.timedelta(days=HEATMAP_DAYS - 1),
        zone=zone,
        limit=RECENT_EVENTS,
    )
    overview = dashboard_overview(learner=learner, today=today, reads=reads)
    heatmap = build_heatmap(counts=reads.counts, today=today)
    # The stamp's one query brings the first activity and the plan's settings.
    stamp = stamp or dashboard_stamp(learner=learner, today=today)
    first = stamp.first_activity_at.astimezone(zone).date() if stamp.first_activity_at else None
    projection = project_finish(overview=overview, first_activity=first, zone=zone)
    plan_settings = stamp.plan
    week = (
        this_week(overview=overview, settings=plan_settings, zone=zone) if plan_settings else None
    )
    # The map marks what the plan puts in this week.
    planned = {state.milestone.id for state, _ in week.planned} if week else set()
    links = milestone_addresses(overview.paths)
    recent = timed_history(
        recent_activity(
            learner=learner,
            # .id: Model.pk is a property that looks the field up, once a milestone here
            milestones={m.milestone.id: m.milestone for m in overview.milestones},
            events=reads.events,
        )
    )
    for entry in recent:  # a change on a milestone retired since, or on a path left
        milestone = entry.event.milestone
        if milestone.id not in links:
            links[milestone.id] = milestone.get_absolute_url()
    return Dashboard(
        figures=dashboard_figures(overview),
        links=links,
        week=week,
        today=today,
        overview=overview,
        heatmap=heatmap,
        projection=projection,
        next_actions=overview.next_actions(3),
        recent=recent,
        maps=[
            path_map(outline=p, today=today, planned=planned, addresses=links)
            for p in overview.paths
        ],
    )


def dashboard_cache_seconds() -> int:
    """How long a rendered dashboard is reused while its stamp is unchanged (settings'
    DASHBOARD_CACHE_SECONDS). The stamp covers the learner's own changes and any edit of the
    roadmap's content at once; this bounds what it does not see (a change made with the content
    triggers missing, say)."""
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", 300)


@dataclass(frozen=True)
class DashboardStamp:
    """A fingerprint of everything the dashboard shows, read in one query: any change to the
    learner's progress, events, enrolments or the roadmap's content, or a new local day, gives a
    new key. The first activity comes along, so a page that has to be rendered reads it once."""

    key: str
    first_activity_at: dt.datetime | None
    plan: PlanSettings | None = None


def _stamp_sql() -> str:
    # Plain SQL, built once: through the ORM the same statement costs more to compile than the
    # cached page it guards costs to serve. Three one-row aggregates, each on an index of the
    # learner's rows; events are append-only, so their count and latest time show a new one.
    # The plan's settings come along (its one row by its unique learner), so the page needs no
    # query of its own for them, and any change of them gives a new key. So does the roadmap's
    # content version (roadmap/selectors/content_snapshot.py), which any edit of a path, step,
    # milestone or course changes: an admin's edit shows on the next view.
    event = ProgressEvent._meta.db_table
    plan = LearnerPlan._meta.db_table
    progress = MilestoneProgress._meta.db_table
    enrolment = Enrollment._meta.db_table
    path = CareerPath._meta.db_table
    content = ContentVersion._meta.db_table
    return (
        "SELECT events.*, progress.*, enrolments.*,"
        f" (SELECT token FROM {content} WHERE id = 1), lp.updated_at, lp.hours_per_week,"
        " lp.weekdays, lp.goal_kind, lp.goal_milestones, lp.created_at FROM"
        f" (SELECT MIN(occurred_at), MAX(occurred_at), COUNT(*) FROM {event}"
        "  WHERE learner_id = %(id)s) events,"
        f" (SELECT COUNT(*), MAX(updated_at) FROM {progress} WHERE learner_id = %(id)s) progress,"
        f" (SELECT COUNT(*), MAX(e.id), MAX(p.updated_at) FROM {enrolment} e"
        f"  JOIN {path} p ON p.id = e.path_id WHERE e.learner_id = %(id)s) enrolments"
        f" LEFT JOIN {plan} lp ON lp.learner_id = %(id)s"
    )


# Prepared on PostgreSQL: planning this statement costs the server twice what running it does.
STAMP_QUERY = PreparedQuery(name="careerpath_dashboard_stamp", sql=_stamp_sql())


def dashboard_stamp(*, learner: User, today: dt.date) -> DashboardStamp:
    row = STAMP_QUERY.fetchone({"id": learner.pk})
    first_event_at = row[0]
    if isinstance(first_event_at, str):  # SQLite hands back the stored text
        first_event_at = dt.datetime.fromisoformat(first_event_at)
    # timezone.is_naive(), inline: the stamp is read at every view of the page, cached or not
    if first_event_at is not None and first_event_at.utcoffset() is None:
        first_event_at = first_event_at.replace(tzinfo=dt.UTC)
    parts = [learner.pk, get_language(), learner.timezone, today.isoformat(), *row[:-5]]
    plan = None
    hours, weekdays, goal_kind, goal_milestones, created_at = row[-5:]
    if hours is not None:
        plan = PlanSettings(
            hours_per_week=hours,
            weekdays=tuple(int(d) for d in weekdays),
            goal_kind=goal_kind,
            goal_milestones=goal_milestones,
            since=planning.week_start(_aware(created_at).astimezone(learner.zone).date()),
        )
    return DashboardStamp(
        key=":".join(map(str, parts)), first_activity_at=first_event_at, plan=plan
    )


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):  # SQLite hands back the stored text
        value = dt.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
