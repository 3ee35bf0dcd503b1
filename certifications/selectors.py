"""Every read the certification pages (and the digest) need, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from certifications.models import (
    Certification,
    CertificationRenewal,
    CertStatus,
    CreditActivity,
    LearnerCertification,
)
from certifications.renewal import RenewalProgress, renewal_progress
from roadmap.models import Milestone


@dataclass
class CatalogueFilters:
    max_cost: Decimal | None = None
    max_hours: int | None = None
    issuer: str = ""
    renews: str = ""  # "yes": expires and must be renewed; "no": never expires


def _catalogue_qs() -> QuerySet[Certification]:
    return Certification.objects.published().prefetch_related(
        "categories",
        Prefetch(
            "milestones",
            queryset=Milestone.objects.active().select_related("step__path"),
        ),
    )


def catalogue(*, filters: CatalogueFilters) -> list[Certification]:
    qs = _catalogue_qs()
    if filters.max_cost is not None:
        qs = qs.filter(
            Q(cost_amount__lte=filters.max_cost) | Q(member_cost_amount__lte=filters.max_cost)
        )
    if filters.max_hours is not None:
        qs = qs.filter(prep_hours__lte=filters.max_hours)
    if filters.issuer:
        qs = qs.filter(issuer=filters.issuer)
    if filters.renews == "yes":
        qs = qs.filter(validity_months__isnull=False)
    elif filters.renews == "no":
        qs = qs.filter(validity_months__isnull=True)
    return list(qs)


def issuers() -> list[str]:
    return list(
        Certification.objects.published()
        .order_by("issuer")
        .values_list("issuer", flat=True)
        .distinct()
    )


def comparison(*, slugs: list[str]) -> list[Certification]:
    by_slug = {c.slug: c for c in _catalogue_qs().filter(slug__in=slugs)}
    return [by_slug[s] for s in dict.fromkeys(slugs) if s in by_slug]


def tracked_certification_ids(*, learner: User | None) -> set[int]:
    if learner is None or not learner.is_authenticated:
        return set()
    return set(
        LearnerCertification.objects.filter(
            learner=learner, certification__isnull=False
        ).values_list("certification_id", flat=True)
    )


def published_certification(*, slug: str) -> Certification:
    return get_object_or_404(Certification.objects.published(), slug=slug)


@dataclass
class TrackerRow:
    tracked: LearnerCertification
    status: str  # the stored status, or "expired" once an earned one's expiry date has passed
    renewal: RenewalProgress | None
    days_to_expiry: int | None

    @property
    def status_label(self) -> str:
        return str(CertStatus(self.status).label)


def _tracker_qs(learner: User) -> QuerySet[LearnerCertification]:
    return (
        LearnerCertification.objects.filter(learner=learner)
        .select_related("certification")
        .prefetch_related(
            "certification__categories",
            Prefetch("credits", queryset=CreditActivity.objects.select_related("category")),
        )
    )


def tracker_row(tracked: LearnerCertification, *, today: dt.date) -> TrackerRow:
    """The tracker's state; its credits and categories must be prefetched (no queries here)."""
    expires_on = tracked.expires_on
    status = tracked.status
    if status == CertStatus.EARNED and expires_on is not None and expires_on < today:
        status = CertStatus.EXPIRED
    cert = tracked.certification
    renewal = None
    if (
        cert is not None
        and cert.renews_with_credits
        and tracked.earned_on is not None
        and expires_on is not None
        and status in (CertStatus.EARNED, CertStatus.EXPIRED)
    ):
        renewal = renewal_progress(
            needed=cert.renewal_credits,
            credit_name=cert.credit_name,
            categories=list(cert.categories.all()),
            credits=list(tracked.credits.all()),
            earned_on=tracked.earned_on,
            expires_on=expires_on,
            cycle_months=cert.renewal_cycle_months,
            today=today,
        )
    days = (expires_on - today).days if expires_on is not None else None
    return TrackerRow(tracked=tracked, status=status, renewal=renewal, days_to_expiry=days)


def my_certifications(*, learner: User, today: dt.date) -> list[TrackerRow]:
    return [tracker_row(t, today=today) for t in _tracker_qs(learner)]


def tracked_certification(*, learner: User, pk: int) -> LearnerCertification:
    """The learner's own tracker row with everything its page needs; anyone else's is a 404."""
    return get_object_or_404(_tracker_qs(learner), pk=pk)


def certification_renewals(tracked: LearnerCertification) -> list[CertificationRenewal]:
    """The renewals recorded for `tracked`, latest first (the one an undo would take back)."""
    return list(CertificationRenewal.objects.filter(learner_certification=tracked))
