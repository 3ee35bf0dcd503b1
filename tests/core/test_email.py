"""The reminder's MIME message: written directly, it is byte for byte what Django's own message
serialises to, and a mail client's parser reads back the same email."""

import email
import email.policy
import random
import string

import pytest
from django.core.mail import BadHeaderError, EmailMultiAlternatives

from core import email as reminder_email
from core.email import RenderedEmail

SUBJECT = " ".join(["3 milestones done since yesterday · due Tue 1 Dec: Évaluer — 数据 ✓ 🚀"] * 2)
LONG_URL = "https://careerpath.example.com/reminders/unsubscribe/digest/" + "x" * 80 + "/"


def rendered(
    subject: str = SUBJECT,
    text: str = "Hello Ann,\n\n  - Café ✓\n",
    html: str = "<p>Hello Ann — café ✓</p>",
    headers: dict | None = None,
) -> RenderedEmail:
    return RenderedEmail(
        to="ann@example.com",
        subject=subject,
        text=text,
        html=html,
        headers=headers
        if headers is not None
        else {"Message-ID": "<reminder-7@testserver>", "X-Careerpath-Reminder": "digest:x"},
    )


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def django_serialised(message, linesep: str) -> bytes:
    """The same message as Django's own object, folded by the stdlib's own compat32 policy."""
    stock = message._stock() if isinstance(message, reminder_email._WireMessage) else message
    stock.policy = email.policy.compat32
    return stock.as_bytes(linesep=linesep)


CASES = {
    "non-ASCII subject": rendered(),
    "short ASCII subject": rendered(subject="Due today: Learn Scrum basics"),
    "long ASCII subject": rendered(subject="Due in 3 days: " + "Learn Scrum basics " * 7),
    "ASCII-only parts (7bit)": rendered(text="Hello Ann,\n", html="<p>Hello</p>\n"),
    "CRLF and CR line ends": rendered(text="a\r\nb\rc\n\nd", html="<p>x</p>\r\n<p>y</p>"),
    "no final newline": rendered(text="Hello", html="<p>Hello</p>"),
    "long header values": rendered(
        headers={
            "List-Unsubscribe": f"<{LONG_URL}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Careerpath-Reminder": "cert:expiry:12:2027-03-12:30",
            "Message-ID": "<reminder-123456@careerpath.example.com>",
        }
    ),
    "no Message-ID": rendered(headers={"X-Careerpath-Reminder": "digest:x"}),
    "a line over 998 octets (quoted-printable)": rendered(html="<p>" + "é" * 600 + "</p>"),
}


@pytest.mark.parametrize("linesep", ["\n", "\r\n"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_bytes_are_djangos_own_serialisation(case, linesep):
    # given
    message = CASES[case].message().message()
    # when
    ours = message.as_bytes(linesep=linesep)
    # then: byte for byte what the stdlib writes for Django's message object
    assert ours == django_serialised(message, linesep)
    # every header line within 78 characters where it can be broken (a long URL cannot)
    head = ours.split(linesep.encode() * 2, 1)[0]
    assert all(len(line) <= 78 or b" " not in line.strip() for line in head.split(linesep.encode()))
    assert head.isascii()


def test_a_non_ascii_subject_reads_back_as_django_would_write_it():
    # given: a long subject with two-, three- and four-byte characters
    email_ = rendered()
    stock = EmailMultiAlternatives(
        subject=email_.subject,
        body=email_.text,
        to=[email_.to],
        headers=email_.headers,
    )
    stock.attach_alternative(email_.html, "text/html")

    # when
    ours = parsed(email_.message().message().as_bytes())
    theirs = parsed(stock.message().as_bytes())

    # then: the same subject (exactly: Django's own folding reads back with a leading space),
    # headers and parts
    assert ours["Subject"] == SUBJECT
    assert theirs["Subject"].lstrip() == SUBJECT
    assert ours["Message-ID"] == "<reminder-7@testserver>"
    assert [(k, v) for k, v in ours.items() if k not in ("Subject", "Date", "Content-Type")] == [
        (k, v) for k, v in theirs.items() if k not in ("Subject", "Date", "Content-Type")
    ]
    assert [(p.get_content_type(), p.get_content()) for p in ours.iter_parts()] == [
        (p.get_content_type(), p.get_content()) for p in theirs.iter_parts()
    ]


def test_what_else_a_backend_reads_comes_from_djangos_message():
    # given
    message = rendered().message().message()
    # when / then: headers and parts, as the stdlib's message object has them
    assert message["To"] == "ann@example.com"
    assert "Message-ID" in message
    assert message.get_charset() is None
    assert [p.get_content_type() for p in message.get_payload()] == ["text/plain", "text/html"]
    assert message.is_multipart()


def test_the_boundary_never_appears_in_a_part():
    # given: a body that quotes the shared boundary and boundaries of the stdlib's shape
    shared = reminder_email._Boundary.value
    text = "\n".join([f"--{shared}", *(f"--==============={n:019d}==" for n in range(50))])

    # when
    message = parsed(rendered(text=text).message().message().as_bytes())

    # then: still two parts, the text intact
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content().rstrip("\n") == text


def test_a_subject_with_a_newline_is_refused_as_django_refuses_it():
    # given: a header injection attempt, with and without non-ASCII text
    for subject in ("Due today: café\nBcc: x@example.com", "Due today\r\nBcc: x@example.com"):
        # when / then
        with pytest.raises(BadHeaderError):
            rendered(subject=subject).message().message()


def test_plain_header_lines_are_the_lines_compat32_folds():
    # given: random header values of printable ASCII words (some with commas or semicolons,
    # where compat32 prefers to break), short and long, one word or many, some words too long
    rng = random.Random(8058)
    alphabet = string.ascii_letters + string.digits + string.punctuation

    def word() -> str:
        size = rng.choice([rng.randint(1, 12), rng.randint(1, 80)])
        return "".join(rng.choice(alphabet) for _ in range(size))

    values = [" ".join(word() for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    values += [f"=?utf-8?b?{'A' * rng.randint(1, 52)}?=" for _ in range(100)]
    for linesep in ("\n", "\r\n"):
        ours = reminder_email._FOLDS[linesep]
        stdlib = email.policy.compat32.clone(linesep=linesep)
        for name in ("To", "Subject", "List-Unsubscribe", "X-Careerpath-Reminder"):
            for value in values:
                # when / then
                assert ours.fold_binary(name, value) == stdlib.fold_binary(name, value), value
