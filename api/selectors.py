"""Reads the API needs beyond the apps' own selectors: the learner's milestones as one
filterable, paginated queryset, each with the learner's progress and evidence prefetched."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from roadmap.models import CareerPath, Enrollment, Milestone, MilestoneProgress, ProgressStatus

# Ids above this are no row's (a 64-bit primary key): refused before they reach the database,
# where they would overflow.
MAX_ID = 2**63 - 1


def enrolled_path(*, learner: User, slug: str) -> CareerPath:
    enrollment = (
        Enrollment.objects.select_related("path").filter(learner=learner, path__slug=slug).first()
    )
    if enrollment is None:
        raise Http404("Not one of your paths")
    return enrollment.path


def learner_milestones(
    *, learner: User, path_slug: str | None = None, status: str | None = None
) -> QuerySet[Milestone]:
    """Active milestones of the published paths the learner is enrolled in, in roadmap order,
    annotated with `my_status` and carrying `mine` (the learner's progress row, or none)."""
    my_status = Coalesce(
        Subquery(
            MilestoneProgress.objects.filter(learner=learner, milestone=OuterRef("pk")).values(
                "status"
            )[:1]
        ),
        Value(ProgressStatus.NOT_STARTED.value),
    )
    qs = (
        Milestone.objects.active()
        .filter(step__path__enrollments__learner=learner, step__path__is_published=True)
        .select_related("step__path")
        .annotate(my_status=my_status)
        .prefetch_related(
            Prefetch(
                "progress",
                queryset=MilestoneProgress.objects.filter(learner=learner).prefetch_related(
                    "evidence"
                ),
                to_attr="mine",
            )
        )
        .order_by("step__path__position", "step__path_id", "step__position", "position", "id")
    )
    if path_slug:
        qs = qs.filter(step__path__slug=path_slug)
    if status:
        qs = qs.filter(my_status=status)
    return qs


def learner_milestone(*, learner: User, pk: int) -> Milestone:
    if pk > MAX_ID:
        raise Http404("No such milestone")
    milestone = learner_milestones(learner=learner).filter(pk=pk).first()
    if milestone is None:
        raise Http404("Not a milestone of your paths")
    return milestone
