"""Every write to a learner's certifications: adding, status changes, expiry and credits.

Each function validates everything first and then writes in one transaction, so bad input
changes nothing. Earning a certification marks the roadmap milestones it satisfies done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import floatformat
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from certifications.models import (
    Certification,
    CertificationRenewal,
    CertStatus,
    CreditActivity,
    LearnerCertification,
    RenewalCategory,
    add_months,
)
from certifications.renewal import (
    RENEWAL_WINDOW_DAYS,
    RenewalProgress,
    renewal_is_open,
    renewal_opens_on,
)
from certifications.selectors import tracker_row
from core.bounds import MONTHS_MAX
from roadmap.models import ProgressStatus, http_url_validator
from roadmap.services.plan import plan_recompute
from roadmap.services.progress import milestone_status_set

__all__ = [
    "learner_certification_add",
    "learner_certification_custom_add",
    "learner_certification_status_set",
    "learner_certification_expiry_set",
    "learner_certification_notice_days_set",
    "certification_renewal_expiry",
    "certification_renewal_plan",
    "certification_renew",
    "certification_renewal_undo",
    "credit_activity_add",
    "credit_activity_remove",
]


def _clean_url(url: str, *, what: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        http_url_validator(url)
    except ValidationError:
        raise ValidationError(
            _("The %(what)s “%(url)s” must be a web address starting with http:// or https://."),
            params={"what": what, "url": url[:80]},
            code="invalid_url",
        ) from None
    if len(url) > 500:
        raise ValidationError(_("A web address can be at most 500 characters long."))
    return url


def learner_certification_add(
    *, learner: User, certification: Certification
) -> LearnerCertification:
    """Track a catalogue certification (planned); adding it twice returns the first one."""
    if not certification.is_published:
        raise ValidationError(_("This certification is not in the catalogue."))
    with transaction.atomic():
        tracked, _created = LearnerCertification.objects.get_or_create(
            learner=learner, certification=certification
        )
    return tracked


def learner_certification_custom_add(
    *, learner: User, name: str, issuer: str = "", validity_months: int | None = None
) -> LearnerCertification:
    name, issuer = (name or "").strip(), (issuer or "").strip()
    if not name:
        raise ValidationError(_("Give the certification a name."), code="required")
    if len(name) > 200 or len(issuer) > 120:
        raise ValidationError(_("The name or issuer is too long."), code="too_long")
    if validity_months is not None and not 1 <= validity_months <= MONTHS_MAX:
        raise ValidationError(
            _("Validity must be from one to %(max)d months."),
            params={"max": MONTHS_MAX},
            code="validity",
        )
    return LearnerCertification.objects.create(
        learner=learner,
        custom_name=name,
        custom_issuer=issuer,
        custom_validity_months=validity_months,
    )


def learner_certification_status_set(
    *,
    tracked: LearnerCertification,
    status: str,
    today: dt.date,
    exam_date: dt.date | None = None,
    earned_on: dt.date | None = None,
    credential_id: str = "",
    verification_url: str = "",
) -> LearnerCertification:
    """Move the certification to `status`. Booking an exam needs its date; earning needs the
    date earned (today or earlier). Earning marks the milestones it satisfies done, in the same
    transaction, so the tracker and the roadmap never disagree."""
    if status not in CertStatus.values:
        raise ValidationError(_("“%(status)s” is not a status."), params={"status": status})
    credential_id = (credential_id or "").strip()
    verification_url = _clean_url(verification_url, what=_("verification link"))
    if len(credential_id) > 100:
        raise ValidationError(_("A credential ID can be at most 100 characters long."))
    if status == CertStatus.EXAM_BOOKED and exam_date is None:
        raise ValidationError(_("Give the date of the exam you booked."), code="exam_date")
    if status in (CertStatus.EARNED, CertStatus.EXPIRED):
        earned_on = earned_on or tracked.earned_on
        if earned_on is None:
            raise ValidationError(_("Give the date you earned it."), code="earned_on")
        if earned_on > today:
            raise ValidationError(
                _("The date earned (%(date)s) is in the future. Give the date you passed."),
                params={"date": formats.date_format(earned_on)},
                code="earned_in_future",
            )
        override = tracked.expires_on_override
        if override is not None and override < earned_on:
            raise ValidationError(_("The certification cannot expire before it was earned."))
    with transaction.atomic():
        tracked = LearnerCertification.objects.select_for_update().get(pk=tracked.pk)
        tracked.status = status
        fields = ["status", "updated_at"]
        if status == CertStatus.EXAM_BOOKED:
            tracked.exam_date = exam_date
            fields.append("exam_date")
        if status in (CertStatus.EARNED, CertStatus.EXPIRED):
            tracked.earned_on = earned_on
            fields.append("earned_on")
            if credential_id or verification_url or status == CertStatus.EARNED:
                tracked.credential_id = credential_id or tracked.credential_id
                tracked.verification_url = verification_url or tracked.verification_url
                fields += ["credential_id", "verification_url"]
        tracked.save(update_fields=fields)
        if status == CertStatus.EARNED and tracked.certification_id:
            for milestone in tracked.certification.milestones.active():
                milestone_status_set(
                    learner=tracked.learner,
                    milestone=milestone,
                    status=ProgressStatus.DONE,
                    replan=False,
                )
        # A booked exam is a fixed date of the plan; an earned one finishes its milestones.
        plan_recompute(learner=tracked.learner)
    return tracked


def learner_certification_expiry_set(
    *, tracked: LearnerCertification, expires_on: dt.date | None
) -> LearnerCertification:
    """Override the computed expiry date (None goes back to the computed one)."""
    if expires_on is not None and tracked.earned_on and expires_on < tracked.earned_on:
        raise ValidationError(
            _("The expiry date (%(date)s) is before the date earned (%(earned)s)."),
            params={
                "date": formats.date_format(expires_on),
                "earned": formats.date_format(tracked.earned_on),
            },
            code="expiry_before_earned",
        )
    tracked.expires_on_override = expires_on
    tracked.save(update_fields=["expires_on_override", "updated_at"])
    return tracked


def learner_certification_notice_days_set(
    *, tracked: LearnerCertification, days: str
) -> LearnerCertification:
    """Set when expiry reminders go out, e.g. "60, 30, 7" (days before the expiry date)."""
    parts = [p.strip() for p in (days or "").split(",") if p.strip()]
    try:
        values = sorted({int(p) for p in parts}, reverse=True)
    except ValueError:
        values = []
    if not values or len(values) > 5 or any(not 1 <= v <= 365 for v in values):
        raise ValidationError(
            _(
                "Give up to five numbers of days between 1 and 365, separated by commas, "
                "e.g. 60, 30, 7."
            ),
            code="notice_days",
        )
    tracked.expiry_notice_days = ",".join(str(v) for v in values)
    tracked.save(update_fields=["expiry_notice_days", "updated_at"])
    return tracked


def _renewal_months(tracked: LearnerCertification) -> int | None:
    """How far a renewal moves the expiry: the issuer's renewal cycle, else the validity."""
    cert = tracked.certification if tracked.certification_id else None
    return (cert.renewal_cycle_months if cert is not None else None) or tracked.validity_months


