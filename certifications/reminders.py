"""Expiry reminders: which notices are due (each once per expiry date), their emails, and the
digest section.

A tracked certification that is earned and expires has notice days (default 60, 30 and 7, set
per certification on its page). When the days left reach a notice day, that notice is due; its
key names the tracker, the expiry date and the notice day, so the engine's ReminderDelivery rows
send each exactly once, and a new expiry date (a renewal, an override) starts afresh. A notice
whose day was passed unseen (added 20 days before expiry) yields only the nearest one, never a
burst.

The notices are emails of their own (CERT_EXPIRY), claimed and sent by roadmap's
reminder dispatcher and sender (registered in CertificationsConfig.ready()). They follow the
learner's due-date reminder switch (`nudges_enabled`) and arrive at the learner's reminder hour:
an expiry date is a due date, and the email's one-click unsubscribe link is the nudges' one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.template.defaultfilters import floatformat
from django.template.loader import get_template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from accounts.models import User
from certifications.models import CertStatus, CreditActivity, LearnerCertification
from certifications.selectors import tracker_row
from core.email import RenderedEmail
from reminders import selectors as reminder_selectors
from reminders.models import ReminderDelivery
from reminders.services.email import reminder_headers
from reminders.services.registry import DigestItem, DigestSection, DueReminder, ReminderKindSpec
from reminders.services.unsubscribe import UnsubscribeKind, absolute_url, unsubscribe_url

logger = logging.getLogger(__name__)

CERT_EXPIRY = "cert_expiry"  # the kind's name in the delivery log


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


def _notice_or_none(tracked: LearnerCertification, *, today: dt.date) -> ExpiryNotice | None:
    """expiry_notice(), isolated: a row whose dates cannot be computed is logged and skipped,
    so it never stops the other learners' notices."""
    try:
        return expiry_notice(tracked, today=today)
    except Exception:  # noqa: BLE001 - one learner's row; logged with its traceback
        logger.exception("expiry notice of learner certification %s not computed", tracked.pk)
        return None


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


