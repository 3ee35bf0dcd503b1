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

The copy is the row's values (`user_copy`), not a pickled model: unpickling a model looks its
class up in the app registry and calls `__setstate__`, and an aware datetime is rebuilt through
its time zone's constructor (about 12 µs a request for the two a user has); the values, their
datetimes in ISO form, are made back into the user (`user_from_copy`) as the ORM's own objects,
without `Model.__init__`, in about 3. The key names the copy's layout (the model and its fields),
so a copy another layout wrote (a release before a migration) is never read as this one.
tests/accounts/test_user_copy.py holds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache as once
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.base import ModelState

# The copy's form; change it when user_copy changes.
COPY_FORM = 1


@once
def _user_layout() -> tuple[type, tuple[str, ...], tuple[int, ...], str]:
    """The user model, its concrete fields' attribute names in order, the places of its
    datetimes, and the layout's name for the key (the form, the model and each field's name and
    type)."""
    model = get_user_model()
    fields = model._meta.concrete_fields
    names = tuple(field.attname for field in fields)
    datetimes = tuple(
        place for place, field in enumerate(fields) if isinstance(field, models.DateTimeField)
    )
    described = repr(
        (COPY_FORM, model._meta.label, [(f.attname, f.get_internal_type()) for f in fields])
    )
    return model, names, datetimes, hashlib.sha256(described.encode()).hexdigest()[:12]


def cached_user_key(user_id: Any) -> str:
    return f"auth-user:{_user_layout()[3]}:{user_id}"


def user_copy(user: Any) -> tuple:
    """What the cache keeps of a user: its concrete fields' values in the model's order, each
    datetime in ISO form, then the database it was read from."""
    _model, names, datetimes, _name = _user_layout()
    values = [getattr(user, name) for name in names]
    for place in datetimes:
        if values[place] is not None:
            values[place] = values[place].isoformat()
    return (*values, user._state.db)


def user_from_copy(copy: Any) -> Any:
    """The user `user_copy` kept, made as the ORM makes it from a row (not adding, from its
    database), without Model.__init__ (no signal is connected to the user's init); None for
    anything that is not such a copy."""
    model, names, datetimes, _name = _user_layout()
    if type(copy) is not tuple or len(copy) != len(names) + 1:
        return None
    values = list(copy)
    for place in datetimes:
        if values[place] is not None:
            values[place] = dt.datetime.fromisoformat(values[place])
    state = ModelState()
    state.adding = False
    state.db = values.pop()
    user = model.__new__(model)
    user.__dict__ = dict(zip(names, values, strict=True))
    user._state = state
    return user


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
            user = user_from_copy(cache.get(key))
        if user is None:
            user = super().get_user(user_id)  # None for an unknown or inactive user
            if user is not None:
                cache.set(key, user_copy(user), seconds)
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
    allauth, password changes and services all save users, and each must invalidate.

    The key the release before the copy's layout was named (a pickled model) goes too: while
    a deploy runs both releases, the older one's processes still read it."""
    keys = [cached_user_key(instance.pk), f"auth-user:{instance.pk}"]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
