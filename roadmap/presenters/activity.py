"""The dashboard's activity: the heatmap (SVG geometry), pace, projected finish and history."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from roadmap.models import (
    Milestone,
    ProgressEvent,
    ProgressEventKind,
    ProgressStatus,
)
from roadmap.selectors.progress import (
    FINISHED,
    LearnerOverview,
    activity_by_local_day,
    learner_events,
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


class AxisLabel(NamedTuple):
    """A month or weekday label. A named tuple (immutable, equal when every field is), not a
    frozen dataclass: the labels are part of the heatmap's frame's cache key
    (roadmap_dashboard.heatmap_head), hashed at every render, which a tuple does in C and a
    dataclass in a Python method per label."""

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

    # The cells with a change, set by build_heatmap: the summary's figures below are read off
    # these, a dozen, not off all 84 squares, where a generator or a key function cost a
    # Python call a square (about 250 a render). Not an argument, so dataclasses.replace()
    # leaves it None, and None reads every cell.
    active_cells: tuple[HeatmapCell, ...] | None = field(
        default=None, init=False, compare=False, repr=False
    )

    cell_size = CELL

    # The summary's figures are read more than once a render (the busiest day three times):
    # each is worked out once, the cells being laid out for good by build_heatmap.
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
    def _counted(self) -> tuple[HeatmapCell, ...] | list[HeatmapCell]:
        # A quiet cell counts 0: it adds nothing to the total and is never the busiest day.
        return self.cells if self.active_cells is None else self.active_cells

    @cached_property
    def total(self) -> int:
        return sum([c.count for c in self._counted])

    @cached_property
    def active_days(self) -> int:
        return sum([1 for c in self._counted if c.count])

    @cached_property
    def busiest(self) -> HeatmapCell | None:
        best = max(self._counted, key=_count_and_day, default=None)
        return best if best and best.count else None


def _count_and_day(cell: HeatmapCell) -> tuple[int, dt.date]:
    return cell.count, cell.day


def longest_streak(*, active_days: Iterable[dt.date]) -> int:
    days = sorted(set(active_days))
    best = run = 0
    previous = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == dt.timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    return best


@lru_cache(maxsize=16)
def quiet_cells(today: dt.date, days: int) -> tuple[HeatmapCell, ...]:
    # Every learner's days without a change on `today` are the same squares (the cells are
    # frozen, so they can be shared): laid out once per process and day, and a page makes
    # cells only for its active days.
    start = today - dt.timedelta(days=days - 1)
    grid_start = start - dt.timedelta(days=start.weekday())
    return tuple(
        HeatmapCell(
            day=day,
            count=0,
            level=0,
            x=LEFT + (day - grid_start).days // 7 * PITCH,
            y=TOP + day.weekday() * PITCH,
        )
        for day in (start + dt.timedelta(days=offset) for offset in range(days))
    )


@lru_cache(maxsize=64)
def _heatmap_frame(
    today: dt.date, days: int, language: str
) -> tuple[tuple[AxisLabel, ...], tuple[AxisLabel, ...], tuple[WeekTotal, ...]]:
    # What every learner's heatmap on `today` shares, whatever their activity: the month and
    # weekday labels (they name the grid's days and places) and the weeks without a change (the
    # labels and weeks are frozen, so they can be shared).
    # Worked out once per process, day and language, not once a render.
    cells = quiet_cells(today, days)
    grid_start = cells[0].day - dt.timedelta(days=cells[0].day.weekday())
    firsts = [c for c in cells if c.day.day == 1]
    # The first column is named after its month too, unless a new month starts right after it.
    if not firsts or (firsts[0].x - LEFT) // PITCH >= 3:
        firsts.insert(0, cells[0])
    month_labels = tuple(
        AxisLabel(text=_day_text(cell.day, "M", language), x=cell.x, y=TOP - 5) for cell in firsts
    )
    weekday_labels = tuple(
        AxisLabel(
            text=_day_text(grid_start + dt.timedelta(days=row), "D", language),
            x=0,
            y=TOP + row * PITCH + CELL - 2,
        )
        for row in (0, 2, 4)
    )
    quiet_weeks = tuple(
        WeekTotal(start=cells[index * 7].day, end=cells[index * 7 + 6].day, count=0, active_days=0)
        for index in range(days // 7)
    )
    return month_labels, weekday_labels, quiet_weeks


def build_heatmap(
    *, counts: dict[dt.date, int], today: dt.date, days: int = HEATMAP_DAYS
) -> Heatmap:
    """Lay out `days` days ending today as weeks (columns, Monday first) by weekday (rows).

    The quiet days, the labels and the weeks' bounds are shared per process and day
    (quiet_cells, _heatmap_frame): a render visits only the learner's active days, a dozen,
    not the 84 squares three times. tests/roadmap/test_dashboard_afresh.py compares it with the
    former build, kept there, on random activity."""
    start = today - dt.timedelta(days=days - 1)
    quiet = quiet_cells(today, days)
    month_labels, weekday_labels, quiet_weeks = _heatmap_frame(today, days, get_language())
    cells = list(quiet)
    busy_weeks: dict[int, list[int]] = {}  # by week: its count and active days
    active = []
    for day, count in counts.items():
        offset = (day - start).days
        if not count or not 0 <= offset < days:
            continue
        square = quiet[offset]
        cells[offset] = HeatmapCell(
            day=day, count=count, level=heatmap_level(count), x=square.x, y=square.y
        )
        active.append(day)
        week = busy_weeks.setdefault(offset // 7, [0, 0])
        week[0] += count
        week[1] += 1
    weeks = list(quiet_weeks)
    for index, (count, active_days) in busy_weeks.items():
        if index < len(weeks):  # days past the last whole week are in none
            quiet_week = weeks[index]
            weeks[index] = WeekTotal(
                start=quiet_week.start, end=quiet_week.end, count=count, active_days=active_days
            )
    grid_start = start - dt.timedelta(days=start.weekday())
    heatmap = Heatmap(
        start=start,
        today=today,
        cells=cells,
        columns=(today - grid_start).days // 7 + 1,
        month_labels=list(month_labels),
        weekday_labels=list(weekday_labels),
        weeks=weeks,
        streak=streak_length(active_days=active, today=today),
        longest_streak=longest_streak(active_days=active),
    )
    heatmap.active_cells = tuple([cells[(day - start).days] for day in active])
    return heatmap


def activity_heatmap(
    *, learner: User, today: dt.date, zone: zoneinfo.ZoneInfo | None = None
) -> Heatmap:
    """The last twelve weeks of the learner's changes, by local day. One query."""
    counts = activity_by_local_day(
        learner=learner, since=today - dt.timedelta(days=HEATMAP_DAYS - 1), zone=zone
    )
    return build_heatmap(counts=counts, today=today)


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
    since = today - dt.timedelta(days=PACE_DAYS - 1)
    # One pass over the milestones, each row read once (the dashboard projects after every
    # change): how many there are, how many are open, how many were done in the pace window.
    total = remaining = done_recently = 0
    for state in overview.milestones:
        total += 1
        progress = state.progress
        if progress is None or progress.status not in FINISHED:
            remaining += 1
        elif (
            progress.status == ProgressStatus.DONE
            and progress.completed_at is not None
            and since <= progress.completed_at.astimezone(zone).date() <= today
        ):
            done_recently += 1
    if total == 0:
        return Projection(status=ProjectionStatus.NO_MILESTONES, remaining=0)
    if remaining == 0:
        return Projection(status=ProjectionStatus.COMPLETE, remaining=0)
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


