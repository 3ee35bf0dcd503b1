"""Reads for roadmap's reminders (the digest and the nudges): who is due one now, and
everything a batch of them shows.

Selection runs in the database, in keyset-paginated pages, grouped by what the learners' clocks
say (the engine's reminders.selectors); the batch reads build the same LearnerOverview objects
as selectors.progress, for many learners in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from accounts.models import DigestFrequency, User
from reminders.selectors import (
    PAGE_SIZE,
    STALE_CLAIM_AFTER,
    already_handled,
    emailable_learners,
    keyset_pages,
    last_sent_at,
    local_clocks,
)
from reminders.services.registry import DueReminder
from roadmap.models import (
    CareerPath,
    Enrollment,
    Milestone,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
    ReminderKind,
)
from roadmap.selectors.progress import (
    LearnerOverview,
    MilestoneState,
    PathProgress,
    StepProgress,
    streak_length,
)

# The dashboard's streak looks back as far as its heatmap (twelve weeks); so does the digest.
STREAK_WINDOW_DAYS = 84
# A missed date is nudged for a week after it: a dispatcher outage loses nothing, but switching
# nudges back on does not dump months of old dates on the learner.
OVERDUE_NUDGE_WINDOW_DAYS = 7


def digest_period_key(*, frequency: str, local: dt.datetime) -> str:
    if frequency == DigestFrequency.DAILY:
        return f"digest:daily:{local.date().isoformat()}"
    year, week, _ = local.isocalendar()
    return f"digest:weekly:{year}-W{week:02d}"


def nudge_period_key(*, kind: str, milestone_id: int, target_date: dt.date) -> str:
    word = "due" if kind == ReminderKind.NUDGE_DUE else "overdue"
    return f"nudge:{word}:{milestone_id}:{target_date.isoformat()}"


def _reachable_learners() -> QuerySet[User]:
    """Learners a progress email may go to: emailable and enrolled somewhere."""
    return emailable_learners().filter(Exists(Enrollment.objects.filter(learner=OuterRef("pk"))))


def due_digests(*, now: dt.datetime, page_size: int = PAGE_SIZE) -> Iterator[list[DueReminder]]:
    """Pages of learners whose local time has reached their digest hour on their digest day and
    who have no digest for this period yet."""
    stale_before = now - STALE_CLAIM_AFTER
    base = _reachable_learners().exclude(digest_frequency=DigestFrequency.OFF)
    zones = base.values_list("timezone", flat=True).distinct().order_by()
    for clock in local_clocks(zones=list(zones), now=now):
        for frequency in (DigestFrequency.DAILY, DigestFrequency.WEEKLY):
            key = digest_period_key(frequency=frequency, local=clock.local)
            qs = base.filter(
                timezone__in=clock.zones, digest_frequency=frequency, digest_hour__lte=clock.hour
            )
            if frequency == DigestFrequency.WEEKLY:
                # Only on the chosen day: a later run the same day catches up, never another day.
                qs = qs.filter(digest_weekday=clock.weekday)
            qs = qs.exclude(
                already_handled(
                    kind=ReminderKind.DIGEST,
                    stale_before=stale_before,
                    learner=OuterRef("pk"),
                    period_key=key,
                )
            )
            for page in keyset_pages(qs, fields=(), page_size=page_size):
                yield [
                    DueReminder(learner_id=row[0], kind=ReminderKind.DIGEST, period_key=key)
                    for row in page
                ]


def due_nudges(*, now: dt.datetime, page_size: int = PAGE_SIZE) -> Iterator[list[DueReminder]]:
    """Pages of (learner, milestone, target date) that deserve a nudge now: a target date within
    the learner's "days ahead", or missed in the last week, not nudged for that date yet."""
    stale_before = now - STALE_CLAIM_AFTER
    learners = _reachable_learners().filter(nudges_enabled=True)
    zones = list(learners.values_list("timezone", flat=True).distinct().order_by())
    days_ahead = sorted(
        set(learners.values_list("nudge_days_ahead", flat=True).distinct().order_by())
    )
    for clock in local_clocks(zones=zones, now=now):
        open_progress = MilestoneProgress.objects.filter(
            Exists(
                Enrollment.objects.filter(
                    learner=OuterRef("learner"), path=OuterRef("milestone__step__path")
                )
            ),
            learner__in=learners.filter(timezone__in=clock.zones, digest_hour__lte=clock.hour),
            milestone__retired_at__isnull=True,
            target_date__isnull=False,
        ).exclude(status__in=[ProgressStatus.DONE, ProgressStatus.SKIPPED])
        within_reach = Q()
        for n in days_ahead:
            within_reach |= Q(
                learner__nudge_days_ahead=n,
                target_date__lte=clock.date + dt.timedelta(days=n),
            )
        windows = {
            ReminderKind.NUDGE_DUE: Q(target_date__gte=clock.date) & within_reach,
            ReminderKind.NUDGE_OVERDUE: Q(
                target_date__lt=clock.date,
                target_date__gte=clock.date - dt.timedelta(days=OVERDUE_NUDGE_WINDOW_DAYS),
            ),
        }
        for kind, window in windows.items():
            qs = open_progress.filter(window).exclude(
                already_handled(
                    kind=kind,
                    stale_before=stale_before,
                    learner=OuterRef("learner"),
                    milestone=OuterRef("milestone"),
                    target_date=OuterRef("target_date"),
                )
            )
            fields = ("learner_id", "milestone_id", "target_date")
            for page in keyset_pages(qs, fields=fields, page_size=page_size):
                yield [
                    DueReminder(
                        learner_id=learner_id,
                        kind=kind,
                        milestone_id=milestone_id,
                        target_date=target_date,
                        period_key=nudge_period_key(
                            kind=kind, milestone_id=milestone_id, target_date=target_date
                        ),
                    )
                    for _, learner_id, milestone_id, target_date in page
                ]


