"""Reads of a learner's projects, the milestones they may link, and the public portfolio page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from certifications.models import CertStatus, LearnerCertification
from portfolio.models import Project, PublicPortfolio
from roadmap.models import Milestone
from roadmap.selectors.progress import LearnerOverview, learner_overview

__all__ = [
    "projects_for",
    "project_get",
    "linkable_milestones",
    "public_portfolio_for",
    "PublicPage",
    "public_page",
]


def _ordered(qs: QuerySet[Project]) -> QuerySet[Project]:
    # The learner's own order first; then ongoing projects, then the most recent.
    return qs.order_by(
        "position",
        F("ended_on").desc(nulls_first=True),
        F("started_on").desc(nulls_last=True),
        "-id",
    )


def projects_for(*, learner: User) -> QuerySet[Project]:
    """The learner's projects with their links and linked milestones (three queries)."""
    return _ordered(
        Project.objects.filter(learner=learner).prefetch_related(
            "links",
            Prefetch("milestones", queryset=Milestone.objects.select_related("step__path")),
        )
    )


def project_get(*, learner: User, pk: int) -> Project:
    """The learner's own project; anyone else's (or a missing one) is a 404."""
    return get_object_or_404(projects_for(learner=learner), pk=pk)


def linkable_milestones(*, learner: User) -> list[Milestone]:
    """Active milestones of the paths the learner follows, in roadmap order (one query)."""
    return list(
        Milestone.objects.active()
        .filter(step__path__enrollments__learner=learner)
        .select_related("step__path")
        .order_by("step__path__position", "step__path_id", "step__position", "position", "id")
    )


def public_portfolio_for(*, learner: User) -> PublicPortfolio | None:
    return PublicPortfolio.objects.filter(learner=learner).first()


@dataclass
class PublicPage:
    """What a visitor may see: only what the learner marked public or opted in to share."""

    portfolio: PublicPortfolio
    name: str
    projects: list[Project]
    certifications: list[LearnerCertification] = field(default_factory=list)
    progress: LearnerOverview | None = None


def public_page(*, slug: str, today: dt.date | None = None) -> PublicPage:
    """The published page at `slug` (any case). Unpublished or unknown: Http404. Read afresh on
    every request, so unpublishing takes effect at once."""
    portfolio = (
        PublicPortfolio.objects.select_related("learner")
        .filter(slug__iexact=slug, is_published=True, learner__is_active=True)
        .first()
    )
    if portfolio is None:
        raise Http404("No such portfolio")
    learner = portfolio.learner
    today = today or timezone.localdate(timezone=learner.zone)
    projects = list(
        _ordered(Project.objects.filter(learner=learner, is_public=True)).prefetch_related("links")
    )
    certifications = []
    if portfolio.show_certifications:
        earned = (
            LearnerCertification.objects.filter(
                learner=learner, status=CertStatus.EARNED, earned_on__isnull=False
            )
            .select_related("certification")
            .order_by("-earned_on", "id")
        )
        # Expired credentials would mislead a reader; they drop off the page.
        certifications = [c for c in earned if c.expires_on is None or c.expires_on >= today]
    progress = None
    if portfolio.show_progress:
        progress = learner_overview(learner=learner, today=today)
    return PublicPage(
        portfolio=portfolio,
        # The display name only: the email address (or part of it) is never shown.
        name=learner.display_name,
        projects=projects,
        certifications=certifications,
        progress=progress,
    )
