"""Reminder emails: render them, claim them, send each exactly once, and unsubscribe by token.

Exactly once, in short (README "Reminders" has the long version):
1. The dispatcher claims: it inserts one ReminderDelivery row per (learner, kind, period key)
   under a unique constraint, status "claimed", and queues the new row ids in batches.
2. A batch task sends each row inside its own transaction that first marks the row "sent" if
   it is still claimed/failed (a conditional UPDATE: it takes the row lock and re-checks the
   status once a competing transaction has finished), then sends, then commits; a failed send
   rolls the mark back and records "failed". A second worker with the same row waits for that
   lock and then finds it sent, so two workers never both send; a worker killed before its
   commit rolls the row back to "claimed", so the redelivered task (acks_late) sends it:
   nothing is lost.
3. The one window left is between the mail server accepting a message and the commit (about a
   millisecond); a deterministic Message-ID per delivery lets a receiving server drop a repeat.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import logging
import re
import secrets
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.policy import Compat32
from email.utils import formatdate
from functools import lru_cache, partial
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.core.mail.message import forbid_multi_line_headers, make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.db.models import Q
from django.template.base import TextNode, VariableNode
from django.template.defaulttags import (
    AutoEscapeControlNode,
    CommentNode,
    ForNode,
    IfNode,
    LoadNode,
    TemplateLiteral,
)
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

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


# --- Other apps' own reminder emails: the second hook --------------------------------------


@dataclass(frozen=True)
class ReminderEmailSource:
    """A kind of reminder email another app owns (certification expiry notices), claimed and
    sent exactly once by this module's dispatcher and sender, with the same delivery rows.

    due(now=, page_size=) yields pages of selectors.DueReminder with no delivery row yet (an
    abandoned claim counts as none); render(deliveries=, now=) returns {delivery id:
    RenderedEmail, or None when it no longer applies}, re-checking at send time, in a fixed
    number of queries per batch.
    """

    kind: str  # a ReminderKind value
    due: Callable[..., Iterable[list[selectors.DueReminder]]]
    render: Callable[..., dict[int, RenderedEmail | None]]


REMINDER_EMAIL_SOURCES: dict[str, ReminderEmailSource] = {}


def reminder_email_source_register(source: ReminderEmailSource) -> ReminderEmailSource:
    """Send another app's reminder kind; call from its AppConfig.ready()."""
    REMINDER_EMAIL_SOURCES[source.kind] = source
    return source


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


# Printable ASCII words with single spaces: the header values compat32 folds predictably (see
# _FoldOnce._fold_plain; the tests compare it with the stdlib's folding).
_PLAIN_HEADER = re.compile(r"[!-~]+(?: [!-~]+)*\Z")


class _FoldOnce(Compat32):
    """Django's policy (compat32), folding header lines faster: ten of a digest's seventeen
    header lines (MIME-Version, the parts' Content-Type and transfer encoding, From,
    Auto-Submitted...) are the same in every message and are folded once, and lines of plain
    words are folded directly. Folding header lines was most of what serialising one cost."""

    _folded: dict[tuple, bytes] = {}
    MAX_ENTRIES = 256  # the constant lines plus a few dozen messages' own; then start over

    def fold_binary(self, name, value):
        if not isinstance(value, str):
            return super().fold_binary(name, value)
        if self.max_line_length == 78 and _PLAIN_HEADER.match(value):
            folded = self._fold_plain(name, value)
            if folded is not None:
                return folded.encode("ascii")
        key = (name, value, self.linesep, self.max_line_length, self.cte_type)
        folded = self._folded.get(key)
        if folded is None:
            folded = super().fold_binary(name, value)
            if len(self._folded) >= self.MAX_ENTRIES:
                self._folded.clear()
            self._folded[key] = folded
        return folded

    def _fold_plain(self, name: str, value: str) -> str | None:
        """What compat32 (email.header.Header) makes of printable words with single spaces,
        or None where this does not know: a line that fits is left as it is; a single word too
        long for it goes whole onto a continuation line; otherwise lines are filled word by
        word up to 78 characters, breaking before a word (when no word ends in ";" or ",",
        where it would rather break, and every word fits on the first line)."""
        nl = self.linesep
        room = 76 - len(name)  # the first line's, after "Name: "
        if len(value) <= room:
            return f"{name}: {value}{nl}"
        words = value.split(" ")
        if len(words) == 1:
            return f"{name}: {nl} {value}{nl}"
        if ";" in value or "," in value or max(map(len, words)) > room:
            return None
        lines = []
        line = f"{name}: {words[0]}"
        for word in words[1:]:
            if len(line) + 1 + len(word) > 78:
                lines.append(line)
                line = " " + word
            else:
                line += " " + word
        lines.append(line)
        return nl.join(lines) + nl


