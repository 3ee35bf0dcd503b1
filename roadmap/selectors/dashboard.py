"""Reads for the roadmap's pages: the dashboard (heatmap, pace, projection), paths, steps and
milestones, each in a fixed number of queries whatever the size of the roadmap or the history.

Percent complete, overdue, due soon, next actions and streaks come from selectors.progress; this
module only arranges them for a page and adds what the dashboard alone shows.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db.models import Choices, Count, Exists, Min, OuterRef, Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from core.db import PreparedQuery
from roadmap.models import (
    CareerPath,
    Course,
    Enrollment,
    Milestone,
    MilestoneKind,
    MilestoneProgress,
    MilestoneResource,
    ProgressEvent,
    ProgressEventKind,
    ProgressStatus,
    Step,
)
from roadmap.selectors.progress import (
    LearnerOverview,
    MilestoneState,
    PathProgress,
    StepProgress,
    activity_by_local_day,
    learner_overview,
    streak_length,
)

HEATMAP_DAYS = 84  # twelve weeks
PACE_DAYS = HEATMAP_DAYS
# Below these, a projection would be a guess dressed up as a date.
PROJECTION_MIN_DONE = 3
PROJECTION_MIN_HISTORY_DAYS = 14
RECENT_EVENTS = 6
MILESTONE_HISTORY_EVENTS = 20

# Heatmap geometry, in SVG user units.
CELL = 12
PITCH = 15
LEFT = 30
TOP = 16


def learner_today(learner: User) -> dt.date:
    """The learner's own calendar date, which decides streaks, overdue and due this week."""
    return timezone.localdate(timezone=learner.zone)


def is_enrolled(*, learner: User | None, path: CareerPath) -> bool:
    if learner is None or not learner.is_authenticated:
        return False
    return Enrollment.objects.filter(learner=learner, path=path).exists()


# --- Activity heatmap ---------------------------------------------------------------------------


def heatmap_level(count: int) -> int:
    """Colour band 0-4 for a day's number of changes (fixed bands, explained in the legend)."""
    if count <= 0:
        return 0
    if count == 1:
        return 1
    if count <= 3:
        return 2
    if count <= 6:
        return 3
    return 4


@lru_cache(maxsize=2048)
def _day_text(day: dt.date, fmt: str, language: str) -> str:
    # Every learner's heatmap names the same 84 days; formatting a date through the locale
    # machinery is the costliest part of the chart, so each (day, format, language) is done once
    # per process. `language` is in the key because the active one decides the month names.
    return formats.date_format(day, fmt)


def day_text(day: dt.date, fmt: str = "DATE_FORMAT") -> str:
    """formats.date_format(day, fmt) in the active language, each day formatted once per
    process: for dates a page shows in every render (the heatmap's days and weeks)."""
    return _day_text(day, fmt, get_language())


@dataclass(frozen=True)
class HeatmapCell:
    day: dt.date
    count: int
    level: int
    x: int
    y: int

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def label(self) -> str:
        """What the cell's tooltip and screen readers say, e.g. "Monday 3 November 2026: 2
        changes" (the template's former blocktranslate, with the same message ids)."""
        day = _day_text(self.day, "l j F Y", get_language())
        return ngettext("%(day)s: %(n)s change", "%(day)s: %(n)s changes", self.count) % {
            "day": day,
            "n": self.count,
        }


@dataclass(frozen=True)
class AxisLabel:
    text: str
    x: int
    y: int


@dataclass(frozen=True)
class WeekTotal:
    start: dt.date
    end: dt.date
    count: int
    active_days: int


@dataclass
class Heatmap:
    start: dt.date
    today: dt.date
    cells: list[HeatmapCell]
    columns: int
    month_labels: list[AxisLabel]
    weekday_labels: list[AxisLabel]
    weeks: list[WeekTotal]
    streak: int
    longest_streak: int

    cell_size = CELL

    @property
    def width(self) -> int:
        return LEFT + self.columns * PITCH

    @property
    def height(self) -> int:
        return TOP + 7 * PITCH

    @property
    def days(self) -> int:
        return len(self.cells)

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells)

    @property
    def active_days(self) -> int:
        return sum(1 for c in self.cells if c.count)

    @property
    def busiest(self) -> HeatmapCell | None:
        best = max(self.cells, key=lambda c: (c.count, c.day), default=None)
        return best if best and best.count else None


