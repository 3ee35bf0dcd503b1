"""Reminder emails: render them, claim them, send each exactly once, and unsubscribe by token.

Exactly once, in short (README "Reminders" has the long version):
1. The dispatcher claims: it inserts one ReminderDelivery row per (learner, kind, period key)
   under a unique constraint, status "claimed", and queues the new row ids in batches.
2. A batch task sends each row inside its own transaction that first moves the row
   claimed/failed -> claimed (a conditional UPDATE: it takes the row lock and re-checks the
   status once a competing transaction has finished), then sends, then marks it "sent".
   A second worker with the same row waits for that lock and then finds it sent, so two workers
   never both send; a worker killed before its commit rolls the row back to "claimed", so the
   redelivered task (acks_late) sends it: nothing is lost.
3. The one window left is between the mail server accepting a message and the commit (about a
   millisecond); a deterministic Message-ID per delivery lets a receiving server drop a repeat.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
import sys
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.policy import Compat32
from functools import partial
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from careerpath.accounts import services as account_services
from careerpath.accounts.models import DigestFrequency, User
from roadmap.models import (
    DeliveryStatus,
    Milestone,
    ProgressStatus,
    ReminderDelivery,
    ReminderKind,
    Step,
)
from roadmap.selectors import reminders as selectors
from roadmap.selectors.progress import DUE_SOON_DAYS, MilestoneState

logger = logging.getLogger(__name__)

UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=60)
ERROR_MAX_CHARS = 2000
SMTP_TIMEOUT = 30  # seconds, when EMAIL_TIMEOUT is not set


# --- Unsubscribe tokens ---------------------------------------------------------------------


class UnsubscribeKind:
    DIGEST = "digest"
    NUDGES = "nudges"
    ALL = (DIGEST, NUDGES)


def _unsubscribe_salt(kind: str) -> str:
    # A salt per kind: a digest link can never switch nudges off, and the other way round.
    return f"roadmap.reminders.unsubscribe.{kind}"


def unsubscribe_token_make(*, learner: User, kind: str) -> str:
    return signing.dumps(learner.pk, salt=_unsubscribe_salt(kind))


def unsubscribe_token_learner(*, token: str, kind: str) -> User:
    """The learner a token names; raises signing.BadSignature (or its SignatureExpired) for a
    tampered or expired token, and User.DoesNotExist for a deleted account."""
    if kind not in UnsubscribeKind.ALL:
        raise signing.BadSignature("unknown kind")
    pk = signing.loads(token, salt=_unsubscribe_salt(kind), max_age=UNSUBSCRIBE_MAX_AGE)
    return User.objects.get(pk=pk)


def reminder_unsubscribe(*, learner: User, kind: str) -> User:
    """Switch one kind of reminder off. Idempotent: a second click changes nothing."""
    if kind == UnsubscribeKind.DIGEST:
        change = {"digest_frequency": DigestFrequency.OFF}
    elif kind == UnsubscribeKind.NUDGES:
        change = {"nudges_enabled": False}
    else:
        raise ValueError(f"Unknown reminder kind: {kind}")
    # The settings page's own service, so both ways of changing preferences behave the same.
    return account_services.reminder_preferences_update(user=learner, **change)


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(*, learner: User, kind: str) -> str:
    token = unsubscribe_token_make(learner=learner, kind=kind)
    return absolute_url(reverse("reminders:unsubscribe", kwargs={"kind": kind, "token": token}))


# --- Digest section providers: the hook for other apps --------------------------------------


@dataclass(frozen=True)
class DigestItem:
    text: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class DigestSection:
    """A block another app adds to the digest, e.g. "Certifications expiring" or
    "Applications to follow up"."""

    title: str
    items: tuple[DigestItem, ...]


# provider(learners, now) -> {learner id: [DigestSection, ...]}; one call per batch, so a
# provider reads what it needs for all the batch's learners in a fixed number of queries.
DigestSectionProvider = Callable[[Sequence[User], dt.datetime], dict[int, list[DigestSection]]]
DIGEST_SECTION_PROVIDERS: list[DigestSectionProvider] = []


def digest_section_provider_register(provider: DigestSectionProvider) -> DigestSectionProvider:
    """Add a section to every digest; call from an app's AppConfig.ready(). Usable as a
    decorator. Certification expiries and application follow-ups plug in here."""
    if provider not in DIGEST_SECTION_PROVIDERS:
        DIGEST_SECTION_PROVIDERS.append(provider)
    return provider


# --- Rendering --------------------------------------------------------------------------------


def _encoded_words(text: str) -> str:
    """RFC 2047 "B" encoded-words for a non-ASCII header, 64 characters at most and cut between
    characters: what Header(text, "utf-8").encode() means, without its search for the shortest
    encoding, which measures every prefix of the text (quadratic: it was the largest single cost
    of a digest's MIME message)."""
    raw = text.encode()
    words = []
    while raw:
        # 39 bytes -> 52 base64 characters + 12 of framing = 64, so even the first word fits
        # on the "Subject: " line: a fold before it would read back as a leading space.
        cut = min(len(raw), 39)
        while cut < len(raw) and raw[cut] & 0xC0 == 0x80:
            cut -= 1  # never split a character's bytes across two words
        words.append(f"=?utf-8?b?{base64.b64encode(raw[:cut]).decode()}?=")
        raw = raw[cut:]
    return " ".join(words)


class _FoldOnce(Compat32):
    """Django's policy (compat32), remembering how it folded a header line: ten of a digest's
    seventeen header lines (MIME-Version, the parts' Content-Type and transfer encoding, From,
    Auto-Submitted...) are the same in every message, and folding header lines is most of what
    serialising one costs. Folding depends on the name, the value and these settings only."""

    _folded: dict[tuple, bytes] = {}
    MAX_ENTRIES = 256  # the constant lines plus a few dozen messages' own; then start over

    def fold_binary(self, name, value):
        if not isinstance(value, str):
            return super().fold_binary(name, value)
        key = (name, value, self.linesep, self.max_line_length, self.cte_type)
        folded = self._folded.get(key)
        if folded is None:
            folded = super().fold_binary(name, value)
            if len(self._folded) >= self.MAX_ENTRIES:
                self._folded.clear()
            self._folded[key] = folded
        return folded


_FOLD_ONCE = _FoldOnce()


class _ReminderMessage(EmailMultiAlternatives):
    """Django's message, with three of its costs cut: the subject's encoding and the MIME
    boundary (the stdlib compiles a new regular expression per message to check it) made
    linear, and the header lines every message shares folded once."""

    def message(self):
        subject = self.subject
        ascii_subject = subject.isascii()
        if not ascii_subject:
            if "\n" in subject or "\r" in subject:  # Django's own check, and its error
                raise BadHeaderError(
                    f"Header values can't contain newlines (got {subject!r} for header 'Subject')"
                )
            self.subject = ""  # keeps the header's place; its value is set below
        try:
            msg = super().message()
        finally:
            self.subject = subject
        if not ascii_subject:
            msg.replace_header("Subject", _encoded_words(subject))
        texts = [self.body, *(content for content, _ in self.alternatives)]
        while True:
            boundary = f"==============={secrets.randbelow(sys.maxsize):019d}=="
            if not any("--" + boundary in text for text in texts):
                break
        msg.set_boundary(boundary)
        msg.policy = _FOLD_ONCE  # the generator hands it down to the parts
        return msg


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    def message(self, *, connection=None) -> EmailMultiAlternatives:
        message = _ReminderMessage(
            subject=self.subject,
            body=self.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.to],
            headers=self.headers,
            connection=connection,
        )
        message.attach_alternative(self.html, "text/html")
        return message