def certification_renewal_expiry(*, tracked: LearnerCertification) -> dt.date | None:
    """The expiry date renewing now would give: the day after the current expiry starts a new
    period of the renewal cycle (or validity), the new expiry is its last day. None when the
    certification never expires or its period is unknown."""
    months = _renewal_months(tracked)
    if tracked.expires_on is None or not months:
        return None
    return add_months(tracked.expires_on + dt.timedelta(days=1), months) - dt.timedelta(days=1)


@dataclass(frozen=True)
class RenewalPlan:
    """What recording a renewal today would change."""

    previous_expires_on: dt.date
    new_expires_on: dt.date
    new_cycle_start: dt.date
    # The credit cycle it closes; None for a certification renewed without credits.
    progress: RenewalProgress | None


def _renewal_plan(
    tracked: LearnerCertification,
    *,
    today: dt.date,
    previous_expires_on: dt.date | None,
    check_stale: bool,
) -> RenewalPlan:
    if tracked.status not in (CertStatus.EARNED, CertStatus.EXPIRED) or not tracked.earned_on:
        raise ValidationError(
            _("Only a certification you have earned can be renewed: set it to earned first."),
            code="not_earned",
        )
    expires_on = tracked.expires_on
    if expires_on is None:
        raise ValidationError(
            _("%(name)s never expires, so there is nothing to renew.") % {"name": tracked.name},
            code="never_expires",
        )
    new_expiry = certification_renewal_expiry(tracked=tracked)
    if new_expiry is None:
        raise ValidationError(
            _(
                "How long a renewal of %(name)s lasts is not known: give its new expiry date "
                "under Status instead."
            )
            % {"name": tracked.name},
            code="no_period",
        )
    if check_stale and previous_expires_on != expires_on:
        raise ValidationError(
            _(
                "The expiry date has changed since this page was shown: it is now "
                "%(date)s. Check it before recording a renewal."
            )
            % {"date": formats.date_format(expires_on)},
            code="stale",
        )
    period_start = add_months(expires_on + dt.timedelta(days=1), -_renewal_months(tracked))
    if today < period_start:
        raise ValidationError(
            _(
                "Already renewed: the current period runs from %(start)s to %(end)s. "
                "Record the next renewal once it has begun."
            )
            % {
                "start": formats.date_format(period_start),
                "end": formats.date_format(expires_on),
            },
            code="already_renewed",
        )
    progress = tracker_row(tracked, today=today).renewal
    if not renewal_is_open(expires_on=expires_on, today=today, progress=progress):
        opens_on = renewal_opens_on(expires_on=expires_on)
        when = {
            "name": tracked.name,
            "date": formats.date_format(opens_on),
            "days": RENEWAL_WINDOW_DAYS,
        }
        if progress is None:
            message = _(
                "It is too early to record a renewal of %(name)s: you can from %(date)s, "
                "%(days)d days before it expires."
            )
        else:
            when |= {
                "counted": floatformat(progress.counted, "-2"),
                "needed": progress.needed,
                "credit": progress.credit_name,
            }
            message = _(
                "It is too early to record a renewal of %(name)s: you can from %(date)s, "
                "%(days)d days before it expires, or as soon as this cycle's %(needed)s "
                "%(credit)ss are met (%(counted)s counted so far)."
            )
        raise ValidationError(message % when, code="not_open")
    return RenewalPlan(
        previous_expires_on=expires_on,
        new_expires_on=new_expiry,
        new_cycle_start=expires_on + dt.timedelta(days=1),
        progress=progress,
    )