def longest_streak(*, active_days: Iterable[dt.date]) -> int:
    days = sorted(set(active_days))
    best = run = 0
    previous = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == dt.timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    return best


def build_heatmap(
    *, counts: dict[dt.date, int], today: dt.date, days: int = HEATMAP_DAYS
) -> Heatmap:
    """Lay out `days` days ending today as weeks (columns, Monday first) by weekday (rows)."""
    start = today - dt.timedelta(days=days - 1)
    grid_start = start - dt.timedelta(days=start.weekday())
    cells = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        count = counts.get(day, 0)
        column = (day - grid_start).days // 7
        cells.append(
            HeatmapCell(
                day=day,
                count=count,
                level=heatmap_level(count),
                x=LEFT + column * PITCH,
                y=TOP + day.weekday() * PITCH,
            )
        )
    columns = (today - grid_start).days // 7 + 1

    month_labels = []
    firsts = [c for c in cells if c.day.day == 1]
    # The first column is named after its month too, unless a new month starts right after it.
    if not firsts or (firsts[0].x - LEFT) // PITCH >= 3:
        firsts.insert(0, cells[0])
    for cell in firsts:
        month_labels.append(AxisLabel(text=formats.date_format(cell.day, "M"), x=cell.x, y=TOP - 5))
    monday = grid_start
    weekday_labels = [
        AxisLabel(
            text=formats.date_format(monday + dt.timedelta(days=row), "D"),
            x=0,
            y=TOP + row * PITCH + CELL - 2,
        )
        for row in (0, 2, 4)
    ]

    weeks = []
    for index in range(days // 7):
        chunk = cells[index * 7 : index * 7 + 7]
        weeks.append(
            WeekTotal(
                start=chunk[0].day,
                end=chunk[-1].day,
                count=sum(c.count for c in chunk),
                active_days=sum(1 for c in chunk if c.count),
            )
        )
    active = [day for day, n in counts.items() if n and start <= day <= today]
    return Heatmap(
        start=start,
        today=today,
        cells=cells,
        columns=columns,
        month_labels=month_labels,
        weekday_labels=weekday_labels,
        weeks=weeks,
        streak=streak_length(active_days=active, today=today),
        longest_streak=longest_streak(active_days=active),
    )


def activity_heatmap(
    *, learner: User, today: dt.date, zone: zoneinfo.ZoneInfo | None = None
) -> Heatmap:
    """The last twelve weeks of the learner's changes, by local day. One query."""
    counts = activity_by_local_day(
        learner=learner, since=today - dt.timedelta(days=HEATMAP_DAYS - 1), zone=zone
    )
    return build_heatmap(counts=counts, today=today)


# --- Pace and projected finish ------------------------------------------------------------------


class ProjectionStatus:
    NO_MILESTONES = "no_milestones"
    COMPLETE = "complete"
    NOT_ENOUGH_HISTORY = "not_enough_history"
    STALLED = "stalled"
    PROJECTED = "projected"


@dataclass(frozen=True)
class Projection:
    status: str
    remaining: int
    done_recently: int = 0
    days_observed: int = 0
    per_week: float | None = None
    finish_date: dt.date | None = None

    min_done = PROJECTION_MIN_DONE
    min_weeks = PROJECTION_MIN_HISTORY_DAYS // 7

    @property
    def weeks_observed(self) -> int:
        return math.ceil(self.days_observed / 7)


def project_finish(
    *,
    overview: LearnerOverview,
    first_activity: dt.date | None,
    zone: zoneinfo.ZoneInfo,
) -> Projection:
    """When the learner will finish at their own pace: milestones done per week over the last
    twelve weeks (or since they began, if that is sooner), and the open milestones left.

    The pace counts milestones that are done now, by their completion date, so a milestone
    marked done, undone and done again counts once. No queries: the overview has the rows.
    """
    today = overview.today
    remaining = sum(1 for m in overview.milestones if not m.is_finished)
    if overview.total == 0:
        return Projection(status=ProjectionStatus.NO_MILESTONES, remaining=0)
    if remaining == 0:
        return Projection(status=ProjectionStatus.COMPLETE, remaining=0)
    since = today - dt.timedelta(days=PACE_DAYS - 1)
    done_recently = sum(
        1
        for m in overview.milestones
        if m.status == ProgressStatus.DONE
        and m.progress.completed_at is not None
        and since <= m.progress.completed_at.astimezone(zone).date() <= today
    )
    days_observed = 0
    if first_activity is not None:
        days_observed = min(PACE_DAYS, (today - max(first_activity, since)).days + 1)
    if done_recently < PROJECTION_MIN_DONE or days_observed < PROJECTION_MIN_HISTORY_DAYS:
        return Projection(
            status=ProjectionStatus.NOT_ENOUGH_HISTORY,
            remaining=remaining,
            done_recently=done_recently,
            days_observed=days_observed,
        )
    per_day = done_recently / days_observed
    return Projection(
        status=ProjectionStatus.PROJECTED,
        remaining=remaining,
        done_recently=done_recently,
        days_observed=days_observed,
        per_week=round(per_day * 7, 1),
        finish_date=today + dt.timedelta(days=math.ceil(remaining / per_day)),
    )


def first_activity_day(*, learner: User, zone: zoneinfo.ZoneInfo) -> dt.date | None:
    first = ProgressEvent.objects.filter(learner=learner).aggregate(first=Min("occurred_at"))
    return first["first"].astimezone(zone).date() if first["first"] else None


# --- History ------------------------------------------------------------------------------------


def describe_event(event: ProgressEvent) -> str:
    """One line for a history list, without the milestone (the page names it)."""
    if event.kind == ProgressEventKind.STATUS:
        return _("%(from)s → %(to)s") % {
            "from": ProgressStatus(event.from_status or ProgressStatus.NOT_STARTED).label,
            "to": ProgressStatus(event.to_status).label,
        }
    if event.kind == ProgressEventKind.TARGET_DATE:
        if not event.detail:
            return _("Target date cleared")
        try:
            date = dt.date.fromisoformat(event.detail)
        except ValueError:
            return _("Target date set")
        return _("Target date set to %(date)s") % {"date": formats.date_format(date)}
    if event.kind == ProgressEventKind.NOTES:
        return _("Notes edited")
    if event.kind == ProgressEventKind.EVIDENCE:
        action, _space, url = event.detail.partition(" ")
        if action == "removed":
            return _("Evidence removed: %(url)s") % {"url": url}
        return _("Evidence added: %(url)s") % {"url": url or event.detail}
    return event.get_kind_display()


@dataclass(frozen=True)
class HistoryEntry:
    event: ProgressEvent
    text: str


def _history(events: Iterable[ProgressEvent]) -> list[HistoryEntry]:
    return [HistoryEntry(event=e, text=describe_event(e)) for e in events]


def recent_activity(
    *, learner: User, limit: int = RECENT_EVENTS, milestones: dict[int, Milestone] | None = None
) -> list[HistoryEntry]:
    """The learner's latest changes, with their milestones' step and path loaded for links.
    One query; given `milestones` by id (step and path loaded, e.g. the overview's), the events'
    milestones come from there, and a second query reads only those it lacks (retired ones, or on
    a path the learner left). The four-table join costs more than the events themselves."""
    if milestones is None:
        events = ProgressEvent.objects.filter(learner=learner).select_related(
            "milestone__step__path"
        )[:limit]
        return _history(events)
    events = list(ProgressEvent.objects.filter(learner=learner)[:limit])
    missing = {e.milestone_id for e in events} - milestones.keys()
    if missing:
        milestones = {
            **milestones,
            **Milestone.objects.select_related("step__path").in_bulk(missing),
        }
    for event in events:
        event.milestone = milestones[event.milestone_id]
    return _history(events)


# --- Dashboard ----------------------------------------------------------------------------------


@dataclass
class Dashboard:
    today: dt.date
    overview: LearnerOverview
    heatmap: Heatmap
    projection: Projection
    next_actions: list[MilestoneState]
    recent: list[HistoryEntry]

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
    )


