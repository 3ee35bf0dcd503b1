"""The reminder's MIME message: the cheaper subject encoding and boundary mean the same message
as Django's own serialisation, read back by a mail client's parser."""

import email
import email.policy

import pytest
from django.core.mail import BadHeaderError, EmailMultiAlternatives

from roadmap.services.reminders import RenderedEmail

SUBJECT = " ".join(["3 milestones done since yesterday · due Tue 1 Dec: Évaluer — 数据 ✓ 🚀"] * 2)


def rendered(subject: str = SUBJECT, text: str = "Hello Ann,\n\n  - Café ✓\n") -> RenderedEmail:
    return RenderedEmail(
        to="ann@example.com",
        subject=subject,
        text=text,
        html="<p>Hello Ann — café ✓</p>",
        headers={"Message-ID": "<reminder-7@testserver>", "X-Careerpath-Reminder": "digest:x"},
    )


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


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
    # headers and parts, and every header line within 78 characters
    assert ours["Subject"] == SUBJECT
    assert theirs["Subject"].lstrip() == SUBJECT
    assert ours["Message-ID"] == "<reminder-7@testserver>"
    assert [(p.get_content_type(), p.get_content()) for p in ours.iter_parts()] == [
        (p.get_content_type(), p.get_content()) for p in theirs.iter_parts()
    ]
    head = email_.message().message().as_bytes().split(b"\n\n", 1)[0]
    assert all(len(line) <= 78 for line in head.splitlines())
    assert head.isascii()


def test_the_boundary_never_appears_in_a_part():
    # given: a body that quotes boundaries of the stdlib's shape
    text = "\n".join(f"--==============={n:019d}==" for n in range(50))

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


def test_header_lines_folded_once_are_the_lines_django_folds():
    # given: two messages sharing most header lines, the second after the first is serialised
    first = rendered().message().message()
    second = rendered(subject="Due today: Learn Scrum basics").message().message()
    first.as_bytes()

    # when: serialised with LF and with CRLF line ends (SMTP), then with Django's own policy
    ours = [second.as_bytes(), second.as_bytes(linesep="\r\n")]
    second.policy = email.policy.compat32
    stock = [second.as_bytes(), second.as_bytes(linesep="\r\n")]

    # then: byte for byte the same
    assert ours == stock