def _zone(learner: User) -> zoneinfo.ZoneInfo:
    try:
        return learner.zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _short_date(day: dt.date) -> str:
    return date_format(day, "D j M")


def _headers(*, unsubscribe: str, key: str, delivery_id: int | None) -> dict[str, str]:
    headers = {
        # RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Careerpath-Reminder": key,
    }
    if delivery_id is not None:
        domain = urlsplit(settings.SITE_URL).hostname or "careerpath.local"
        # The same id on every attempt of one delivery, so a repeat can be recognised.
        headers["Message-ID"] = f"<reminder-{delivery_id}@{domain}>"
    return headers


class _Links:
    """Absolute links for one batch; a shared roadmap means the same milestone URLs recur."""

    def __init__(self) -> None:
        self._milestones: dict[int, str] = {}
        self.dashboard = absolute_url(reverse("roadmap:dashboard"))
        self.settings = absolute_url(reverse("accounts:settings"))

    def milestone(self, milestone: Milestone) -> str:
        url = self._milestones.get(milestone.pk)
        if url is None:
            url = self._milestones[milestone.pk] = absolute_url(milestone.get_absolute_url())
        return url


@dataclass(frozen=True)
class DigestRequest:
    learner: User
    frequency: str  # daily or weekly: the period "since" falls back to
    period_key: str
    delivery_id: int | None = None


