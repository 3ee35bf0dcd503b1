"""The dashboard page, and the stamp of what it shows (its cache key)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import User
from core.db import PreparedQuery
from roadmap.models import (
    CareerPath,
    Enrollment,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
)
from roadmap.presenters.activity import (
    Heatmap,
    HistoryEntry,
    Projection,
    activity_heatmap,
    project_finish,
    recent_activity,
)
from roadmap.presenters.path_map import PathMap, path_map
from roadmap.selectors.paths import first_activity_day, learner_today
from roadmap.selectors.progress import (
    LearnerOverview,
    MilestoneState,
    PathProgress,
    learner_overview,
)


@dataclass
class Dashboard:
    today: dt.date
    overview: LearnerOverview
    heatmap: Heatmap
    projection: Projection
    next_actions: list[MilestoneState]
    recent: list[HistoryEntry]
    maps: list[PathMap] = field(default_factory=list)  # one per path, in overview.paths' order

    @property
    def path_sections(self) -> list[tuple[PathProgress, PathMap]]:
        return list(zip(self.overview.paths, self.maps, strict=True))

    @property
    def is_enrolled(self) -> bool:
        return bool(self.overview.paths)

    @property
    def in_progress(self) -> int:
        return sum(1 for m in self.overview.milestones if m.status == ProgressStatus.IN_PROGRESS)


def learner_dashboard(
    *, learner: User, today: dt.date | None = None, stamp: DashboardStamp | None = None
) -> Dashboard:
    """Everything the dashboard shows. Six queries whatever the number of paths, milestones and
    events: enrolments, milestones, progress, activity by day, first activity, recent events;
    five when the page's `stamp` already read the first activity. One more when a recent event
    is on a milestone the overview does not show (retired, or on a path the learner left)."""
    zone = learner.zone
    today = today or learner_today(learner)
    overview = learner_overview(learner=learner, today=today)
    heatmap = activity_heatmap(learner=learner, today=today, zone=zone)
    if stamp is not None:
        first = stamp.first_activity_at.astimezone(zone).date() if stamp.first_activity_at else None
    else:
        first = first_activity_day(learner=learner, zone=zone)
    projection = project_finish(overview=overview, first_activity=first, zone=zone)
    return Dashboard(
        today=today,
        overview=overview,
        heatmap=heatmap,
        projection=projection,
        next_actions=overview.next_actions(3),
        recent=recent_activity(
            learner=learner, milestones={m.milestone.pk: m.milestone for m in overview.milestones}
        ),
        maps=[path_map(outline=p, today=today) for p in overview.paths],
    )


def dashboard_cache_seconds() -> int:
    """How long a rendered dashboard is reused while its stamp is unchanged (settings'
    DASHBOARD_CACHE_SECONDS). The stamp covers the learner's own changes at once; this bounds how
    long an admin's edit of a milestone's title, which no learner-side row records, can take to
    show."""
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", 300)


@dataclass(frozen=True)
class DashboardStamp:
    """A fingerprint of everything the dashboard shows, read in one query: any change to the
    learner's progress, events, enrolments or enrolled paths, or a new local day, gives a new
    key. The first activity comes along, so a page that has to be rendered reads it once."""

    key: str
    first_activity_at: dt.datetime | None


def _stamp_sql() -> str:
    # Plain SQL, built once: through the ORM the same statement costs more to compile than the
    # cached page it guards costs to serve. Three one-row aggregates, each on an index of the
    # learner's rows; events are append-only, so their count and latest time show a new one.
    event = ProgressEvent._meta.db_table
    progress = MilestoneProgress._meta.db_table
    enrolment = Enrollment._meta.db_table
    path = CareerPath._meta.db_table
    return (
        "SELECT * FROM"
        f" (SELECT MIN(occurred_at), MAX(occurred_at), COUNT(*) FROM {event}"
        "  WHERE learner_id = %(id)s) events,"
        f" (SELECT COUNT(*), MAX(updated_at) FROM {progress} WHERE learner_id = %(id)s) progress,"
        f" (SELECT COUNT(*), MAX(e.id), MAX(p.updated_at) FROM {enrolment} e"
        f"  JOIN {path} p ON p.id = e.path_id WHERE e.learner_id = %(id)s) enrolments"
    )


# Prepared on PostgreSQL: planning this statement costs the server twice what running it does.
STAMP_QUERY = PreparedQuery(name="careerpath_dashboard_stamp", sql=_stamp_sql())


def dashboard_stamp(*, learner: User, today: dt.date) -> DashboardStamp:
    row = STAMP_QUERY.fetchone({"id": learner.pk})
    first_event_at = row[0]
    if isinstance(first_event_at, str):  # SQLite hands back the stored text
        first_event_at = dt.datetime.fromisoformat(first_event_at)
    if first_event_at is not None and timezone.is_naive(first_event_at):
        first_event_at = first_event_at.replace(tzinfo=dt.UTC)
    parts = [learner.pk, get_language(), learner.timezone, today.isoformat(), *row]
    return DashboardStamp(key=":".join(str(p) for p in parts), first_activity_at=first_event_at)