_FOLD_ONCE = _FoldOnce()
_FOLDS = {"\n": _FOLD_ONCE, "\r\n": _FOLD_ONCE.clone(linesep="\r\n")}
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Longer lines make Django encode a part quoted-printable (RFC 5322's limit is 998 octets).
_LONGEST_8BIT_LINE = 998


def _new_boundary(texts: Sequence[str]) -> str:
    while True:
        boundary = f"==============={secrets.randbelow(sys.maxsize):019d}=="
        if not any("--" + boundary in text for text in texts):
            return boundary


class _Boundary:
    """One MIME boundary for many messages (any string absent from the parts will do), so the
    Content-Type line that carries it is folded once; a message that happens to contain it
    gets a new one."""

    value = _new_boundary(())

    @classmethod
    def for_texts(cls, texts: Sequence[str]) -> str:
        if any("--" + cls.value in text for text in texts):
            cls.value = _new_boundary(texts)
        return cls.value


def _has_long_lines(text: str) -> bool:
    """Django's test for quoted-printable (a line over 998 octets), without encoding every line:
    a line of at most 249 characters is at most 996 octets in UTF-8."""
    lines = text.splitlines()
    longest = max(map(len, lines), default=0)
    if longest * 4 <= _LONGEST_8BIT_LINE:
        return False
    if longest > _LONGEST_8BIT_LINE:
        return True
    return any(
        len(line.encode(errors="surrogateescape")) > _LONGEST_8BIT_LINE
        for line in lines
        if len(line) * 4 > _LONGEST_8BIT_LINE
    )


class _WireMessage:
    """What a mail backend reads of EmailMessage.message() (as_bytes, get_charset): the bytes
    the stdlib's generator writes for Django's message, written directly.

    A reminder is always the same shape, multipart/alternative of a UTF-8 text and HTML part
    in 7bit or 8bit, so the bytes are its header lines (Django's own values, folded by Django's
    policy), boundaries and bodies with their line ends normalised; building the MIME tree to
    walk it again cost more than rendering the email. Anything else a backend asks for comes
    from Django's message object, built on first use (the tests compare the bytes of both).
    """

    def __init__(
        self,
        *,
        headers: list[tuple[str, str]],
        parts: list[tuple[str, str]],
        boundary: str,
        stock: Callable[[], object],
    ) -> None:
        self._headers = headers
        self._parts = parts  # (content type, text)
        self._boundary = boundary
        self._build_stock = stock
        self._stock_message = None
        self._bytes: dict[str, bytes] = {}

    def _stock(self):
        if self._stock_message is None:
            self._stock_message = self._build_stock()
        return self._stock_message

    def _wire(self, linesep: str) -> bytes:
        fold = _FOLDS[linesep].fold_binary
        nl = linesep.encode()
        out = [fold(name, value) for name, value in self._headers]
        out.append(nl)
        delimiter = f"--{self._boundary}".encode()
        for index, (content_type, text) in enumerate(self._parts):
            if index:
                out.append(nl)
            out += [delimiter, nl]
            body = text.encode()
            out += [
                fold("Content-Type", f'{content_type}; charset="utf-8"'),
                fold("MIME-Version", "1.0"),
                fold("Content-Transfer-Encoding", "7bit" if body.isascii() else "8bit"),
                nl,
                _NEWLINES.sub(linesep, text).encode() if "\r" in text or linesep != "\n" else body,
            ]
        out += [nl, delimiter, b"--", nl]
        return b"".join(out)

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        if unixfrom or linesep not in _FOLDS:
            return self._stock().as_bytes(unixfrom=unixfrom, linesep=linesep)
        wire = self._bytes.get(linesep)
        if wire is None:
            wire = self._bytes[linesep] = self._wire(linesep)
        return wire

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self._stock().as_string(unixfrom=unixfrom, linesep=linesep)

    def get_charset(self):
        return None  # a multipart message has none; the file backend then decodes as UTF-8

    def __bytes__(self) -> bytes:
        return self.as_bytes()

    def __str__(self) -> str:
        return self.as_string()

    def __getitem__(self, name: str):
        return self._stock()[name]

    def __contains__(self, name: str) -> bool:
        return name in self._stock()

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._stock(), name)