@lru_cache(maxsize=256)
def _status_change_text(from_status: str, to_status: str, language: str) -> str:
    # Most lines of a history are status changes, and each is one of a dozen: translated once
    # per process and language rather than three lookups per line per page.
    return _("%(from)s → %(to)s") % {
        "from": ProgressStatus(from_status or ProgressStatus.NOT_STARTED).label,
        "to": ProgressStatus(to_status).label,
    }


@lru_cache(maxsize=1024)
def _target_date_text(detail: str, language: str) -> str:
    # A learner's recent changes are often target dates, and formatting a date through the
    # locale machinery costs more than the rest of the line: each (detail, language) is worked
    # out once per process. tests/roadmap/test_dashboard_afresh.py compares it with the former
    # uncached lines in three languages.
    if not detail:
        return _("Target date cleared")
    try:
        date = dt.date.fromisoformat(detail)
    except ValueError:
        return _("Target date set")
    return _("Target date set to %(date)s") % {"date": formats.date_format(date)}


def describe_event(event: ProgressEvent, language: str | None = None) -> str:
    """One line for a history list, without the milestone (the page names it). `language`:
    the active one, if the caller has it already."""
    if event.kind == ProgressEventKind.STATUS:
        return _status_change_text(event.from_status, event.to_status, language or get_language())
    if event.kind == ProgressEventKind.TARGET_DATE:
        return _target_date_text(event.detail, language or get_language())
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


