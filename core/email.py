"""The email wire format: a rendered email (text and HTML) and its MIME bytes.

The site's emails are always the same shape, so their bytes are written directly
(_WireMessage) rather than by building Django's MIME tree and walking it again; the tests in
tests/core/test_email.py compare the bytes with Django's own serialisation for every shape they
know, and anything unusual goes through Django's message untouched.
"""

from __future__ import annotations

import base64
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.policy import Compat32
from email.utils import formatdate
from functools import lru_cache, partial

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers, make_msgid
from django.core.mail.utils import DNS_NAME


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
