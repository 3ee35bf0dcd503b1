"""Pages kept whole in the cache: the dashboard's speed-up, with its rule in one place.

Measured (docs/performance.md): rendering the dashboard costs about ten times serving it from
the cache; `DASHBOARD_CACHE_SECONDS=0` turns it off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache as django_cache
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from core.csrf import masked_token

# The rendered dashboard is kept whole, per learner, under a key that changes with anything it
# shows: most views of it repeat the previous one, and rendering it costs ten times more than
# serving it. What the page shares with every other (base.html) is in the key too, or put back
# per request: the CSRF token is rendered as this placeholder and replaced on the way out, and
# a page with messages to show is neither served from nor stored in the cache.
CSRF_PLACEHOLDER = "csrf-token-placeholder-4f1d2c9e"
# The page is stored as its bytes cut at each placeholder (a tuple of bytes): serving it is one
# bytes.join with this request's token, not a str decoded from the cache, a 48 KB str.replace()
# and the response encoded again. Anything else found under the key (a str page stored by the
# version before this one) is rendered afresh and replaced.
# What a page kept whole prints for the token: Django's {% csrf_token %} reads `csrf_token`, a
# Jinja2 page prints `csrf_token` and `csrf_input` (core/jinja2.py lets the caller's win).
CSRF_CONTEXT = {
    "csrf_token": CSRF_PLACEHOLDER,
    "csrf_input": format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', CSRF_PLACEHOLDER
    ),
}


@cache
def templates_version() -> str:
    """A digest of the templates (both engines': templates/jinja2/ is under templates/) and the
    static manifest this process serves: a deploy that changes either starts on new keys."""
    digest = hashlib.sha256()
    roots = {Path(d).resolve() for t in settings.TEMPLATES for d in t.get("DIRS", [])}
    for path in sorted({p for root in roots for p in root.rglob("*.html")}):
        digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT or "/nonexistent") / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def cached_page(
    request: HttpRequest,
    *,
    key: str,
    seconds: int,
    render_page: Callable[[dict], HttpResponse],
) -> HttpResponse:
    """The page render_page(context) makes, kept `seconds` under `key` plus what base.html
    shows of the request (the learner's name, staff or not; the language is in the stamp)."""
    if seconds <= 0 or len(messages.get_messages(request)):
        return render_page({})
    user = request.user
    parts = [key, templates_version(), str(user.is_staff), user.name]
    key = "page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    pieces = django_cache.get(key)
    if type(pieces) is not tuple:
        response = render_page(dict(CSRF_CONTEXT))
        if response.status_code != 200:
            return response
        pieces = stored_pieces(response.content)
        django_cache.set(key, pieces, seconds)
    return HttpResponse(served_body(pieces, masked_token(request)))


_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()


def stored_pieces(content: bytes) -> tuple[bytes, ...]:
    """A rendered page as it is stored: its bytes cut at each CSRF placeholder."""
    return tuple(content.split(_PLACEHOLDER_BYTES))


def served_body(pieces: tuple[bytes, ...], token: str) -> bytes:
    """The stored page with this request's token wherever the placeholder was (a token is
    ASCII letters and digits: nothing to escape, the same bytes in UTF-8)."""
    return token.encode("ascii").join(pieces)
