"""Reading account emails in tests: find the mail sent to an address, and the link inside it."""

import re

from django.core import mail
from django.core.mail import EmailMessage

LINK = re.compile(r"https?://[^/\s]+(/\S+)")


def mails_to(address: str) -> list[EmailMessage]:
    return [m for m in mail.outbox if address in m.to]


def link_in_last_mail(address: str, path_prefix: str) -> str:
    """The path of the first link under path_prefix in the last mail sent to address."""
    sent = mails_to(address)
    assert sent, f"no mail to {address}; outbox: {[(m.to, m.subject) for m in mail.outbox]}"
    paths = [p for p in LINK.findall(sent[-1].body) if p.startswith(path_prefix)]
    assert paths, f"no {path_prefix} link in: {sent[-1].body}"
    return paths[0]
