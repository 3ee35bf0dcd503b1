"""What admins need to curate: per course, certification, milestone and step, how learners use
it. Every figure is an SQL aggregate on the list's one query; the one figure SQL cannot give
portably (a median) takes one more query for the whole page, never one per row."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from certifications.models import Certification, CertStatus
from roadmap.models import Course, Milestone, MilestoneProgress, ProgressStatus, Step

__all__ = [
    "STALL_DAYS",
    "certification_insights",
    "course_insights",
    "median_days_to_done",
    "milestone_insights",
    "step_insights",
]

# A milestone in progress and untouched for this long is where a learner has stalled.
STALL_DAYS = 30
ACTIVE = [ProgressStatus.IN_PROGRESS, ProgressStatus.DONE]


def course_insights(queryset: QuerySet[Course]) -> QuerySet[Course]:
    """Milestones the course serves; learners working on or done with one of them."""
    progress = "milestoneresource__milestone__progress"
    return queryset.annotate(
        milestones_served=Count("milestoneresource__milestone", distinct=True),
        learners_using=Count(
            f"{progress}__learner", filter=Q(**{f"{progress}__status__in": ACTIVE}), distinct=True
        ),
        learners_done=Count(
            f"{progress}__learner",
            filter=Q(**{f"{progress}__status": ProgressStatus.DONE}),
            distinct=True,
        ),
    )


def certification_insights(queryset: QuerySet[Certification]) -> QuerySet[Certification]:
    """Learners tracking it (not dropped), learners who earned it, milestones it serves."""
    return queryset.annotate(
        learners_tracking=Count(
            "holders__learner", filter=~Q(holders__status=CertStatus.DROPPED), distinct=True
        ),
        learners_earned=Count(
            "holders__learner", filter=Q(holders__status=CertStatus.EARNED), distinct=True
        ),
        milestones_served=Count("milestones", distinct=True),
    )


def milestone_insights(queryset: QuerySet[Milestone]) -> QuerySet[Milestone]:
    """Learners who started it (in progress, done or skipped), finished it, skipped it."""
    return queryset.annotate(
        learners_started=Count(
            "progress", filter=~Q(progress__status=ProgressStatus.NOT_STARTED), distinct=True
        ),
        learners_done=Count(
            "progress", filter=Q(progress__status=ProgressStatus.DONE), distinct=True
        ),
        learners_skipped=Count(
            "progress", filter=Q(progress__status=ProgressStatus.SKIPPED), distinct=True
        ),
    )


def median_days_to_done(milestone_ids: Iterable[int]) -> dict[int, float]:
    """{milestone id: median days from start to done}, for the given milestones, in one query."""
    rows = MilestoneProgress.objects.filter(
        milestone_id__in=list(milestone_ids),
        status=ProgressStatus.DONE,
        started_at__isnull=False,
        completed_at__isnull=False,
    ).values_list("milestone_id", "started_at", "completed_at")
    days: dict[int, list[float]] = {}
    for milestone_id, started, completed in rows:
        days.setdefault(milestone_id, []).append(max(0.0, (completed - started) / dt.timedelta(1)))
    return {mid: round(statistics.median(values), 1) for mid, values in days.items()}


def step_insights(queryset: QuerySet[Step], *, now: dt.datetime | None = None) -> QuerySet[Step]:
    """Where learners stall: learners with a milestone of the step in progress and untouched
    for STALL_DAYS, against those in progress at all."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=STALL_DAYS)
    in_progress = Q(milestones__progress__status=ProgressStatus.IN_PROGRESS)
    return queryset.annotate(
        learners_in_progress=Count("milestones__progress__learner", filter=in_progress,
                                   distinct=True),
        learners_stalled=Count(
            "milestones__progress__learner",
            filter=in_progress & Q(milestones__progress__updated_at__lt=cutoff),
            distinct=True,
        ),
    )  # fmt: skip