def _expiring() -> Q:
    """Trackers that can expire at all (a date set by the learner, or a validity)."""
    return (
        Q(expires_on_override__isnull=False)
        | Q(certification__validity_months__isnull=False)
        | Q(custom_validity_months__isnull=False)
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


def _notice_learners():
    """Learners an expiry email may go to: emailable, due-date reminders on."""
    return reminder_selectors.emailable_learners().filter(nudges_enabled=True)


def due_expiry_notices(
    *, now: dt.datetime, page_size: int = reminder_selectors.PAGE_SIZE
) -> Iterator[list[DueReminder]]:
    """Pages of expiry notices to claim now: for learners with due-date reminders on, once their
    local reminder hour has come (nudges and digests arrive then too), on their local date, and
    not claimed yet. The keys are computed in Python (expiry dates are calendar arithmetic), so
    each page of trackers costs one query for the trackers and one for the claims."""
    earned = LearnerCertification.objects.filter(
        _expiring(), status=CertStatus.EARNED, earned_on__isnull=False
    )
    learners = _notice_learners().filter(Exists(earned.filter(learner=OuterRef("pk"))))
    zones = list(learners.values_list("timezone", flat=True).distinct().order_by())
    for clock in reminder_selectors.local_clocks(zones=zones, now=now):
        trackers = earned.filter(
            learner__in=learners.filter(timezone__in=clock.zones, digest_hour__lte=clock.hour)
        ).select_related("certification")
        last = 0
        while True:
            page = list(trackers.filter(pk__gt=last).order_by("pk")[:page_size])
            if not page:
                break
            last = page[-1].pk
            notices = [n for t in page if (n := _notice_or_none(t, today=clock.date)) is not None]
            keys = [(n.tracked.learner_id, n.period_key) for n in notices]
            handled = reminder_selectors.handled_period_keys(kind=CERT_EXPIRY, keys=keys, now=now)
            due = [
                DueReminder(learner_id=learner_id, kind=CERT_EXPIRY, period_key=key)
                for learner_id, key in keys
                if (learner_id, key) not in handled
            ]
            if due:
                yield due


def _parse_key(period_key: str) -> tuple[int, dt.date, int] | None:
    try:
        _cert, _expiry, pk, expires_on, days = period_key.split(":")
        return int(pk), dt.date.fromisoformat(expires_on), int(days)
    except ValueError:
        return None


def expiry_notices_for_keys(
    *, claims: Sequence[tuple[User, str]], now: dt.datetime
) -> dict[tuple[int, str], ExpiryNotice]:
    """The notices claimed keys name that are still due now, by (learner id, key); a key is
    absent when its notice no longer applies (renewed, dropped, notice days changed, another
    learner's tracker). Four queries for the whole batch: a sender re-checks before sending."""
    parsed = {(learner.pk, key): _parse_key(key) for learner, key in claims}
    pks = {found[0] for found in parsed.values() if found is not None}
    if not pks:
        return {}
    trackers = {
        t.pk: t for t in _trackers({learner.pk for learner, _ in claims}).filter(pk__in=pks)
    }
    out = {}
    for learner, key in claims:
        found = parsed[(learner.pk, key)]
        tracked = trackers.get(found[0]) if found else None
        if tracked is None or tracked.learner_id != learner.pk:
            continue
        notice = expiry_notice(tracked, today=timezone.localdate(now, learner.zone))
        if notice is not None and (notice.expires_on, notice.days_before) == found[1:]:
            out[(learner.pk, key)] = notice
    return out


def expiry_notice_for_key(*, learner: User, period_key: str, now: dt.datetime):
    """The notice a claimed key names, if it is still due (the learner may have renewed or
    dropped it since the claim): a sender re-checks before sending. None otherwise."""
    return expiry_notices_for_keys(claims=[(learner, period_key)], now=now).get(
        (learner.pk, period_key)
    )


def _short_name(tracked: LearnerCertification) -> str:
    """PMP rather than Project Management Professional, where the catalogue has it."""
    cert = tracked.certification
    return (cert.abbreviation if cert is not None else "") or tracked.name


def expiry_subject(notice: ExpiryNotice) -> str:
    values = {
        "name": _short_name(notice.tracked),
        "date": formats.date_format(notice.expires_on, "j F Y"),
        "n": notice.days_left,
    }
    if notice.days_left == 0:
        return _("Your %(name)s expires today (%(date)s)") % values
    if notice.days_left == 1:
        return _("Your %(name)s expires tomorrow (%(date)s)") % values
    return (
        ngettext(
            "Your %(name)s expires in %(n)d day (%(date)s)",
            "Your %(name)s expires in %(n)d days (%(date)s)",
            notice.days_left,
        )
        % values
    )


def expiry_emails_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    """The expiry notices of a send batch by delivery id; None when the notice no longer
    applies or the learner switched due-date reminders off since the claim."""
    notices = expiry_notices_for_keys(
        claims=[(d.learner, d.period_key) for d in deliveries], now=now
    )
    html_template = get_template("certifications/email/expiry_notice.html")
    text_template = get_template("certifications/email/expiry_notice.txt")
    settings_url = absolute_url(reverse("accounts:settings"))
    rendered: dict[int, RenderedEmail | None] = {}
    for delivery in deliveries:
        learner = delivery.learner
        notice = notices.get((learner.pk, delivery.period_key))
        if notice is None or not learner.nudges_enabled:
            rendered[delivery.pk] = None
            continue
        tracked = notice.tracked
        subject = expiry_subject(notice)
        unsubscribe = unsubscribe_url(learner=learner, kind=UnsubscribeKind.NUDGES)
        renewal = tracker_row(tracked, today=timezone.localdate(now, learner.zone)).renewal
        cert = tracked.certification
        context = {
            "subject": subject,
            "name": learner.name,
            "certification": tracked.name,
            "issuer": tracked.issuer,
            "expires_on": formats.date_format(notice.expires_on, "j F Y"),
            "days_left": notice.days_left,
            "renewal": renewal,
            "counted": floatformat(renewal.counted, "-2") if renewal else "",
            "shortfall": floatformat(renewal.shortfall, "-2") if renewal else "",
            "fee": floatformat(cert.renewal_fee_amount, "-2")
            if cert is not None and cert.renewal_fee_amount
            else "",
            "currency": cert.cost_currency if cert is not None else "",
            "renewal_notes": cert.renewal_notes if cert is not None else "",
            "notice_days": get_text_list([str(d) for d in tracked.notice_days], _("and")),
            "certification_url": absolute_url(tracked.get_absolute_url()),
            "settings_url": settings_url,
            "unsubscribe_url": unsubscribe,
        }
        rendered[delivery.pk] = RenderedEmail(
            to=learner.email,
            subject=subject,
            text=text_template.render(context),
            html=html_template.render(context),
            headers=reminder_headers(
                unsubscribe=unsubscribe, key=delivery.period_key, delivery_id=delivery.pk
            ),
        )
    return rendered


EXPIRY_NOTICES = ReminderKindSpec(
    name=CERT_EXPIRY,
    label=_lazy("Certification expiry notice"),
    # An expiry date is a due date: the nudges' switch turns these off too.
    opt_out=UnsubscribeKind.NUDGES,
    due=due_expiry_notices,
    render=expiry_emails_render,
    count_label="certification expiry notice(s)",
)


def certification_digest_sections(learners: Sequence[User], now: dt.datetime) -> dict:
    """The digest's "Certifications expiring" section: every earned certification inside its
    largest notice window, with its renewal verdict. Four queries for the whole batch."""
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
