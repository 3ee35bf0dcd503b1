"""Authentication backends that read the signed-in learner through a short-lived cache copy.

Every signed-in request loads its user: with the session already read from Redis, that row is the
one query left on a page served from the cache (the dashboard), and a third of its cost. The copy
lives USER_CACHE_SECONDS at most (settings: 60 with Redis, 0 = off without it), and every save or
delete of a user removes it at once, in this process and on commit (see `forget_cached_user`), so
a password change, a deactivation or a new display name shows on the next request.

With production's sessions (accounts/sessions.py) the copy is read in the same Redis command as
the session once the process has seen that session: the same key, read at the same moment.

The copy holds the password hash, as the row does: Django checks each session against it (a
password change logs the other sessions out), so the cache must be as private as the sessions'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction


def cached_user_key(user_id: Any) -> str:
    return f"auth-user:{user_id}"


# What user_read_along answers when the session was read without the user's copy.
NOT_READ = object()
# The session of the request whose user auth.get_user is reading now: set by
# accounts.middleware.AuthenticationMiddleware around that one call.
_session_being_read: ContextVar[Any] = ContextVar("session_being_read")


@contextmanager
def reading_user_of(session: Any) -> Iterator[None]:
    token = _session_being_read.set(session)
    try:
        yield
    finally:
        _session_being_read.reset(token)


def user_read_along(user_id: Any) -> Any:
    """The cached copy of `user_id` read in one round trip with the session of the request whose
    user is being read now (accounts/sessions.py): a user, None when the cache had no copy, or
    NOT_READ (another session engine, no session being read, a hint that named someone else)."""
    take = getattr(_session_being_read.get(None), "take_user_read_along", None)
    return NOT_READ if take is None else take(user_id)


class CachedUserMixin:
    """get_user() through the cache; authenticate() and permissions as the backend had them."""

    def get_user(self, user_id):
        seconds = getattr(settings, "USER_CACHE_SECONDS", 0)
        if seconds <= 0:
            return super().get_user(user_id)
        key = cached_user_key(user_id)
        user = user_read_along(user_id)  # read with the session (accounts/sessions.py)
        if user is NOT_READ:
            user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)  # None for an unknown or inactive user
            if user is not None:
                cache.set(key, user, seconds)
        return user


class CachedModelBackend(CachedUserMixin, ModelBackend):
    pass


class CachedAuthenticationBackend(CachedUserMixin, AuthenticationBackend):
    """allauth's backend (log in by email), reading users as above."""


def forget_cached_user(sender, instance, **kwargs) -> None:
    """post_save / post_delete of a user: drop the cached copy now, and again once the
    transaction commits, so a request that read the old row while the write was still open
    cannot put it back for longer than that moment.

    A signal rather than a service call, like django.contrib.sites' SITE_CACHE: the admin,
    allauth, password changes and services all save users, and each must invalidate."""
    key = cached_user_key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