def certification_renewal_plan(*, tracked: LearnerCertification, today: dt.date) -> RenewalPlan:
    """What renewing `tracked` today would change, for the page that asks to confirm it; a
    ValidationError says why it cannot be renewed today. Changes nothing; costs no query when
    the certification, its categories and credits are prefetched
    (selectors.tracked_certification)."""
    return _renewal_plan(tracked, today=today, previous_expires_on=None, check_stale=False)


def certification_renew(
    *, tracked: LearnerCertification, previous_expires_on: dt.date | None, today: dt.date
) -> LearnerCertification:
    """Record that the learner renewed an earned certification: its expiry moves one renewal
    period on (certification_renewal_expiry), which starts a new credit cycle the day after
    the old expiry (credits dated before it stop counting), and it is earned again if it had
    been marked expired; the expiry notices start afresh for the new date. A
    CertificationRenewal keeps the closed cycle with the credits counted in it, and what undoing
    the renewal restores.

    Only once the renewal is open (renewal.renewal_is_open: the credits are met, or the expiry
    is near or past). `previous_expires_on` is the expiry the learner saw when they confirmed:
    if it has changed since (a second click, another tab), nothing happens, so one renewal is
    never recorded twice. Nor can a period that has not begun be renewed again.
    """
    with transaction.atomic():
        locked = (
            LearnerCertification.objects.select_for_update(of=("self",))
            .select_related("certification")
            .get(pk=tracked.pk)
        )
        plan = _renewal_plan(
            locked, today=today, previous_expires_on=previous_expires_on, check_stale=True
        )
        progress = plan.progress
        CertificationRenewal.objects.create(
            learner_certification=locked,
            renewed_on=today,
            previous_expires_on=plan.previous_expires_on,
            new_expires_on=plan.new_expires_on,
            previous_expires_on_override=locked.expires_on_override,
            previous_status=locked.status,
            cycle_start=progress.cycle_start if progress else None,
            credits_counted=progress.counted if progress else None,
            credits_needed=progress.needed if progress else None,
            credit_name=progress.credit_name if progress else "",
        )
        locked.expires_on_override = plan.new_expires_on
        locked.status = CertStatus.EARNED
        locked.save(update_fields=["expires_on_override", "status", "updated_at"])
    return locked


