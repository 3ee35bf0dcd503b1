"""Writes to a learner's account: profile and reminder preferences."""

import copy

from django.db import transaction

from careerpath.accounts.models import User

PROFILE_FIELDS = ("display_name", "timezone")
REMINDER_FIELDS = (
    "digest_frequency",
    "digest_weekday",
    "digest_hour",
    "nudges_enabled",
    "nudge_days_ahead",
)


def _update(user: User, fields: tuple[str, ...], values: dict) -> User:
    changed = [f for f in fields if f in values and getattr(user, f) != values[f]]
    if not changed:
        return user
    # Validate a copy, so a rejected change leaves the caller's user as it was, not half-applied.
    candidate = copy.copy(user)
    for field in changed:
        setattr(candidate, field, values[field])
    candidate.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changed])
    for field in changed:
        setattr(user, field, values[field])
    with transaction.atomic():
        user.save(update_fields=changed)
    return user


def profile_update(*, user: User, display_name: str, timezone: str) -> User:
    return _update(user, PROFILE_FIELDS, {"display_name": display_name, "timezone": timezone})


def reminder_preferences_update(*, user: User, **preferences) -> User:
    unknown = set(preferences) - set(REMINDER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown reminder preferences: {sorted(unknown)}")
    return _update(user, REMINDER_FIELDS, preferences)
