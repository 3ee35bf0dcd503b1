"""Expiry reminders: which notices are due (each once per expiry date), and the digest section.

A tracked certification that is earned and expires has notice days (default 60, 30 and 7).
When the days left reach a notice day, that notice is due; its key names the tracker, the
expiry date and the notice day, so a sender that records keys (roadmap's ReminderDelivery) sends
each exactly once, and a new expiry date (a renewal, an override) starts afresh. A notice whose
day was passed unseen (added 20 days before expiry) yields only the nearest one, never a burst.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from careerpath.accounts.models import User
from certifications.models import CertStatus, CreditActivity, LearnerCertification
from certifications.selectors import tracker_row


@dataclass(frozen=True)
class ExpiryNotice:
    tracked: LearnerCertification
    expires_on: dt.date
    days_before: int
    days_left: int

    @property
    def period_key(self) -> str:
        return f"cert:expiry:{self.tracked.pk}:{self.expires_on.isoformat()}:{self.days_before}"


def expiry_notice(tracked: LearnerCertification, *, today: dt.date) -> ExpiryNotice | None:
    """The notice due today for this tracker, if any (no queries)."""
    expires_on = tracked.expires_on
    if tracked.status != CertStatus.EARNED or expires_on is None:
        return None
    days_left = (expires_on - today).days
    if days_left < 0:
        return None
    crossed = [d for d in tracked.notice_days if days_left <= d]
    if not crossed:
        return None
    return ExpiryNotice(
        tracked=tracked, expires_on=expires_on, days_before=min(crossed), days_left=days_left
    )


def _trackers(learner_ids: Iterable[int]):
    return (
        LearnerCertification.objects.filter(
            learner_id__in=list(learner_ids), status=CertStatus.EARNED, earned_on__isnull=False
        )
        .select_related("certification", "learner")
        .prefetch_related(
            "certification__categories",
            Prefetch("credits", queryset=CreditActivity.objects.select_related("category")),
        )
        .order_by("learner_id", "earned_on", "id")
    )


def expiry_notices_due(*, learners: Sequence[User], now: dt.datetime) -> list[ExpiryNotice]:
    """Every notice due now for these learners, each on the learner's own calendar date."""
    zones = {learner.pk: learner.zone for learner in learners}
    out = []
    for tracked in _trackers(zones):
        notice = expiry_notice(tracked, today=timezone.localdate(now, zones[tracked.learner_id]))
        if notice is not None:
            out.append(notice)
    return out


def learners_with_expiry_notices() -> list[User]:
    """Learners holding an earned certification: the candidates a dispatcher passes to
    expiry_notices_due, which decides on each learner's own date (one query)."""
    return list(
        User.objects.filter(
            is_active=True,
            certifications__status=CertStatus.EARNED,
            certifications__earned_on__isnull=False,
        )
        .distinct()
        .order_by("pk")
    )


def expiry_notice_for_key(*, learner: User, period_key: str, now: dt.datetime):
    """The notice a claimed key names, if it is still due (the learner may have renewed or
    dropped it since the claim): a sender re-checks before sending. None otherwise."""
    try:
        _cert, _expiry, pk, expires_on, days = period_key.split(":")
        pk, days, expires_on = int(pk), int(days), dt.date.fromisoformat(expires_on)
    except ValueError:
        return None
    tracked = _trackers([learner.pk]).filter(pk=pk).first()
    if tracked is None:
        return None
    notice = expiry_notice(tracked, today=timezone.localdate(now, learner.zone))
    if notice is None or (notice.expires_on, notice.days_before) != (expires_on, days):
        return None
    return notice


def certification_digest_sections(learners: Sequence[User], now: dt.datetime) -> dict:
    """The digest's "Certifications expiring" section: every earned certification inside its
    largest notice window, with its renewal verdict. Four queries for the whole batch."""
    from roadmap.services.reminders import DigestItem, DigestSection, absolute_url

    zones = {learner.pk: learner.zone for learner in learners}
    items: dict[int, list] = {}
    for tracked in _trackers(zones):
        today = timezone.localdate(now, zones[tracked.learner_id])
        expires_on = tracked.expires_on
        days = tracked.notice_days
        if expires_on is None or not days or not 0 <= (expires_on - today).days <= days[0]:
            continue
        days_left = (expires_on - today).days
        text = ngettext(
            "%(name)s expires on %(date)s (in %(days)d day)",
            "%(name)s expires on %(date)s (in %(days)d days)",
            days_left,
        ) % {"name": tracked.name, "date": formats.date_format(expires_on), "days": days_left}
        note = ""
        renewal = tracker_row(tracked, today=today).renewal
        if renewal is not None:
            note = _("%(verdict)s: %(counted)s of %(needed)s %(credit)ss count") % {
                "verdict": renewal.verdict_label,
                "counted": floatformat(renewal.counted, "-2"),
                "needed": renewal.needed,
                "credit": renewal.credit_name,
            }
        items.setdefault(tracked.learner_id, []).append(
            DigestItem(text=text, url=absolute_url(tracked.get_absolute_url()), note=note)
        )
    title = _("Certifications expiring")
    return {pk: [DigestSection(title=title, items=tuple(found))] for pk, found in items.items()}