# --- What a batch of emails shows -----------------------------------------------------------


class ProgressRow:
    """The fields of a progress row that an email reads, in place of a MilestoneProgress model
    instance: a batch reads thousands of rows, and building models was most of its cost."""

    # The columns read, in the order the constructor takes them.
    __slots__ = (
        "status",
        "target_date",
        "completed_at",
        "prior_learning",
        "plan_week",
        "plan_hours",
    )

    def __init__(
        self,
        status: str,
        target_date: dt.date | None,
        completed_at,
        prior_learning: bool = False,
        plan_week: dt.date | None = None,
        plan_hours: list | None = None,
    ) -> None:
        self.status = status
        self.target_date = target_date
        self.completed_at = completed_at
        self.prior_learning = prior_learning
        self.plan_week = plan_week
        self.plan_hours = plan_hours or []

    # The plan's reading of a row, shared with the model (the digest's "this week's plan").
    plan_weeks = MilestoneProgress.plan_weeks
    plan_last_week = MilestoneProgress.plan_last_week


def learner_overviews(
    *, learners: Iterable[User], today_by_learner: dict[int, dt.date]
) -> dict[int, LearnerOverview]:
    """learner_overview() for many learners in three queries (enrolments, milestones of every
    path involved with their steps and paths, progress rows; a fourth only for a path with no
    milestones), building the same LearnerOverview objects, with ProgressRow as each state's
    progress (what the digest reads of it)."""
    learners = list(learners)
    ids = [learner.pk for learner in learners]
    # Pairs, not objects: a batch's learners share a few paths (read with their milestones).
    enrollments = list(
        Enrollment.objects.filter(learner_id__in=ids)
        .order_by("learner_id", "enrolled_at", "id")
        .values_list("learner_id", "path_id")
    )
    path_ids = {path_id for _, path_id in enrollments}
    milestones = list(
        Milestone.objects.active()
        .filter(step__path__in=path_ids)
        .select_related("step__path")
        .order_by("step__path_id", "step__position", "step_id", "position", "id")
    )
    paths: dict[int, CareerPath] = {}
    steps_by_path: dict[int, list] = defaultdict(list)
    milestones_by_step: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in milestones:
        step = milestone.step
        if not milestones_by_step[step.pk]:
            # Shared objects, so milestone.get_absolute_url() needs no query per milestone.
            step.path = paths.setdefault(step.path_id, step.path)
            steps_by_path[step.path_id].append(step)
        else:
            milestone.step = milestones_by_step[step.pk][0].step
        milestones_by_step[step.pk].append(milestone)
    if path_ids - paths.keys():  # enrolled on a path with no milestones (yet)
        paths.update(CareerPath.objects.in_bulk(path_ids - paths.keys()))
    rows_by_learner: dict[int, dict[int, ProgressRow]] = defaultdict(dict)
    for learner_id, milestone_id, *columns in (
        MilestoneProgress.objects.filter(
            learner_id__in=ids, milestone__in=[m.pk for m in milestones]
        )
        .order_by()
        .values_list("learner_id", "milestone_id", *ProgressRow.__slots__)
    ):
        rows_by_learner[learner_id][milestone_id] = ProgressRow(*columns)
    # A milestone nobody has started reads the same for every learner: one state each (they
    # are immutable), so only the learner's own rows cost a new object.
    step_items = {
        step_id: [(m.id, m, MilestoneState(milestone=m, progress=None)) for m in members]
        for step_id, members in milestones_by_step.items()
    }
    paths_by_learner: dict[int, list] = defaultdict(list)
    for learner_id, path_id in enrollments:
        paths_by_learner[learner_id].append(paths[path_id])
    overviews = {}
    for learner in learners:
        rows = rows_by_learner.get(learner.pk, {})
        path_progress = []
        for path in paths_by_learner.get(learner.pk, []):
            pp = PathProgress(path=path)
            for step in steps_by_path.get(path.id, []):
                states = []
                for milestone_id, milestone, untouched in step_items[step.id]:
                    row = rows.get(milestone_id)
                    states.append(
                        untouched
                        if row is None
                        else MilestoneState(milestone=milestone, progress=row)
                    )
                pp.steps.append(StepProgress(step=step, milestones=states))
            path_progress.append(pp)
        overviews[learner.pk] = LearnerOverview(
            today=today_by_learner[learner.pk], paths=path_progress
        )
    return overviews