# --- What the rendered dashboard depends on -------------------------------------------------------


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


# --- Browsing: paths, steps, milestones ---------------------------------------------------------


@dataclass
class PathCard:
    path: CareerPath
    step_count: int
    milestone_count: int
    effort_hours: int
    progress: PathProgress | None = None

    @property
    def is_enrolled(self) -> bool:
        return self.progress is not None


def path_cards(*, learner: User | None, today: dt.date) -> list[PathCard]:
    """Published paths with their size, and the learner's progress where enrolled."""
    active = Q(steps__milestones__retired_at__isnull=True)
    paths = list(
        CareerPath.objects.published().annotate(
            step_count=Count("steps", distinct=True),
            milestone_count=Count("steps__milestones", filter=active, distinct=True),
            effort_hours=Sum("steps__milestones__effort_hours", filter=active),
        )
    )
    progress: dict[int, PathProgress] = {}
    if learner is not None and learner.is_authenticated:
        enrolled = set(
            Enrollment.objects.filter(learner=learner, path__in=paths).values_list(
                "path_id", flat=True
            )
        )
        if enrolled:
            overview = learner_overview(
                learner=learner, today=today, paths=[p for p in paths if p.pk in enrolled]
            )
            progress = {p.path.pk: p for p in overview.paths}
    return [
        PathCard(
            path=p,
            step_count=p.step_count,
            milestone_count=p.milestone_count,
            effort_hours=p.effort_hours or 0,
            progress=progress.get(p.pk),
        )
        for p in paths
    ]


