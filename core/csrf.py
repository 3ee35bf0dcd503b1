"""The CSRF token a page prints, masked with one read of the system's random bytes.

Django's `get_token()` masks the request's secret afresh at each call (so the token on a page is
never the same twice, against BREACH): a mask of 32 characters drawn one by one through
`secrets.choice`, 32 reads of the system's random source, and each character of the secret and
the mask looked up in the alphabet with `str.index`. That is about 110 µs of CPU on our servers,
paid by every signed-in page (base.html prints the token for htmx) and by the cached dashboard,
whose whole page costs about 1.5 ms. `masked_token()` gives a token of the same form (a random
mask of the 62 allowed characters, then the secret shifted by it) from one `os.urandom` read,
its bytes taken only below the largest multiple of 62 so each character is equally likely:
about 18 µs. A request without a secret yet (no CSRF cookie) goes through Django's own
`get_token()`, which makes one.

tests/core/test_csrf.py holds it: the token unmasks to the request's secret and Django's
CsrfViewMiddleware accepts it (and refuses it for another secret), the cookie is renewed as
`get_token()` renews it, and the mask's characters are uniform.
"""

from __future__ import annotations

import os

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

_SIZE = len(CSRF_ALLOWED_CHARS)
_PLACE = {char: place for place, char in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes at or above this would make the first 256 % 62 characters likelier: dropped.
_UNBIASED_BELOW = 256 - 256 % _SIZE
# Bytes read at a time: 32 needed, about 3 % of bytes dropped.
_READ = CSRF_SECRET_LENGTH + 8


def masked_token(request: HttpRequest) -> str:
    """What `django.middleware.csrf.get_token(request)` returns: the request's CSRF secret
    masked afresh, and the cookie marked to be sent again (renewing its expiry)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        return get_token(request)  # a new secret and cookie, as Django makes them
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask: list[int] = []
    while len(mask) < CSRF_SECRET_LENGTH:
        mask += [byte % _SIZE for byte in os.urandom(_READ) if byte < _UNBIASED_BELOW]
    del mask[CSRF_SECRET_LENGTH:]
    chars, place = CSRF_ALLOWED_CHARS, _PLACE
    return "".join([chars[m] for m in mask]) + "".join(
        [chars[(place[char] + m) % _SIZE] for char, m in zip(secret, mask, strict=True)]
    )