class _ReminderMessage(EmailMultiAlternatives):
    """Django's message, serialised without building the MIME tree (_WireMessage) when it is a
    reminder's usual shape; otherwise Django's own, with two of its costs cut: the subject's
    encoding made linear, and the header lines every message shares folded once."""

    def _subject_value(self) -> str:
        subject = str(self.subject)
        if subject.isascii():
            return forbid_multi_line_headers("Subject", subject, self._encoding())[1]
        if "\n" in subject or "\r" in subject:  # Django's own check, and its error
            raise BadHeaderError(
                f"Header values can't contain newlines (got {subject!r} for header 'Subject')"
            )
        return _encoded_words(subject)

    def _encoding(self) -> str:
        return self.encoding or settings.DEFAULT_CHARSET

    def _is_usual(self) -> bool:
        return (
            self._encoding() == "utf-8"  # Django's 8bit/7bit parts; other spellings differ
            and bool(self.body)
            and bool(self.to)
            and not (self.cc or self.reply_to or self.attachments)
            and len(self.alternatives) == 1
            and self.alternatives[0][1] == "text/html"
            and self.content_subtype == "plain"
            and self.alternative_subtype == "alternative"
            and not {k.lower() for k in self.extra_headers}
            & {"from", "to", "cc", "reply-to", "date"}
        )

    def message(self):
        date = _DateHeader.now(settings.EMAIL_USE_LOCALTIME)
        texts = [self.body, self.alternatives[0][0]] if self.alternatives else [self.body]
        if not self._is_usual() or any(_has_long_lines(t) for t in texts):
            return self.stock_message(boundary=_new_boundary(texts), date=date)
        boundary = _Boundary.for_texts(texts)
        encoding = self._encoding()
        headers = [
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            ("MIME-Version", "1.0"),
            ("Subject", self._subject_value()),
            ("From", _address_header("From", self.from_email, encoding)),
            ("To", forbid_multi_line_headers("To", ", ".join(map(str, self.to)), encoding)[1]),
            ("Date", date),
        ]
        message_id = None
        if "message-id" not in {k.lower() for k in self.extra_headers}:
            message_id = make_msgid(domain=DNS_NAME)
            headers.append(("Message-ID", message_id))
        headers += [
            forbid_multi_line_headers(name, value, encoding)
            for name, value in self.extra_headers.items()
        ]
        return _WireMessage(
            headers=headers,
            parts=[("text/plain", texts[0]), ("text/html", texts[1])],
            boundary=boundary,
            stock=partial(self.stock_message, boundary=boundary, date=date, message_id=message_id),
        )

    def stock_message(self, *, boundary: str, date: str, message_id: str | None = None):
        """Django's message object, with this boundary, date and (if it made one) Message-ID."""
        subject = self.subject
        ascii_subject = str(subject).isascii()
        encoded = self._subject_value()
        if not ascii_subject:
            self.subject = ""  # keeps the header's place; its value is set below
        try:
            msg = super().message()
        finally:
            self.subject = subject
        if not ascii_subject:
            msg.replace_header("Subject", encoded)
        own = {k.lower() for k in self.extra_headers}
        if "date" not in own:
            msg.replace_header("Date", date)
        if message_id is not None and "message-id" not in own:
            msg.replace_header("Message-ID", message_id)
        msg.set_boundary(boundary)
        msg.policy = _FOLD_ONCE  # the generator hands it down to the parts
        return msg


class _DateHeader:
    """formatdate() for now, made once per second: every message in that second has it."""

    made: tuple = (None, "")  # ((second, localtime), header), swapped whole

    @classmethod
    def now(cls, localtime: bool) -> str:
        key = (int(time.time()), localtime)
        made = cls.made
        if made[0] != key:
            made = cls.made = (key, formatdate(key[0], localtime=localtime))
        return made[1]


@lru_cache(maxsize=8)
def _address_header(name: str, value: str, encoding: str) -> str:
    """The sender's header value, as Django writes it (the same for every message)."""
    return forbid_multi_line_headers(name, value, encoding)[1]


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


def reminder_headers(*, unsubscribe: str, key: str, delivery_id: int | None) -> dict[str, str]:
    """The headers every reminder email carries (other apps' kinds too)."""
    headers = {
        # RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Careerpath-Reminder": key,
    }
    if delivery_id is not None:
        # The same id on every attempt of one delivery, so a repeat can be recognised.
        headers["Message-ID"] = f"<reminder-{delivery_id}@{_message_id_domain(settings.SITE_URL)}>"
    return headers


@lru_cache(maxsize=4)
def _message_id_domain(site_url: str) -> str:
    return urlsplit(site_url).hostname or "careerpath.local"


class _Links:
    """Absolute links for one batch; a shared roadmap means the same milestone URLs recur."""

    def __init__(self) -> None:
        self._milestones: dict[int, str] = {}
        self._unsubscribe: dict[str, tuple[str, str]] = {}
        self.dashboard = absolute_url(reverse("roadmap:dashboard"))
        self.settings = absolute_url(reverse("accounts:settings"))

    def milestone(self, milestone: Milestone) -> str:
        url = self._milestones.get(milestone.pk)
        if url is None:
            url = self._milestones[milestone.pk] = absolute_url(milestone.get_absolute_url())
        return url

    def unsubscribe(self, *, learner: User, kind: str) -> str:
        """unsubscribe_url(), with the URL around the token reversed once per batch: a token is
        base64 and colons, which reverse() would leave as they are."""
        around = self._unsubscribe.get(kind)
        if around is None:
            probe = "~token~"
            url = absolute_url(
                reverse("reminders:unsubscribe", kwargs={"kind": kind, "token": probe})
            )
            around = self._unsubscribe[kind] = tuple(url.split(probe))
        return around[0] + unsubscribe_token_make(learner=learner, kind=kind) + around[1]


@dataclass(frozen=True)
class DigestRequest:
    learner: User
    frequency: str  # daily or weekly: the period "since" falls back to
    period_key: str
    delivery_id: int | None = None