def published_path(*, path_slug: str) -> CareerPath:
    try:
        return CareerPath.objects.published().get(slug=path_slug)
    except CareerPath.DoesNotExist:
        raise Http404("No such career path") from None


@dataclass
class PathPage:
    path: CareerPath
    outline: PathProgress
    is_enrolled: bool
    today: dt.date

    @property
    def effort_hours(self) -> int:
        return sum(m.milestone.effort_hours for m in self.outline.milestones)


def _outline(
    *, path: CareerPath, milestones: list[Milestone], progress: dict[int, MilestoneProgress]
) -> PathProgress:
    """Group milestones (ordered by step) into steps, in memory."""
    outline = PathProgress(path=path)
    steps: dict[int, StepProgress] = {}
    for milestone in milestones:
        step_progress = steps.get(milestone.step_id)
        if step_progress is None:
            milestone.step.path = path
            step_progress = steps[milestone.step_id] = StepProgress(step=milestone.step)
            outline.steps.append(step_progress)
        else:
            milestone.step = step_progress.step
        step_progress.milestones.append(
            MilestoneState(milestone=milestone, progress=progress.get(milestone.pk))
        )
    return outline


def path_page(*, path_slug: str, learner: User | None, today: dt.date) -> PathPage:
    """A path's steps and milestones for anyone; with the learner's status when enrolled."""
    path = published_path(path_slug=path_slug)
    enrolled = is_enrolled(learner=learner, path=path)
    if enrolled:
        outline = learner_overview(learner=learner, today=today, paths=[path]).paths[0]
    else:
        milestones = list(
            Milestone.objects.active()
            .filter(step__path=path)
            .select_related("step")
            .order_by("step__position", "step_id", "position", "id")
        )
        outline = _outline(path=path, milestones=milestones, progress={})
    return PathPage(path=path, outline=outline, is_enrolled=enrolled, today=today)


@dataclass(frozen=True)
class StatusButton:
    value: str
    css: str
    label: str


@dataclass(frozen=True)
class StepMilestone(MilestoneState):
    """A milestone as a row of its step's page shows it (and as a status change re-draws it):
    its links, labels and buttons worked out once here, in the request's language, so the row
    template only prints them (its badges come from roadmap_dashboard's tags)."""

    url: str = ""
    status_url: str = ""
    kind_text: str = ""
    effort_text: str = ""
    buttons: tuple[StatusButton, ...] = ()


# Labels depend only on the value and the active language, and the catalogues are loaded once
# per process, so each is translated once per process rather than once per row per request
# (get_FOO_display() builds a dict of every choice, translating each label, on every call).
@lru_cache(maxsize=256)
def _choice_label(choices: type[Choices], value: str, language: str) -> str:
    return str(dict(choices.choices).get(value, value))


def choice_label(choices: type[Choices], value: str) -> str:
    """What get_FOO_display() shows for `value`, in the active language."""
    return _choice_label(choices, value, get_language())


@lru_cache(maxsize=1024)
def _effort_text(hours: int, language: str) -> str:
    return ngettext("about %(hours)s hour", "about %(hours)s hours", hours) % {
        "hours": formats.localize(hours)
    }


def status_buttons(status: str) -> tuple[StatusButton, ...]:
    """The status changes offered from `status`, in their order: the one source for a step
    page's rows and for status_controls.html (the milestone page's card)."""
    return _status_buttons(status, get_language())