def certification_renewal_undo(
    *, tracked: LearnerCertification, renewal: CertificationRenewal
) -> LearnerCertification:
    """Undo the last renewal recorded: the expiry date, so the credit cycle, and the status go
    back to what they were before it, and its record goes (no credit was ever removed). Only the
    last one, and only while the expiry is still the one it set: after a later change by hand
    the learner sets the date they want under Status."""
    with transaction.atomic():
        locked = (
            LearnerCertification.objects.select_for_update(of=("self",))
            .select_related("certification")
            .get(pk=tracked.pk)
        )
        last = CertificationRenewal.objects.filter(learner_certification=locked).first()
        if last is None or last.pk != renewal.pk:
            raise ValidationError(
                _("Only the last renewal recorded can be undone."), code="not_last"
            )
        if locked.expires_on != last.new_expires_on or locked.status != CertStatus.EARNED:
            raise ValidationError(
                _(
                    "%(name)s has changed since this renewal was recorded: set its expiry date "
                    "and status under Status instead."
                )
                % {"name": locked.name},
                code="changed",
            )
        locked.expires_on_override = last.previous_expires_on_override
        locked.status = last.previous_status
        locked.save(update_fields=["expires_on_override", "status", "updated_at"])
        last.delete()
    return locked


def credit_activity_add(
    *,
    tracked: LearnerCertification,
    date: dt.date,
    credits: Decimal | str | int,
    today: dt.date,
    description: str,
    category: RenewalCategory | None = None,
    evidence_url: str = "",
) -> CreditActivity:
    try:
        credits = Decimal(str(credits))
    except InvalidOperation:
        raise ValidationError(_("Credits must be a number, e.g. 1.5.")) from None
    if not credits.is_finite() or credits <= 0:
        raise ValidationError(_("Credits must be more than zero."), code="credits")
    if credits >= Decimal("10000") or credits != credits.quantize(Decimal("0.01")):
        raise ValidationError(_("Credits must be below 10,000 with at most two decimals."))
    if date > today:
        raise ValidationError(
            _("The activity's date (%(date)s) is in the future."),
            params={"date": formats.date_format(date)},
            code="date_in_future",
        )
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Say what the activity was."), code="description")
    if len(description) > 300:
        raise ValidationError(_("A description can be at most 300 characters long."))
    evidence_url = _clean_url(evidence_url, what=_("evidence link"))
    has_categories = tracked.certification_id and tracked.certification.categories.exists()
    if category is not None and category.certification_id != tracked.certification_id:
        raise ValidationError(_("That category belongs to another certification."))
    if has_categories and category is None:
        raise ValidationError(_("Choose the category these credits belong to."))
    try:
        with transaction.atomic():
            return CreditActivity.objects.create(
                learner_certification=tracked,
                date=date,
                credits=credits,
                category=category,
                description=description,
                evidence_url=evidence_url,
            )
    except IntegrityError as exc:  # pragma: no cover - guarded above
        raise ValidationError(_("These credits could not be saved.")) from exc


def credit_activity_remove(*, learner: User, activity_id: int) -> None:
    """Delete one of the learner's own activities; another learner's raises DoesNotExist."""
    CreditActivity.objects.get(pk=activity_id, learner_certification__learner=learner).delete()
