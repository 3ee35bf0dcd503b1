"""Exam dates and expiries in the learner's calendar feed (CertificationsConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from accounts.calendar_feed import FeedEvent, absolute_url
from accounts.models import User
from certifications.models import CertStatus, LearnerCertification


def certification_events(learner: User, host: str) -> Iterable[FeedEvent]:
    rows = (
        LearnerCertification.objects.filter(learner=learner)
        .exclude(status=CertStatus.DROPPED)
        .select_related("certification")
        .order_by("pk")
    )
    for tracked in rows:
        url = absolute_url(tracked.get_absolute_url())
        if tracked.exam_date and tracked.status in (
            CertStatus.PLANNED,
            CertStatus.STUDYING,
            CertStatus.EXAM_BOOKED,
        ):
            yield FeedEvent(
                uid=f"exam-{tracked.pk}@{host}",
                day=tracked.exam_date,
                summary=_("Exam: %(name)s") % {"name": tracked.name},
                description=tracked.issuer,
                url=url,
                changed_at=tracked.updated_at,
            )
        expires_on = tracked.expires_on
        if expires_on and tracked.status in (CertStatus.EARNED, CertStatus.EXPIRED):
            yield FeedEvent(
                uid=f"expiry-{tracked.pk}@{host}",
                day=expires_on,
                summary=_("%(name)s expires") % {"name": tracked.name},
                description=_("The last day the credential is valid."),
                url=url,
                changed_at=tracked.updated_at,
            )
