"""The session engine production uses (SESSION_ENGINE "accounts.sessions"): Django's cached_db
sessions, whose signed-in user's cached copy is read in the same Redis round trip as the
session itself.

Every signed-in request reads two keys: the session's copy, then the user's copy
(accounts/backends.py), whose key is known only once the session is read. A process that has
seen a session before remembers whose it was, and reads both keys in one MGET: one Redis command
less a signed-in request, for the web server and for Redis. The remembered owner is only a hint
of which key to read along: the copy is used only if the session just read names that user,
and only by the request that read it (`AuthenticationMiddleware` hands it to the backend for
the one `auth.get_user` call). The user's copy is the same key as without the hint, read at the
same moment of the request, so every change that removes it (a password change, a
deactivation, a new name or email: `forget_cached_user`) shows on the very next request, as
before; a log-out removes the session, so the copy read along with it is dropped unused.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import caches

from .backends import NOT_READ, cached_user_key, user_from_copy

# Session key -> the id of the user it was last read with, in this process. Bounded: a
# forgotten owner only costs that session its next read in one round trip.
SESSION_OWNERS_KEPT = 20_000
_session_owners: dict[str, str] = {}


def _remember_owner(session_key: str, user_id: str) -> None:
    if len(_session_owners) >= SESSION_OWNERS_KEPT:
        _session_owners.clear()
    _session_owners[session_key] = user_id


class SessionStore(CachedDBStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._user_read_along: Any = NOT_READ

    def load(self) -> dict:
        owner = _session_owners.get(self.session_key) if self.session_key else None
        user_cache = caches["default"]
        if (
            owner is None
            or getattr(settings, "USER_CACHE_SECONDS", 0) <= 0
            or not getattr(self._cache, "shares_store_with", lambda other: False)(user_cache)
        ):
            data = super().load()
            user = NOT_READ
        else:
            data, user = self._cache.get_with(self.cache_key, user_cache, cached_user_key(owner))
            if data is None:
                data = super().load()  # the session from the database, copied to the cache
        user_id = data.get(SESSION_KEY)
        if user_id is not None:
            _remember_owner(self.session_key, str(user_id))
            if user is not NOT_READ and str(user_id) == owner:
                # The copy found (accounts.backends.user_copy) or known to be missing (None).
                self._user_read_along = user
        return data

    def take_user_read_along(self, user_id: Any) -> Any:
        """The cached copy of `user_id` read with this session (a user, or None when there was
        no copy), once; NOT_READ if it was not read along."""
        copy, self._user_read_along = self._user_read_along, NOT_READ
        if copy is NOT_READ or str(user_id) != str(self.get(SESSION_KEY)):
            return NOT_READ
        user = user_from_copy(copy)
        if user is not None and str(user.pk) != str(user_id):
            return NOT_READ
        return user