@lru_cache(maxsize=64)
def _status_buttons(status: str, language: str) -> tuple[StatusButton, ...]:
    buttons = []
    if status != ProgressStatus.IN_PROGRESS:
        label = _("Start") if status == ProgressStatus.NOT_STARTED else _("Mark in progress")
        buttons.append(StatusButton(ProgressStatus.IN_PROGRESS.value, "small secondary", label))
    if status != ProgressStatus.DONE:
        buttons.append(StatusButton(ProgressStatus.DONE.value, "small", _("Mark done")))
    if status in (ProgressStatus.NOT_STARTED, ProgressStatus.IN_PROGRESS):
        buttons.append(StatusButton(ProgressStatus.SKIPPED.value, "small secondary", _("Skip")))
    if status != ProgressStatus.NOT_STARTED:
        buttons.append(
            StatusButton(ProgressStatus.NOT_STARTED.value, "small link-button", _("Reset"))
        )
    return tuple(buttons)


@dataclass
class StepPage:
    path: CareerPath
    step: Step
    progress: StepProgress
    courses: list[Course]
    steps: list[Step]
    is_enrolled: bool
    today: dt.date

    @property
    def previous_step(self) -> Step | None:
        index = self.steps.index(self.step)
        return self.steps[index - 1] if index > 0 else None

    @property
    def next_step(self) -> Step | None:
        index = self.steps.index(self.step)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    @property
    def number(self) -> int:
        return self.steps.index(self.step) + 1


def _milestone_url_maker(step: Step, name: str):
    """A function of a milestone's slug giving the address `name` has for it in `step`: one
    reverse() per step rather than one per milestone. Slugs need no quoting in a path."""
    marker = "milestone-slug-marker"
    address = reverse(
        name,
        kwargs={"path_slug": step.path.slug, "step_slug": step.slug, "milestone_slug": marker},
    )
    before, after = address.split(marker)
    return lambda slug: f"{before}{slug}{after}"


def step_progress(*, learner: User | None, step: Step) -> StepProgress:
    """A step's active milestones with the learner's progress (none for a visitor), as rows
    (StepMilestone). Two queries; `step.path` should be loaded, as the rows' links need it."""
    milestones = list(step.milestones.active().order_by("position", "id"))
    progress: dict[int, MilestoneProgress] = {}
    signed_in = learner is not None and learner.is_authenticated
    if signed_in and milestones:
        progress = {
            p.milestone_id: p
            for p in MilestoneProgress.objects.filter(
                learner=learner, milestone__in=[m.pk for m in milestones]
            )
        }
    language = get_language()
    detail_url = _milestone_url_maker(step, "roadmap:milestone_detail")
    status_url = _milestone_url_maker(step, "roadmap:milestone_status")
    rows = []
    for milestone in milestones:
        milestone.step = step
        row_progress = progress.get(milestone.pk)
        status = row_progress.status if row_progress else ProgressStatus.NOT_STARTED
        rows.append(
            StepMilestone(
                milestone=milestone,
                progress=row_progress,
                url=detail_url(milestone.slug),
                status_url=status_url(milestone.slug),
                kind_text=_choice_label(MilestoneKind, milestone.kind, language),
                effort_text=_effort_text(milestone.effort_hours, language),
                buttons=_status_buttons(status, language),
            )
        )
    return StepProgress(step=step, milestones=rows)


def step_page(*, path_slug: str, step_slug: str, learner: User | None, today: dt.date) -> StepPage:
    """One step: its milestones (with the learner's status), its courses and the path's other
    steps for navigation. Four queries at most: the path's steps with the path and whether the
    learner is enrolled, the step's milestones, the learner's progress on them, the courses."""
    steps_query = (
        Step.objects.filter(path__slug=path_slug, path__is_published=True)
        .select_related("path")
        .order_by("position", "id")
    )
    signed_in = learner is not None and learner.is_authenticated
    if signed_in:
        steps_query = steps_query.annotate(
            enrolled=Exists(Enrollment.objects.filter(learner=learner, path=OuterRef("path_id")))
        )
    steps = list(steps_query)
    step = next((s for s in steps if s.slug == step_slug), None)
    if step is None:
        # A published path has no step without steps; say which of the two is missing.
        if not steps and not CareerPath.objects.published().filter(slug=path_slug).exists():
            raise Http404("No such career path")
        raise Http404("No such step")
    path = step.path
    for s in steps:
        s.path = path
    enrolled = signed_in and step.enrolled
    progress = step_progress(learner=learner if enrolled else None, step=step)
    courses = list(step.courses.order_by("title"))
    return StepPage(
        path=path,
        step=step,
        progress=progress,
        courses=courses,
        steps=steps,
        is_enrolled=enrolled,
        today=today,
    )


