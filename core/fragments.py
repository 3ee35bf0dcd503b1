"""Parts of a Jinja2 page that depend only on published content, rendered once per process.

A step's course table or a milestone's resources print the same bytes for every learner until an
admin changes the content, yet were rendered again on every view. A template wraps such a part:

    {% call content_fragment(page.content_version, "step-courses", step.pk) %}…{% endcall %}

and the body is rendered once per key: (content version, language, time zone, script prefix,
URLconf, the caller's key parts), kept in a bounded per-process LRU. The content version is
whatever the caller's app gives (the roadmap's: the token its database triggers change on every
content write, so an admin's edit is a new key and shows on the next page); None means "no
version known" and renders the body every time, as does DEBUG.

The rule: a fragment's body depends only on the content, the language and its key, never on the
learner, the request or the CSRF token. With `verify` on (tests/conftest.py turns it on for every
test) each cache hit renders the body again and fails the render if the bytes differ, so a
fragment that printed a learner's status fails any test that renders it for two learners.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.conf import settings
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from markupsafe import Markup

from core.addresses import script_prefix, urlconf

# A few hundred fragments cover every step and milestone of a path in a language or two; old
# versions' fragments fall out as new ones come in.
MAX_FRAGMENTS = 1024

verify = False

_fragments: OrderedDict[tuple, Markup] = OrderedDict()
_lock = threading.Lock()


class FragmentMismatch(AssertionError):
    """A cached fragment's body printed something else on a later render: it depends on more
    than its key."""


def content_fragment(version: Hashable | None, *key: Hashable, caller: Callable[[], str]) -> Markup:
    """The body of `{% call content_fragment(version, *key) %}`, from the cache when it holds it
    for this key; `version` None (or DEBUG) renders it afresh."""
    if version is None or settings.DEBUG:
        return Markup(caller())
    full_key = (
        version,
        get_language(),
        get_current_timezone_name(),
        script_prefix(),
        urlconf(),
        *key,
    )
    with _lock:
        held = _fragments.get(full_key)
        if held is not None:
            _fragments.move_to_end(full_key)
    if held is not None:
        if verify:
            fresh = Markup(caller())
            if fresh != held:
                raise FragmentMismatch(
                    f"content fragment {key!r} printed other bytes than its cached copy: its "
                    f"body depends on more than the content, the language and its key.\n"
                    f"cached: {held!s}\nnow:    {fresh!s}"
                )
        return held
    body = Markup(caller())
    with _lock:
        _fragments[full_key] = body
        while len(_fragments) > MAX_FRAGMENTS:
            _fragments.popitem(last=False)
    return body


def held() -> int:
    """How many fragments the process holds."""
    return len(_fragments)


def clear() -> None:
    """Forget every fragment (tests)."""
    with _lock:
        _fragments.clear()
