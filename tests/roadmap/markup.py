"""Markup as the page tests compare it: whitespace runs as one space, CSRF tokens as one value
(Django masks the token afresh for every response)."""

import re

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def squash(html: str) -> str:
    """The markup with runs of whitespace as one space, and any CSRF token as the same one."""
    return re.sub(r"\s+", " ", TOKEN.sub('name="csrfmiddlewaretoken" value="token"', html)).strip()
