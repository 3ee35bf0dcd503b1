"""Reads for the learner's account pages and for authenticating feed and API secrets."""

from __future__ import annotations

import datetime as dt

from accounts.models import PersonalAccessToken, User
from accounts.tokens import access_token_prefix, fingerprint, matches


def calendar_feed_owner(*, secret: str) -> User | None:
    """The active learner whose feed address holds `secret`, else None. The lookup is by the
    secret's SHA-256, so the time it takes says nothing about how close a guess was."""
    if not secret or len(secret) > 100:
        return None
    return User.objects.filter(calendar_token_hash=fingerprint(secret), is_active=True).first()


def access_tokens(*, learner: User) -> list[PersonalAccessToken]:
    return list(PersonalAccessToken.objects.filter(learner=learner))


def access_token_check(*, token: str, now: dt.datetime) -> PersonalAccessToken | None:
    """The unexpired token row (with its active learner) that `token` is, else None."""
    prefix = access_token_prefix(token)
    if prefix is None:
        return None
    row = (
        PersonalAccessToken.objects.usable(now=now)
        .select_related("learner")
        .filter(prefix=prefix, learner__is_active=True)
        .first()
    )
    if row is None or not matches(token, row.token_hash):
        return None
    return row
