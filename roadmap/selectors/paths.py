"""Reads of paths and milestones by their slugs, enrolment and the learner's own date."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Exists, Min, OuterRef
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.db import PreparedQuery
from roadmap.models import (
    CareerPath,
    Enrollment,
    EvidenceLink,
    Milestone,
    MilestoneProgress,
    ProgressEvent,
)
from roadmap.selectors import content_snapshot
from roadmap.selectors.progress import (
    MilestoneState,
)
from roadmap.selectors.rows import model_columns, model_objects


def learner_today(learner: User) -> dt.date:
    """The learner's own calendar date, which decides streaks, overdue and due this week."""
    return timezone.localdate(timezone=learner.zone)


def is_enrolled(*, learner: User | None, path: CareerPath) -> bool:
    if learner is None or not learner.is_authenticated:
        return False
    return Enrollment.objects.filter(learner=learner, path=path).exists()


def first_activity_day(*, learner: User, zone: zoneinfo.ZoneInfo) -> dt.date | None:
    first = ProgressEvent.objects.filter(learner=learner).aggregate(first=Min("occurred_at"))
    return first["first"].astimezone(zone).date() if first["first"] else None


def published_path(*, path_slug: str) -> CareerPath:
    try:
        return CareerPath.objects.published().get(slug=path_slug)
    except CareerPath.DoesNotExist:
        raise Http404("No such career path") from None


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


def published_milestone_and_enrolment(
    *, learner: User | None, path_slug: str, step_slug: str, milestone_slug: str
) -> tuple[Milestone, bool]:
    """An active milestone of a published path, by its slugs, or 404; and whether the learner
    is enrolled in its path. One query: the milestone page starts here."""
    milestones = _milestones_by_slugs(
        path_slug=path_slug, step_slug=step_slug, milestone_slug=milestone_slug
    )
    signed_in = learner is not None and learner.is_authenticated
    if signed_in:
        milestones = milestones.annotate(
            learner_enrolled=Exists(
                Enrollment.objects.filter(learner=learner, path=OuterRef("step__path_id"))
            )
        )
    try:
        milestone = milestones.get()
    except Milestone.DoesNotExist:
        raise Http404("No such milestone") from None
    return milestone, signed_in and milestone.learner_enrolled


def enrolled_milestone(
    *, learner: User, path_slug: str, step_slug: str, milestone_slug: str
) -> Milestone:
    """An active milestone of a published path the learner is enrolled in, by its slugs, or 404
    (the same for a path they have not joined, so nobody changes progress there). One query:
    every progress change starts here. The milestone comes from the process's content snapshot
    (shared: read only), or from the database when that is off."""
    read = content_snapshot.path_and_enrolment(path_slug=path_slug, learner=learner)
    if read is not None:
        published, enrolled = read
        milestone = (
            published.milestone_by_slugs.get((step_slug, milestone_slug))
            if published is not None and enrolled
            else None
        )
        if milestone is None:
            raise Http404("No such milestone, or not enrolled in its path")
        return milestone
    enrolled = Exists(Enrollment.objects.filter(learner=learner, path=OuterRef("step__path_id")))
    milestones = _milestones_by_slugs(
        path_slug=path_slug, step_slug=step_slug, milestone_slug=milestone_slug
    )
    try:
        return milestones.filter(enrolled).get()
    except Milestone.DoesNotExist:
        raise Http404("No such milestone, or not enrolled in its path") from None


# The learner's row on one milestone with its evidence links, oldest first (EvidenceLink's
# ordering), in one statement: a row without links comes back once, its link columns NULL.
_PROGRESS_AND_EVIDENCE = PreparedQuery(
    name="roadmap_progress_and_evidence",
    sql=(
        f"SELECT {model_columns(MilestoneProgress, 'p', json_as_text=True)},"
        f" {model_columns(EvidenceLink, 'e')}"
        f" FROM {MilestoneProgress._meta.db_table} p"
        f" LEFT JOIN {EvidenceLink._meta.db_table} e ON e.progress_id = p.id"
        " WHERE p.learner_id = %(learner)s AND p.milestone_id = %(milestone)s"
        " ORDER BY e.created_at, e.id"
    ),
)


def milestone_state_and_evidence(
    *, learner: User | None, milestone: Milestone
) -> tuple[MilestoneState, list[EvidenceLink]]:
    """The learner's state on one milestone, and the row's evidence links (oldest first). One
    query for a learner (a prepared statement: roadmap/selectors/rows.py), none for a visitor."""
    if learner is None or not learner.is_authenticated:
        return MilestoneState(milestone=milestone, progress=None), []
    rows = _PROGRESS_AND_EVIDENCE.fetchall({"learner": learner.pk, "milestone": milestone.pk})
    progress = next(iter(model_objects(MilestoneProgress, rows[:1])), None)
    evidence = model_objects(EvidenceLink, rows, start=len(MilestoneProgress._meta.concrete_fields))
    return MilestoneState(milestone=milestone, progress=progress), evidence


def milestone_state(*, learner: User | None, milestone: Milestone) -> MilestoneState:
    """The learner's state on one milestone. One query for a learner, none for a visitor."""
    return milestone_state_and_evidence(learner=learner, milestone=milestone)[0]


def milestone_from(raw: str | None) -> Milestone | None:
    """The active milestone of a published path whose id a tool's page was given as `from` (the
    milestone it was opened from), for the page's link back; None for anything else, so a bad
    value only loses the link. One query when `raw` is an id, none otherwise."""
    if not raw or not raw.isdigit() or len(raw) > 18:
        return None
    return (
        Milestone.objects.active()
        .select_related("step__path")
        .filter(pk=int(raw), step__path__is_published=True)
        .first()
    )