def last_digest_sent_at(*, learner_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each learner's previous digest went out (learners without one are absent)."""
    return last_sent_at(kind=ReminderKind.DIGEST, learner_ids=learner_ids)


def streaks(*, learners: Iterable[User], today_by_learner: dict[int, dt.date]) -> dict[int, int]:
    """streak_length() for many learners: one query per timezone among them (a dispatched batch
    shares one zone, so usually one), grouped by local day in the database."""
    by_zone: dict[str, list[User]] = defaultdict(list)
    for learner in learners:
        by_zone[learner.timezone].append(learner)
    days: dict[int, set[dt.date]] = defaultdict(set)
    for name, members in by_zone.items():
        zone = zoneinfo.ZoneInfo(name)
        earliest = min(today_by_learner[m.pk] for m in members)
        start = dt.datetime.combine(
            earliest - dt.timedelta(days=STREAK_WINDOW_DAYS), dt.time.min, tzinfo=zone
        )
        rows = (
            ProgressEvent.objects.filter(
                learner_id__in=[m.pk for m in members], occurred_at__gte=start
            )
            .annotate(day=TruncDate("occurred_at", tzinfo=zone))
            .values_list("learner_id", "day")
            .distinct()
            .order_by()
        )
        for learner_id, day in rows:
            days[learner_id].add(day)
    return {
        learner_id: streak_length(active_days=days.get(learner_id, ()), today=today)
        for learner_id, today in today_by_learner.items()
    }


def nudge_progress(*, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], MilestoneProgress]:
    """The progress rows behind a batch of nudges, with their milestones, keyed by (learner id,
    milestone id)."""
    pairs = list(pairs)
    if not pairs:
        return {}
    rows = MilestoneProgress.objects.filter(
        learner_id__in={learner for learner, _ in pairs},
        milestone_id__in={milestone for _, milestone in pairs},
    ).select_related("milestone__step__path")
    wanted = set(pairs)
    return {
        (p.learner_id, p.milestone_id): p for p in rows if (p.learner_id, p.milestone_id) in wanted
    }