class _DigestWords:
    """The digest's wording in one language, translated once per process, and its per-email
    sentences from those ready formats.

    The templates only lay out what is computed here: a translate tag or a gettext call re-runs
    for every one of thousands of emails, a string built once does not.
    """

    MAX_ENTRIES = 1024  # remembered dates and counts; then start over

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
        self.hello = _("Hello %(name)s,")
        self.overall = _("Overall: %(percent)d%% complete")
        self._notes = {"target": _("target %(date)s"), "was_due": _("was due %(date)s")}
        self._subject = {
            "overdue": _("%(n)d overdue: %(title)s"),
            "due": _("due %(date)s: %(title)s"),
            "percent": _("%(percent)d%% done"),
            "next": _("next: %(title)s"),
        }
        self._cache: dict[tuple, str] = {}

    def _remember(self, key: tuple, make: Callable[[], str]) -> str:
        text = self._cache.get(key)
        if text is None:
            if len(self._cache) >= self.MAX_ENTRIES:
                self._cache.clear()
            text = self._cache[key] = make()
        return text

    def date(self, day: dt.date) -> str:
        return self._remember(("date", day), lambda: _short_date(day))

    def _done_since(self, frequency: str, n: int) -> str:
        if frequency == DigestFrequency.DAILY:
            return self._remember(
                ("daily", n),
                lambda: ngettext(
                    "%(n)d milestone done since yesterday",
                    "%(n)d milestones done since yesterday",
                    n,
                ),
            )
        return self._remember(
            ("weekly", n),
            lambda: ngettext(
                "%(n)d milestone done this week", "%(n)d milestones done this week", n
            ),
        )

    def subject(
        self,
        *,
        frequency: str,
        done_count: int,
        percent: int,
        overdue: list[MilestoneState],
        due_soon: list[MilestoneState],
        next_action: MilestoneState | None,
    ) -> str:
        """Specific, e.g. "2 milestones done this week · 1 overdue: Learn Scrum basics"."""
        parts = []
        if done_count:
            parts.append(self._done_since(frequency, done_count) % {"n": done_count})
        if overdue:
            parts.append(
                self._subject["overdue"] % {"n": len(overdue), "title": overdue[0].milestone.title}
            )
        elif due_soon:
            parts.append(
                self._subject["due"]
                % {"date": self.date(due_soon[0].target_date), "title": due_soon[0].milestone.title}
            )
        if not parts:
            parts.append(self._subject["percent"] % {"percent": percent})
            if next_action is not None:
                parts.append(self._subject["next"] % {"title": next_action.milestone.title})
        subject = " · ".join(parts)
        subject = subject[0].upper() + subject[1:]
        return subject if len(subject) <= 150 else subject[:149] + "…"

    def summary(self, *, done: int, streak: int) -> str:
        if done:
            text = self._remember(
                ("finished", done),
                lambda: ngettext(
                    "You finished %(n)d milestone since your last digest.",
                    "You finished %(n)d milestones since your last digest.",
                    done,
                ),
            ) % {"n": done}
        else:
            text = self.nothing_done
        if streak:
            text += " " + self._remember(
                ("streak", streak),
                lambda: ngettext(
                    "Your streak: %(n)d day in a row.", "Your streak: %(n)d days in a row.", streak
                ),
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


_WORDS: dict[str | None, _DigestWords] = {}


def _digest_words() -> _DigestWords:
    """The wording in the active language, made once per language."""
    language = get_language()
    words = _WORDS.get(language)
    if words is None:
        words = _WORDS[language] = _DigestWords()
    return words


# A marker: "&" shows whether autoescape escaped it, "vV" whether anything changed its case.
_SLOT = re.compile("\x00(&amp;|&)vV(\\d+)\x00")


class _Token:
    """Kinds of value in a context's shape (see _Layouts)."""

    PLAIN = object()  # a string, printed escaped where the template autoescapes
    SAFE = object()  # a string marked safe: printed as it is
    DICT = object()  # then its keys, END, and its values' shapes
    LIST = object()  # then its length and its items' shapes
    END = object()


def _walk(value, values: list[str], shape: list | None, build: bool):
    """Walk a context: append each non-empty string to `values` and (unless shape is None)
    the context's shape to `shape`: the kinds, keys and lengths of its parts, and every value
    that is not a string (it takes part in the output as it is). With `build`, return the
    context with each string replaced by its numbered marker."""
    if isinstance(value, str):
        if not value:
            if shape is not None:
                shape.append("")
            return value
        marker = f"\x00&vV{len(values)}\x00" if build else None
        values.append(value)
        safe = isinstance(value, SafeData)
        if shape is not None:
            shape.append(_Token.SAFE if safe else _Token.PLAIN)
        return mark_safe(marker) if build and safe else marker
    kind = value.__class__
    if kind is dict:
        if shape is not None:
            shape.append(_Token.DICT)
            shape.extend(value)
            shape.append(_Token.END)
        if build:
            return {key: _walk(item, values, shape, build) for key, item in value.items()}
        for item in value.values():
            _walk(item, values, shape, build)
        return None
    if kind is list or kind is tuple:
        if shape is not None:
            shape += (_Token.LIST, len(value))
        if build:
            return [_walk(item, values, shape, build) for item in value]
        for item in value:
            _walk(item, values, shape, build)
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if shape is not None:
            shape.append(kind)
        return _walk(fields, values, shape, build)
    if shape is not None:
        shape.append(value)
        shape.append(_Token.END)  # a value is never mistaken for a token
    return value


class _Layouts:
    """Each digest template, rendered once per shape of email with a marker for every string.

    A digest's strings vary per learner, its shape much less: which lists are empty and how
    long they are, which notes are there. For each shape (and template and language) the
    template is rendered once with numbered markers as its strings; an email then costs a join
    of the ready-made text and its own strings, each escaped exactly where the template escaped
    its marker (a marker holds "&", which autoescape turns into "&amp;"). That is the template's
    own output as long as it only prints these strings and tests them for truth, as the digest
    templates do (the tests compare both ways). A template that does more (e.g. a filter that
    changes a marker) is noticed when a shape is first seen, and rendered as usual from then on.
    """

    MAX_SHAPES = 512
    # The tags a layout can stand in for: text, plain {{ value }}, tags that only choose (by
    # truth) or repeat, and a frame extended by name with blocks (reminders/email/base.html);
    # anything else (filters, comparisons, {% with %}...) could compute with a marker instead of
    # the string, so such a template is always rendered as usual.
    _PLAIN_NODES = (
        TextNode,
        VariableNode,
        IfNode,
        ForNode,
        AutoEscapeControlNode,
        CommentNode,
        ExtendsNode,
        BlockNode,
    )

    def __init__(self) -> None:
        self._pieces: dict[tuple, list | None] = {}
        self._suitable: dict[object, bool] = {}

    @classmethod
    def _plain_condition(cls, condition) -> bool:
        if condition is None:  # {% else %}
            return True
        if isinstance(condition, TemplateLiteral):
            return not condition.value.filters
        if condition.id in ("and", "or"):
            return cls._plain_condition(condition.first) and cls._plain_condition(condition.second)
        if condition.id == "not":
            return cls._plain_condition(condition.first)
        return False

    @classmethod
    def _plain(cls, nodes) -> bool:
        for node in nodes:
            if node.__class__ is LoadNode:
                continue
            if node.__class__ not in cls._PLAIN_NODES:
                return False
            if isinstance(node, VariableNode):
                if node.filter_expression.filters:
                    return False
            elif isinstance(node, IfNode):
                if not all(
                    cls._plain_condition(condition) and cls._plain(nodelist)
                    for condition, nodelist in node.conditions_nodelists
                ):
                    return False
            elif isinstance(node, ForNode):
                if node.sequence.filters or not (
                    cls._plain(node.nodelist_loop) and cls._plain(node.nodelist_empty)
                ):
                    return False
            elif isinstance(node, (AutoEscapeControlNode, BlockNode)):
                if not cls._plain(node.nodelist):
                    return False
            elif isinstance(node, ExtendsNode):
                parent = node.parent_name
                if parent.filters or not isinstance(parent.var, str):
                    return False  # a frame chosen at render time
                frame = get_template(parent.var).template
                if not (cls._plain(node.nodelist) and cls._plain(frame.nodelist)):
                    return False
        return True

    def _is_suitable(self, template) -> bool:
        found = self._suitable.get(template.template)
        if found is None:
            found = self._suitable[template.template] = self._plain(template.template.nodelist)
        return found

    def render(self, templates: Sequence, context: dict) -> list[str]:
        """Each template rendered with `context` (one walk of the context for all of them)."""
        values: list[str] = []
        shape: list = []
        _walk(context, values, shape, build=False)
        shape_key = (get_language(), tuple(shape))
        texts = []
        for template in templates:
            if not self._is_suitable(template):
                texts.append(template.render(context))
                continue
            key = (template.template, shape_key)
            try:
                pieces = self._pieces[key]
            except KeyError:
                example = _walk(context, [], None, build=True)
                pieces = self._compile(template, example, len(values))
                if len(self._pieces) >= self.MAX_SHAPES:
                    self._pieces.clear()
                self._pieces[key] = pieces
            if pieces is None:
                texts.append(template.render(context))
                continue
            out = []
            for piece in pieces:
                if piece.__class__ is str:
                    out.append(piece)
                else:
                    index, escaped = piece
                    out.append(html.escape(values[index]) if escaped else values[index])
            texts.append("".join(out))
        return texts

    @staticmethod
    def _compile(template, example: dict, count: int) -> list | None:
        text = template.render(example)
        pieces: list = []
        position = 0
        for match in _SLOT.finditer(text):
            pieces.append(text[position : match.start()])
            index = int(match.group(2))
            if index >= count:
                return None
            pieces.append((index, match.group(1) == "&amp;"))
            position = match.end()
        pieces.append(text[position:])
        if any("\x00" in piece for piece in pieces if piece.__class__ is str):
            logger.warning("%s changes the values it prints: rendered without a layout", template)
            return None
        return [piece for piece in pieces if piece != ""]


_LAYOUTS = _Layouts()


class _DigestFragments:
    """The digest's recurring parts, made once per batch: each step's row for each percent it
    shows, each path's block for each set of step percents, each milestone's line for each
    note.

    Learners on one roadmap share its steps and milestones and a step has only a few possible
    percents, so nearly every part is a cache hit: a learner's digest is assembled from
    ready-made parts (read-only, so shared) instead of running a loop of tags and filters
    for each step of each learner (most of what the two templates cost).
    """

    def __init__(self, *, words: _DigestWords, links: _Links) -> None:
        self._words = words
        self._links = links
        self._step_html = get_template("reminders/email/_step_row.html")
        self._step_text = get_template("reminders/email/_step_row.txt")
        self._steps: dict[tuple[int, int], tuple[str, str]] = {}
        self._paths: dict[tuple, dict] = {}
        self._rows: dict[tuple, dict] = {}

    def step(self, step: Step, percent: int) -> tuple[str, str]:
        key = (step.pk, percent)
        found = self._steps.get(key)
        if found is None:
            context = {"title": step.title, "percent": percent, "rest": 100 - percent}
            found = (self._step_html.render(context), self._step_text.render(context))
            self._steps[key] = found
        return found

    def path(self, progress) -> dict:
        """A path's heading and step rows (HTML and text)."""
        percents = tuple(s.percent for s in progress.steps)
        # Everything the heading and rows show (percents follow from done, skipped and total).
        key = (progress.path.pk, progress.done, progress.skipped, progress.total, percents)
        found = self._paths.get(key)
        if found is None:
            rows = [self.step(s.step, p) for s, p in zip(progress.steps, percents, strict=True)]
            found = self._paths[key] = {
                "heading": f"{progress.path.title}: {progress.percent}% "
                f"({progress.done}/{progress.total})",
                # Pieces of autoescaped templates, so joining them keeps them safe.
                "html": mark_safe("".join(html for html, _ in rows)),
                "text": "".join(text for _, text in rows),
            }
        return found

    def row(self, state: MilestoneState, note: str = "") -> dict:
        """A milestone's line: title, link and note."""
        key = (state.milestone.pk, state.target_date, note)
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = self._words.row(state, self._links, note)
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
    words = _digest_words()
    fragments = _DigestFragments(words=words, links=links)
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
        subject = words.subject(
            frequency=request.frequency,
            done_count=len(done),
            percent=percent,
            overdue=overdue,
            due_soon=due_soon,
            next_action=next_action,
        )
        unsubscribe = links.unsubscribe(learner=learner, kind=UnsubscribeKind.DIGEST)
        paths = [fragments.path(p) for p in overview.paths]
        daily = request.frequency == DigestFrequency.DAILY
        context = {
            "words": words,
            "subject": subject,
            "hello": words.hello % {"name": learner.name},
            "summary": words.summary(done=len(done), streak=streaks.get(learner.pk, 0)),
            "done": [fragments.row(m) for m in done[:5]],
            "overall": words.overall % {"percent": percent},
            "paths": paths,
            "overdue": [fragments.row(m, "was_due") for m in overdue],
            "due_soon": [fragments.row(m) for m in due_soon],
            "next_action": fragments.row(next_action, "target") if next_action else None,
            "sections": extra,
            "frequency_note": words.daily if daily else words.weekly,
            "dashboard_url": links.dashboard,
            "settings_url": links.settings,
            "unsubscribe_url": unsubscribe,
        }
        headers = reminder_headers(
            unsubscribe=unsubscribe, key=request.period_key, delivery_id=request.delivery_id
        )
        text, html_part = _LAYOUTS.render((text_template, html_template), context)
        rendered[learner.pk] = RenderedEmail(
            to=learner.email, subject=subject, text=text, html=html_part, headers=headers
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
        headers = reminder_headers(
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


@dataclass(frozen=True)
class RenderFailure:
    """What stands for an email that could not be rendered: its delivery is marked failed
    with this error (and retried), and the rest of the batch goes out."""

    error: str


def _digest_deliveries_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    by_learner = digests_render(
        requests=[
            DigestRequest(
                learner=d.learner,
                frequency=_frequency_of(d.period_key),
                period_key=d.period_key,
                delivery_id=d.pk,
            )
            for d in deliveries
        ],
        now=now,
    )
    return {d.pk: by_learner[d.learner_id] for d in deliveries}


def _render_isolated(
    render: Callable[..., dict[int, RenderedEmail | None]],
    *,
    deliveries: Sequence[ReminderDelivery],
    now: dt.datetime,
) -> dict[int, RenderedEmail | None | RenderFailure]:
    """`render` for the whole group (a fixed number of queries); should it fail, each delivery
    alone, so one learner's data fails that learner's email only (RenderFailure)."""
    try:
        return render(deliveries=deliveries, now=now)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - isolated below, logged, kept on the row
        if len(deliveries) == 1:
            logger.exception("reminder %s not rendered", deliveries[0].pk)
            return {deliveries[0].pk: RenderFailure(_error_text(exc))}
        logger.warning("a batch of %d reminders failed to render: one by one", len(deliveries))
    rendered: dict[int, RenderedEmail | None | RenderFailure] = {}
    for delivery in deliveries:
        rendered.update(_render_isolated(render, deliveries=[delivery], now=now))
    return rendered


def deliveries_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None | RenderFailure]:
    """Every email of a batch, by delivery id, in a fixed number of queries per kind (None:
    nothing to send, e.g. a kind whose app is no longer installed; RenderFailure: this one
    learner's email could not be rendered)."""
    digests = [
        d
        for d in deliveries
        if d.kind == ReminderKind.DIGEST and d.learner.digest_frequency != DigestFrequency.OFF
    ]
    nudges = [
        d for d in deliveries if d.kind in (ReminderKind.NUDGE_DUE, ReminderKind.NUDGE_OVERDUE)
    ]
    rendered: dict[int, RenderedEmail | None | RenderFailure] = {d.pk: None for d in deliveries}
    groups = [(_digest_deliveries_render, digests), (_nudges_render, nudges)]
    for kind, source in REMINDER_EMAIL_SOURCES.items():
        groups.append((source.render, [d for d in deliveries if d.kind == kind]))
    for render, group in groups:
        if group:
            rendered.update(_render_isolated(render, deliveries=group, now=now))
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
    notices: int = 0  # other apps' kinds: certification expiry notices
    requeued: int = 0  # abandoned claims of earlier periods, queued again
    batches: int = 0
    # Kinds whose selection failed part-way (logged with its traceback); the others went on.
    failed_kinds: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.digests + self.nudges + self.notices + self.requeued


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


def _requeue(
    *, ids: list[int], stamp: dt.datetime, deliver: Callable[[list[int]], None]
) -> list[int]:
    """Take back abandoned claims (still abandoned: another dispatcher may have been first) and
    queue them once the transaction has committed."""
    with transaction.atomic():
        ReminderDelivery.objects.filter(
            pk__in=ids,
            status=DeliveryStatus.CLAIMED,
            claimed_at__lt=stamp - selectors.STALE_CLAIM_AFTER,
        ).update(claimed_at=stamp)
        taken = list(
            ReminderDelivery.objects.filter(
                pk__in=ids, status=DeliveryStatus.CLAIMED, claimed_at=stamp
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if taken:
            transaction.on_commit(partial(deliver, taken))
    return taken


def _period_row(due, *, kind: str, stamp: dt.datetime) -> ReminderDelivery:
    """The delivery row claiming one email of a kind keyed by learner and period alone."""
    return ReminderDelivery(
        learner_id=due.learner_id, kind=kind, period_key=due.period_key, claimed_at=stamp
    )


def reminders_dispatch(
    *,
    now: dt.datetime,
    deliver: Callable[[list[int]], None],
    page_size: int = selectors.PAGE_SIZE,
    dry_run: bool = False,
    report: Callable[[str, list], None] | None = None,
) -> DispatchSummary:
    """Claim every digest, nudge and registered source's email (REMINDER_EMAIL_SOURCES) due at
    `now` and hand each page of delivery ids to `deliver`
    (the beat task queues a Celery task per page; the command sends in-process). With dry_run,
    `report` sees what would be claimed and nothing is written."""
    summary = DispatchSummary()
    stamp = timezone.now()
    if not dry_run:
        # First, claims whose batch was lost (a publish that failed while the broker was down,
        # a message the filesystem broker never redelivers), including earlier periods' that the
        # selections below no longer look at.
        for ids in selectors.abandoned_claims(stamp=stamp, page_size=page_size):
            taken = _requeue(ids=ids, stamp=stamp, deliver=deliver)
            summary.requeued += len(taken)
            summary.batches += bool(taken)

    def claim_pages(pages: Iterable[list], label: str, row_for: Callable) -> int:
        """Claim each page's emails (or, with dry_run, count them); the number claimed. A kind
        whose selection fails keeps the pages claimed so far and the dispatch goes on with
        the next kind: one learner's data must not stop everyone's emails."""
        claimed = 0
        try:
            for page in pages:
                if report:
                    report(label, page)
                if dry_run:
                    claimed += len(page)
                    continue
                ids = _claim(rows=[row_for(due) for due in page], stamp=stamp, deliver=deliver)
                claimed += len(ids)
                summary.batches += bool(ids)
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - logged with its traceback, reported in the summary
            logger.exception("selecting %s reminders failed; dispatching the other kinds", label)
            summary.failed_kinds.append(label)
        return claimed

    summary.digests = claim_pages(
        selectors.due_digests(now=now, page_size=page_size),
        ReminderKind.DIGEST,
        partial(_period_row, kind=ReminderKind.DIGEST, stamp=stamp),
    )
    summary.nudges = claim_pages(
        selectors.due_nudges(now=now, page_size=page_size),
        "nudge",
        lambda due: ReminderDelivery(
            learner_id=due.learner_id,
            kind=due.kind,
            period_key=due.period_key,
            milestone_id=due.milestone_id,
            target_date=due.target_date,
            claimed_at=stamp,
        ),
    )
    for source in REMINDER_EMAIL_SOURCES.values():
        summary.notices += claim_pages(
            source.due(now=now, page_size=page_size),
            source.kind,
            partial(_period_row, kind=source.kind, stamp=stamp),
        )
    return summary


# --- Sending a batch ------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX_CHARS]


class _NotSent(Exception):
    """Raised inside _Rows.sending() to roll its mark back (the send failed)."""


class _Rows:
    """The statements every email costs, as plain SQL: they run once per email, and the ORM's
    per-call compilation would cost more than the database round trip itself. Each is
    conditional on the row still needing sending (claimed, or failed and retried): an UPDATE
    waits for a competing transaction holding the row and re-checks that after it.

    On PostgreSQL outside any atomic block (as in a worker) each email costs one round trip:
    the COMMIT of the previous email's mark travels with the BEGIN and the mark of the next
    (or with the next skip or failure, or at the end of the batch: finish()). The previous
    email was sent before that statement is sent, as it would be before its own COMMIT, so the
    order "mark, send, commit" and what it guarantees are unchanged; round trips, each a
    sleep and a wake-up of the worker, were most of the database's share of the CPU. Elsewhere
    (SQLite, or inside a test's transaction) each email is a transaction.atomic() block.
    """

    def __init__(self) -> None:
        ops = connection.ops
        self._ops = ops
        table = ops.quote_name(ReminderDelivery._meta.db_table)
        sendable = "WHERE id = %s AND status IN (%s, %s)"
        self._sendable = [DeliveryStatus.CLAIMED, DeliveryStatus.FAILED]
        self._sent_sql = (
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s, "
            f"sent_at = %s, subject = %s, error = '', updated_at = %s {sendable}"
        )
        self._other_sql = (
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s, "
            f"sent_at = NULL, subject = '', error = %s, updated_at = %s {sendable}"
        )
        self._raw = None
        self._open = False  # raw only: a transaction is open (its mark, if any, to commit)
        if connection.vendor == "postgresql" and connection.get_autocommit():
            connection.ensure_connection()
            self._raw = connection.connection.cursor()

    def _now(self):
        return self._ops.adapt_datetimefield_value(timezone.now())

    def _pending(self) -> str:
        """The COMMIT owed to the previous email's mark, to send ahead of the next statement."""
        return "COMMIT; " if self._open else ""

    @contextmanager
    def sending(self, cursor, delivery_id: int, *, subject: str) -> Iterator[bool]:
        """One email's transaction: yields whether the row still needed sending, in which case
        it is now marked sent and locked until the transaction ends. Leaving the block
        normally commits (raw: with the next statement); raising _NotSent (a failed send) or
        anything else rolls the mark back."""
        now = self._now()
        params = [DeliveryStatus.SENT, now, now, subject, now, delivery_id, *self._sendable]
        raw = self._raw
        if raw is None:
            with transaction.atomic():
                cursor.execute(self._sent_sql, params)
                yield cursor.rowcount == 1
            return
        try:
            raw.execute(f"{self._pending()}BEGIN; {self._sent_sql}", params)
            self._open = True
            yield raw.rowcount == 1
        except BaseException:
            # This email's mark must never outlive a send that did not happen. (Should the
            # statement itself have failed before its COMMIT ran, the previous email's mark is
            # undone too, and that email may go out again: the ambiguity of any failed COMMIT.)
            self._open = False
            try:
                raw.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - a dead connection has rolled back already
                logger.warning("rollback of reminder %s failed", delivery_id, exc_info=True)
            raise

    def settle(self, cursor, delivery_id: int, *, status: str, error: str = "") -> bool:
        """Record a skip or a failure (one statement, no send to wait for)."""
        now = self._now()
        params = [status, now, error, now, delivery_id, *self._sendable]
        if self._raw is None:
            cursor.execute(self._other_sql, params)
            return cursor.rowcount == 1
        pending, self._open = self._pending(), False
        self._raw.execute(pending + self._other_sql, params)
        return self._raw.rowcount == 1

    def finish(self) -> None:
        """Commit the last email's mark (raw); call whatever happened since, and only once the
        sends are over: an email whose block ended normally was sent."""
        if self._raw is None:
            return
        try:
            if self._open:
                self._open = False
                self._raw.execute("COMMIT")
        finally:
            self._raw.close()


def reminder_deliveries_send(
    *, delivery_ids: Iterable[int], now: dt.datetime | None = None, mail_connection=None
) -> SendReport:
    """Send a batch of claimed deliveries through one mail connection, each exactly once.

    Reads for the whole batch take a fixed number of queries; then each email costs one short
    transaction: mark the row sent (taking its lock), send, commit (see _Rows). A failed send
    rolls the mark back and records the failure on the row, for the task to retry with
    backoff.
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
        with connection.cursor() as cursor:
            for delivery in deliveries:
                email = emails[delivery.pk]
                if email is None:
                    if rows.settle(cursor, delivery.pk, status=DeliveryStatus.SKIPPED):
                        report.skipped.append(delivery.pk)
                    continue
                if isinstance(email, RenderFailure):
                    if rows.settle(
                        cursor, delivery.pk, status=DeliveryStatus.FAILED, error=email.error
                    ):
                        report.failed.append(delivery.pk)
                    continue
                failure: Exception | None = None
                try:
                    with rows.sending(cursor, delivery.pk, subject=email.subject[:255]) as mine:
                        if not mine:
                            continue  # sent (or being sent) by another worker: theirs
                        try:
                            if open_error is not None:
                                # One refused connection fails the rest of the batch at once,
                                # instead of a connection timeout per message.
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
                            raise  # the mark rolls back to "claimed"; a later run sends it
                        except Exception as exc:  # noqa: BLE001 - recorded and retried
                            failure = exc
                            raise _NotSent from exc
                except _NotSent:
                    error = _error_text(failure)
                    logger.warning("reminder %s not sent: %s", delivery.pk, error)
                    if rows.settle(cursor, delivery.pk, status=DeliveryStatus.FAILED, error=error):
                        report.failed.append(delivery.pk)
                    continue
                report.sent.append(delivery.pk)
    finally:
        rows.finish()
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
    "REMINDER_EMAIL_SOURCES",
    "ReminderEmailSource",
    "RenderFailure",
    "RenderedEmail",
    "SendReport",
    "UnsubscribeKind",
    "deliveries_render",
    "digest_section_provider_register",
    "digests_render",
    "reminder_deliveries_send",
    "reminder_email_source_register",
    "reminder_headers",
    "reminder_preview",
    "reminder_unsubscribe",
    "reminders_dispatch",
    "retry_countdown",
    "unsubscribe_token_learner",
    "unsubscribe_token_make",
    "absolute_url",
    "unsubscribe_url",
]