def _digest_subject(
    *,
    frequency: str,
    done_count: int,
    percent: int,
    overdue: list[MilestoneState],
    due_soon: list[MilestoneState],
    next_action: MilestoneState | None,
) -> str:
    parts = []
    if done_count:
        if frequency == DigestFrequency.DAILY:
            text = ngettext(
                "%(n)d milestone done since yesterday",
                "%(n)d milestones done since yesterday",
                done_count,
            )
        else:
            text = ngettext(
                "%(n)d milestone done this week", "%(n)d milestones done this week", done_count
            )
        parts.append(text % {"n": done_count})
    if overdue:
        parts.append(
            _("%(n)d overdue: %(title)s") % {"n": len(overdue), "title": overdue[0].milestone.title}
        )
    elif due_soon:
        parts.append(
            _("due %(date)s: %(title)s")
            % {"date": _short_date(due_soon[0].target_date), "title": due_soon[0].milestone.title}
        )
    if not parts:
        parts.append(_("%(percent)d%% done") % {"percent": percent})
        if next_action is not None:
            parts.append(_("next: %(title)s") % {"title": next_action.milestone.title})
    subject = " · ".join(parts)
    subject = subject[0].upper() + subject[1:]
    return subject if len(subject) <= 150 else subject[:149] + "…"


class _DigestWords:
    """The digest's fixed wording, translated once per batch, and its per-email sentences.

    The templates only lay out what is computed here: a translate tag re-runs for every one of
    thousands of emails, a string built once per batch does not.
    """

    def __init__(self) -> None:
        self.next_action = _("Your next action")
        self.overdue = _("Overdue")
        self.due_soon = ngettext(
            "Due in the next %(n)d day", "Due in the next %(n)d days", DUE_SOON_DAYS
        ) % {"n": DUE_SOON_DAYS}
        self.open_dashboard = _("Open your dashboard")
        self.dashboard = _("Your dashboard")
        self.daily = _("You get this digest every day.")
        self.weekly = _("You get this digest every week.")
        self.change_when = _("Change when")
        self.unsubscribe = _("Unsubscribe from the digest")
        self.nothing_done = _(
            "No milestones finished since your last digest — one small step today keeps you moving."
        )
        self._notes = {"target": _("target %(date)s"), "was_due": _("was due %(date)s")}
        self._dates: dict[dt.date, str] = {}

    def date(self, day: dt.date) -> str:
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = _short_date(day)
        return text

    def summary(self, *, done: int, streak: int) -> str:
        if done:
            text = ngettext(
                "You finished %(n)d milestone since your last digest.",
                "You finished %(n)d milestones since your last digest.",
                done,
            ) % {"n": done}
        else:
            text = self.nothing_done
        if streak:
            text += " " + ngettext(
                "Your streak: %(n)d day in a row.", "Your streak: %(n)d days in a row.", streak
            ) % {"n": streak}
        return text

    def row(self, state: MilestoneState, links: _Links, note: str = "") -> dict:
        target = state.target_date
        if target is not None:
            date = self.date(target)
            note = self._notes.get(note, "%(date)s") % {"date": date}
        return {
            "title": state.milestone.title,
            "url": links.milestone(state.milestone),
            "note": note,
        }