@dataclass
class MilestonePage:
    milestone: Milestone
    resources: list[MilestoneResource]
    state: MilestoneState
    history: list[HistoryEntry]
    siblings: list[Milestone]
    is_enrolled: bool
    today: dt.date
    evidence: list = field(default_factory=list)

    @property
    def step(self) -> Step:
        return self.milestone.step

    @property
    def path(self) -> CareerPath:
        return self.milestone.step.path

    @property
    def previous(self) -> Milestone | None:
        index = self._index
        return self.siblings[index - 1] if index > 0 else None

    @property
    def next(self) -> Milestone | None:
        index = self._index
        return self.siblings[index + 1] if index + 1 < len(self.siblings) else None

    @property
    def _index(self) -> int:
        return next(i for i, m in enumerate(self.siblings) if m.pk == self.milestone.pk)

    @property
    def number(self) -> int:
        return self._index + 1


def _milestones_by_slugs(*, path_slug: str, step_slug: str, milestone_slug: str):
    """The active milestone of a published path named by these slugs (none or one), with its
    step and path."""
    return (
        Milestone.objects.active()
        .select_related("step__path")
        .filter(
            slug=milestone_slug,
            step__slug=step_slug,
            step__path__slug=path_slug,
            step__path__is_published=True,
        )
    )


def published_milestone(*, path_slug: str, step_slug: str, milestone_slug: str) -> Milestone:
    """An active milestone of a published path, by its slugs, or 404."""
    milestones = _milestones_by_slugs(
        path_slug=path_slug, step_slug=step_slug, milestone_slug=milestone_slug
    )
    try:
        return milestones.get()
    except Milestone.DoesNotExist:
        raise Http404("No such milestone") from None


def enrolled_milestone(
    *, learner: User, path_slug: str, step_slug: str, milestone_slug: str
) -> Milestone:
    """An active milestone of a published path the learner is enrolled in, by its slugs, or 404
    (the same for a path they have not joined, so nobody changes progress there). One query:
    every progress change starts here."""
    enrolled = Exists(Enrollment.objects.filter(learner=learner, path=OuterRef("step__path_id")))
    milestones = _milestones_by_slugs(
        path_slug=path_slug, step_slug=step_slug, milestone_slug=milestone_slug
    )
    try:
        return milestones.filter(enrolled).get()
    except Milestone.DoesNotExist:
        raise Http404("No such milestone, or not enrolled in its path") from None


def milestone_state(*, learner: User | None, milestone: Milestone) -> MilestoneState:
    """The learner's state on one milestone, with its evidence. Two queries when a row exists."""
    progress = None
    if learner is not None and learner.is_authenticated:
        progress = (
            MilestoneProgress.objects.filter(learner=learner, milestone=milestone)
            .prefetch_related("evidence")
            .first()
        )
    return MilestoneState(milestone=milestone, progress=progress)


def milestone_page(
    *,
    path_slug: str,
    step_slug: str,
    milestone_slug: str,
    learner: User | None,
    today: dt.date,
) -> MilestonePage:
    """Why, how and resources for anyone; the learner's status, dates, notes, evidence and
    history when enrolled. Seven queries at most, however many resources or events there are."""
    milestone = published_milestone(
        path_slug=path_slug, step_slug=step_slug, milestone_slug=milestone_slug
    )
    resources = list(milestone.resources.select_related("course").order_by("position", "id"))
    siblings = list(
        Milestone.objects.active()
        .filter(step_id=milestone.step_id)
        .order_by("position", "id")
        .only("id", "slug", "title", "step_id")
    )
    for sibling in siblings:
        sibling.step = milestone.step
    enrolled = is_enrolled(learner=learner, path=milestone.step.path)
    state = milestone_state(learner=learner if enrolled else None, milestone=milestone)
    history: list[HistoryEntry] = []
    if enrolled:
        history = _history(
            ProgressEvent.objects.filter(learner=learner, milestone=milestone)[
                :MILESTONE_HISTORY_EVENTS
            ]
        )
    return MilestonePage(
        milestone=milestone,
        resources=resources,
        state=state,
        history=history,
        siblings=siblings,
        is_enrolled=enrolled,
        today=today,
        evidence=list(state.progress.evidence.all()) if state.progress else [],
    )