@dataclass(frozen=True)
class TimedHistoryEntry(HistoryEntry):
    """A history line with its time as the dashboard prints it: `iso` as |date:"c" and `local`
    as |date:"j M, H:i" print the event's time in the active time zone."""

    iso: str
    local: str


def timed_history(
    entries: Iterable[HistoryEntry], zone: dt.tzinfo | None = None, day_format: str = "j M"
) -> list[TimedHistoryEntry]:
    """`entries` with their times printed for `zone` (the active time zone if None): the zone
    looked up once for the list, not twice a line, and the day (`day_format`: "j M" on the
    dashboard, "j M Y" on the milestone page) formatted once per process (day_text); only the
    hour and minute are the line's own."""
    zone = zone or timezone.get_current_timezone()
    language = get_language()
    timed = []
    for entry in entries:
        at = entry.event.occurred_at
        # As the template engines convert a datetime before |date: an aware one to the zone.
        local = timezone.localtime(at, zone) if timezone.is_aware(at) else at
        timed.append(
            TimedHistoryEntry(
                event=entry.event,
                text=entry.text,
                iso=local.isoformat(),
                local=f"{_day_text(local.date(), day_format, language)}, {local:%H:%M}",
            )
        )
    return timed


def _history(events: Iterable[ProgressEvent]) -> list[HistoryEntry]:
    language = get_language()
    return [HistoryEntry(event=e, text=describe_event(e, language)) for e in events]


def recent_activity(
    *,
    learner: User,
    limit: int = RECENT_EVENTS,
    milestones: dict[int, Milestone] | None = None,
    events: list[ProgressEvent] | None = None,
) -> list[HistoryEntry]:
    """The learner's latest changes, with their milestones' step and path loaded for links.
    One query; given `milestones` by id (step and path loaded, e.g. the overview's), the events'
    milestones come from there, and a second query reads only those it lacks (retired ones, or on
    a path the learner left). The four-table join costs more than the events themselves.
    Given the latest `events` too (read with the heatmap's counts, as the dashboard does:
    selectors.progress.dashboard_reads), no query but that second one."""
    if milestones is None:
        events = ProgressEvent.objects.filter(learner=learner).select_related(
            "milestone__step__path"
        )[:limit]
        return _history(events)
    if events is None:
        events = learner_events(learner=learner, limit=limit)
    missing = {e.milestone_id for e in events} - milestones.keys()
    if missing:
        milestones = {
            **milestones,
            **Milestone.objects.select_related("step__path").in_bulk(missing),
        }
    for event in events:
        event.milestone = milestones[event.milestone_id]
    return _history(events)