class _DigestFragments:
    """The digest's step rows, rendered once per batch for each (step, percent) they show.

    Learners on one roadmap share its steps and a step has only a few possible percents, so
    nearly every row is a cache hit: the per-learner templates join ready-made rows instead of
    running a loop of tags and filters for each step of each learner (most of what the two
    templates cost).
    """

    def __init__(self) -> None:
        self._step_html = get_template("reminders/email/_step_row.html")
        self._step_text = get_template("reminders/email/_step_row.txt")
        self._steps: dict[tuple[int, int], tuple[str, str]] = {}

    def step(self, step: Step, percent: int) -> tuple[str, str]:
        key = (step.pk, percent)
        found = self._steps.get(key)
        if found is None:
            context = {"title": step.title, "percent": percent, "rest": 100 - percent}
            found = (self._step_html.render(context), self._step_text.render(context))
            self._steps[key] = found
        return found


def digests_render(
    *, requests: Sequence[DigestRequest], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    """Digest emails for many learners in a fixed number of queries: {learner id: RenderedEmail,
    or None when there is nothing to say (not enrolled, nothing left to do)}."""
    learners = [r.learner for r in requests]
    if not learners:
        return {}
    today = {learner.pk: now.astimezone(_zone(learner)).date() for learner in learners}
    overviews = selectors.learner_overviews(learners=learners, today_by_learner=today)
    last_sent = selectors.last_digest_sent_at(learner_ids=today)
    streaks = selectors.streaks(learners=learners, today_by_learner=today)
    sections: dict[int, list[DigestSection]] = {}
    for provider in DIGEST_SECTION_PROVIDERS:
        for learner_id, found in provider(learners, now).items():
            sections.setdefault(learner_id, []).extend(found)
    links = _Links()
    words = _DigestWords()
    fragments = _DigestFragments()
    html_template = get_template("reminders/email/digest.html")
    text_template = get_template("reminders/email/digest.txt")
    rendered: dict[int, RenderedEmail | None] = {}
    for request in requests:
        learner = request.learner
        overview = overviews[learner.pk]
        extra = sections.get(learner.pk, [])
        if overview.total == 0 or (overview.is_complete and not extra):
            rendered[learner.pk] = None
            continue
        period = dt.timedelta(days=1 if request.frequency == DigestFrequency.DAILY else 7)
        since = last_sent.get(learner.pk) or now - period
        done = [
            m
            for m in overview.milestones
            if m.status == ProgressStatus.DONE
            and m.progress.completed_at is not None
            and m.progress.completed_at >= since
        ]
        actions = overview.next_actions(1)
        next_action = actions[0] if actions else None
        overdue, due_soon, percent = overview.overdue, overview.due_soon, overview.percent
        subject = _digest_subject(
            frequency=request.frequency,
            done_count=len(done),
            percent=percent,
            overdue=overdue,
            due_soon=due_soon,
            next_action=next_action,
        )
        unsubscribe = unsubscribe_url(learner=learner, kind=UnsubscribeKind.DIGEST)
        paths = []
        for p in overview.paths:
            rows = [fragments.step(s.step, s.percent) for s in p.steps]
            # Pieces of autoescaped templates, so joining them keeps them safe.
            paths.append(
                {
                    "heading": f"{p.path.title}: {p.percent}% ({p.done}/{p.total})",
                    "html": mark_safe("".join(html for html, _ in rows)),
                    "text": "".join(text for _, text in rows),
                }
            )
        daily = request.frequency == DigestFrequency.DAILY
        context = {
            "words": words,
            "subject": subject,
            "hello": _("Hello %(name)s,") % {"name": learner.name},
            "summary": words.summary(done=len(done), streak=streaks.get(learner.pk, 0)),
            "done": [words.row(m, links) for m in done[:5]],
            "overall": _("Overall: %(percent)d%% complete") % {"percent": percent},
            "paths": paths,
            "overdue": [words.row(m, links, "was_due") for m in overdue],
            "due_soon": [words.row(m, links) for m in due_soon],
            "next_action": words.row(next_action, links, "target") if next_action else None,
            "sections": extra,
            "frequency_note": words.daily if daily else words.weekly,
            "dashboard_url": links.dashboard,
            "settings_url": links.settings,
            "unsubscribe_url": unsubscribe,
        }
        headers = _headers(
            unsubscribe=unsubscribe, key=request.period_key, delivery_id=request.delivery_id
        )
        rendered[learner.pk] = RenderedEmail(
            to=learner.email,
            subject=subject,
            text=text_template.render(context),
            html=html_template.render(context),
            headers=headers,
        )
    return rendered


def _nudge_subject(*, kind: str, days_left: int, title: str, target: dt.date) -> str:
    if kind == ReminderKind.NUDGE_OVERDUE:
        return _("Missed target date (%(date)s): %(title)s") % {
            "date": _short_date(target),
            "title": title,
        }
    if days_left == 0:
        return _("Due today: %(title)s") % {"title": title}
    if days_left == 1:
        return _("Due tomorrow: %(title)s") % {"title": title}
    return _("Due in %(n)d days: %(title)s") % {"n": days_left, "title": title}


def _nudges_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    """Nudge emails by delivery id; None when the nudge no longer applies (done, date moved)."""
    progress = selectors.nudge_progress(pairs=[(d.learner_id, d.milestone_id) for d in deliveries])
    links = _Links()
    html_template = get_template("reminders/email/nudge.html")
    text_template = get_template("reminders/email/nudge.txt")
    rendered: dict[int, RenderedEmail | None] = {}
    for delivery in deliveries:
        learner, milestone = delivery.learner, delivery.milestone
        row = progress.get((delivery.learner_id, delivery.milestone_id))
        today = now.astimezone(_zone(learner)).date()
        overdue = delivery.kind == ReminderKind.NUDGE_OVERDUE
        still_applies = (
            learner.nudges_enabled
            and milestone is not None
            and milestone.retired_at is None
            and row is not None
            and row.status not in (ProgressStatus.DONE, ProgressStatus.SKIPPED)
            and row.target_date == delivery.target_date
            and (row.target_date < today if overdue else row.target_date >= today)
        )
        if not still_applies:
            rendered[delivery.pk] = None
            continue
        days_left = (delivery.target_date - today).days
        subject = _nudge_subject(
            kind=delivery.kind, days_left=days_left, title=milestone.title, target=row.target_date
        )
        unsubscribe = unsubscribe_url(learner=learner, kind=UnsubscribeKind.NUDGES)
        headers = _headers(
            unsubscribe=unsubscribe, key=delivery.period_key, delivery_id=delivery.pk
        )
        context = {
            "name": learner.name,
            "subject": subject,
            "overdue": overdue,
            "days_left": days_left,
            "title": milestone.title,
            "why": milestone.why,
            "path": milestone.step.path.title,
            "step": milestone.step.title,
            "target": _short_date(row.target_date),
            "status": ProgressStatus(row.status).label,
            "milestone_url": links.milestone(milestone),
            "dashboard_url": links.dashboard,
            "settings_url": links.settings,
            "unsubscribe_url": unsubscribe,
        }
        rendered[delivery.pk] = RenderedEmail(
            to=learner.email,
            subject=subject,
            text=text_template.render(context),
            html=html_template.render(context),
            headers=headers,
        )
    return rendered


def _frequency_of(period_key: str) -> str:
    daily = period_key.startswith("digest:daily:")
    return DigestFrequency.DAILY if daily else DigestFrequency.WEEKLY


def deliveries_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    """Every email of a batch, by delivery id, in a fixed number of queries per kind."""
    digests = [
        d
        for d in deliveries
        if d.kind == ReminderKind.DIGEST and d.learner.digest_frequency != DigestFrequency.OFF
    ]
    nudges = [d for d in deliveries if d.kind != ReminderKind.DIGEST]
    rendered: dict[int, RenderedEmail | None] = {d.pk: None for d in deliveries}
    by_learner = digests_render(
        requests=[
            DigestRequest(
                learner=d.learner,
                frequency=_frequency_of(d.period_key),
                period_key=d.period_key,
                delivery_id=d.pk,
            )
            for d in digests
        ],
        now=now,
    )
    for delivery in digests:
        rendered[delivery.pk] = by_learner[delivery.learner_id]
    rendered.update(_nudges_render(deliveries=nudges, now=now))
    return rendered


def reminder_preview(*, learner: User, now: dt.datetime | None = None) -> RenderedEmail | None:
    """The digest this learner would get if it were sent now, by the sender's own code."""
    now = now or timezone.now()
    frequency = learner.digest_frequency
    if frequency == DigestFrequency.OFF:
        frequency = DigestFrequency.WEEKLY
    local = now.astimezone(_zone(learner))
    key = selectors.digest_period_key(frequency=frequency, local=local)
    request = DigestRequest(learner=learner, frequency=frequency, period_key=key)
    return digests_render(requests=[request], now=now)[learner.pk]


# --- Dispatch: claim what is due and queue it -------------------------------------------------


@dataclass
class DispatchSummary:
    digests: int = 0
    nudges: int = 0
    batches: int = 0

    @property
    def total(self) -> int:
        return self.digests + self.nudges


def _claim(
    *, rows: list[ReminderDelivery], stamp: dt.datetime, deliver: Callable[[list[int]], None]
) -> list[int]:
    """Insert the page's delivery rows (existing ones are left alone), take back claims that
    were abandoned, and queue the ids that are ours once the transaction has committed."""
    if not rows:
        return []
    kinds = {r.kind for r in rows}
    mine = Q(
        kind__in=kinds,
        learner_id__in={r.learner_id for r in rows},
        period_key__in={r.period_key for r in rows},
        status=DeliveryStatus.CLAIMED,
    )
    with transaction.atomic():
        ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        ReminderDelivery.objects.filter(
            mine, claimed_at__lt=stamp - selectors.STALE_CLAIM_AFTER
        ).update(claimed_at=stamp)
        ids = list(
            ReminderDelivery.objects.filter(mine, claimed_at=stamp)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            transaction.on_commit(partial(deliver, ids))
    return ids


def reminders_dispatch(
    *,
    now: dt.datetime,
    deliver: Callable[[list[int]], None],
    page_size: int = selectors.PAGE_SIZE,
    dry_run: bool = False,
    report: Callable[[str, list], None] | None = None,
) -> DispatchSummary:
    """Claim every digest and nudge due at `now` and hand each page of delivery ids to `deliver`
    (the beat task queues a Celery task per page; the command sends in-process). With dry_run,
    `report` sees what would be claimed and nothing is written."""
    summary = DispatchSummary()
    stamp = timezone.now()
    for page in selectors.due_digests(now=now, page_size=page_size):
        if report:
            report(ReminderKind.DIGEST, page)
        if dry_run:
            summary.digests += len(page)
            continue
        rows = [
            ReminderDelivery(
                learner_id=due.learner_id,
                kind=ReminderKind.DIGEST,
                period_key=due.period_key,
                claimed_at=stamp,
            )
            for due in page
        ]
        ids = _claim(rows=rows, stamp=stamp, deliver=deliver)
        summary.digests += len(ids)
        summary.batches += bool(ids)
    for page in selectors.due_nudges(now=now, page_size=page_size):
        if report:
            report("nudge", page)
        if dry_run:
            summary.nudges += len(page)
            continue
        rows = [
            ReminderDelivery(
                learner_id=due.learner_id,
                kind=due.kind,
                period_key=due.period_key,
                milestone_id=due.milestone_id,
                target_date=due.target_date,
                claimed_at=stamp,
            )
            for due in page
        ]
        ids = _claim(rows=rows, stamp=stamp, deliver=deliver)
        summary.nudges += len(ids)
        summary.batches += bool(ids)
    return summary


# --- Sending a batch ------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX_CHARS]


class _Rows:
    """The two statements every email costs, as plain SQL: they run once per email, and the
    ORM's per-call compilation would cost more than the database round trip itself."""

    def __init__(self) -> None:
        ops = connection.ops
        self._ops = ops
        table = ops.quote_name(ReminderDelivery._meta.db_table)
        self._take_sql = (
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s, "
            f"updated_at = %s WHERE id = %s AND status IN (%s, %s)"
        )
        self._finish_sql = (
            f"UPDATE {table} SET status = %s, sent_at = %s, subject = %s, error = %s, "
            f"updated_at = %s WHERE id = %s"
        )

    def _now(self):
        return self._ops.adapt_datetimefield_value(timezone.now())

    def take(self, cursor, delivery_id: int) -> bool:
        """Inside the caller's transaction: lock the row if it still needs sending. The UPDATE
        waits for a competing transaction on the row and re-checks the status after it."""
        now = self._now()
        cursor.execute(
            self._take_sql,
            [
                DeliveryStatus.CLAIMED,
                now,
                now,
                delivery_id,
                DeliveryStatus.CLAIMED,
                DeliveryStatus.FAILED,
            ],
        )
        return cursor.rowcount == 1

    def finish(
        self, cursor, delivery_id: int, *, status: str, subject: str = "", error: str = ""
    ) -> None:
        now = self._now()
        sent_at = now if status == DeliveryStatus.SENT else None
        cursor.execute(self._finish_sql, [status, sent_at, subject, error, now, delivery_id])


def reminder_deliveries_send(
    *, delivery_ids: Iterable[int], now: dt.datetime | None = None, mail_connection=None
) -> SendReport:
    """Send a batch of claimed deliveries through one mail connection, each exactly once.

    Reads for the whole batch take a fixed number of queries; then each delivery costs its
    own short transaction (lock + mark) around the send. Failures are recorded on the row
    and returned, for the task to retry with backoff.
    """
    now = now or timezone.now()
    report = SendReport()
    deliveries = list(
        ReminderDelivery.objects.sendable()
        .filter(pk__in=list(delivery_ids))
        .select_related("learner", "milestone__step__path")
        .order_by("pk")
    )
    if not deliveries:
        return report
    emails = deliveries_render(deliveries=deliveries, now=now)
    # A hung mail server must not hold the batch (and its row lock) until the hard time limit.
    mail_connection = mail_connection or get_connection(
        timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT
    )
    rows = _Rows()
    opened = False
    open_error: Exception | None = None
    try:
        for delivery in deliveries:
            email = emails[delivery.pk]
            with transaction.atomic(), connection.cursor() as cursor:
                if not rows.take(cursor, delivery.pk):
                    continue  # sent (or being sent) by another worker: theirs, not ours
                if email is None:
                    rows.finish(cursor, delivery.pk, status=DeliveryStatus.SKIPPED)
                    report.skipped.append(delivery.pk)
                    continue
                try:
                    if open_error is not None:
                        # One refused connection fails the rest of the batch at once, instead
                        # of a connection timeout per message.
                        raise open_error
                    if not opened:
                        try:
                            mail_connection.open()
                        except Exception as exc:
                            open_error = exc
                            raise
                        opened = True
                    email.message(connection=mail_connection).send()
                except SoftTimeLimitExceeded:
                    raise  # the row rolls back to "claimed"; a later run sends it
                except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
                    error = _error_text(exc)
                    logger.warning("reminder %s not sent: %s", delivery.pk, error)
                    rows.finish(cursor, delivery.pk, status=DeliveryStatus.FAILED, error=error)
                    report.failed.append(delivery.pk)
                    continue
                rows.finish(
                    cursor, delivery.pk, status=DeliveryStatus.SENT, subject=email.subject[:255]
                )
                report.sent.append(delivery.pk)
    finally:
        if opened:
            mail_connection.close()
    return report


def retry_countdown(retries: int, *, base: int = 60, cap: int = 1800) -> int:
    """Exponential backoff for a failed batch: 1, 2, 4, 8, 16 minutes... capped at half an hour,
    below the broker's visibility timeout (an hour), so a waiting retry is not handed out twice."""
    return min(cap, base * 2**retries)


__all__ = [
    "DIGEST_SECTION_PROVIDERS",
    "DigestItem",
    "DigestRequest",
    "DigestSection",
    "DispatchSummary",
    "RenderedEmail",
    "SendReport",
    "UnsubscribeKind",
    "deliveries_render",
    "digest_section_provider_register",
    "digests_render",
    "reminder_deliveries_send",
    "reminder_preview",
    "reminder_unsubscribe",
    "reminders_dispatch",
    "retry_countdown",
    "unsubscribe_token_learner",
    "unsubscribe_token_make",
    "unsubscribe_url",
]
