"""Writes to a learner's account: profile and reminder preferences, the calendar feed address,
personal access tokens for the API, and deleting the account with everything in it."""

import copy
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PersonalAccessToken, User
from accounts.tokens import fingerprint, new_access_token, new_secret

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


def profile_timezone_set(*, user: User, timezone: str) -> User:
    """The timezone chosen at sign-up (validated by the form and again by the model)."""
    return _update(user, ("timezone",), {"timezone": timezone})


def reminder_preferences_update(*, user: User, **preferences) -> User:
    unknown = set(preferences) - set(REMINDER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown reminder preferences: {sorted(unknown)}")
    return _update(user, REMINDER_FIELDS, preferences)


# --- Calendar feed -------------------------------------------------------------------------


def calendar_feed_reset(*, user: User) -> str:
    """Give the learner a new secret feed address and return its secret (shown once); the old
    address stops working at once."""
    secret = new_secret()
    with transaction.atomic():
        user.calendar_token_hash = fingerprint(secret)
        user.save(update_fields=["calendar_token_hash"])
    return secret


def calendar_feed_disable(*, user: User) -> None:
    with transaction.atomic():
        user.calendar_token_hash = None
        user.save(update_fields=["calendar_token_hash"])


# --- Personal access tokens ----------------------------------------------------------------

ACCESS_TOKEN_LIMIT = 20
ACCESS_TOKEN_NAME_MAX_LENGTH = PersonalAccessToken._meta.get_field("name").max_length
# A token's last use is written at most this often, so a busy script does not write per request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def access_token_create(
    *, learner: User, name: str, lifetime_days: int | None, now: dt.datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """Make a token for the learner's scripts; returns the row and the token, which is shown
    once and never stored. `lifetime_days=None` makes a token that does not expire."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name, e.g. “backup script”."), code="required")
    if len(name) > ACCESS_TOKEN_NAME_MAX_LENGTH:
        raise ValidationError(
            _("A token name can be at most %(max)d characters long."),
            params={"max": ACCESS_TOKEN_NAME_MAX_LENGTH},
            code="name_too_long",
        )
    if lifetime_days is not None and not 1 <= lifetime_days <= 366:
        raise ValidationError(_("A token lasts between 1 and 366 days, or never expires."))
    now = now or timezone.now()
    with transaction.atomic():
        # Locking the learner's row makes two quick submissions count one after the other.
        User.objects.select_for_update().filter(pk=learner.pk).first()
        if PersonalAccessToken.objects.filter(learner=learner).count() >= ACCESS_TOKEN_LIMIT:
            raise ValidationError(
                _("You have %(max)d tokens already. Revoke one you no longer use first."),
                params={"max": ACCESS_TOKEN_LIMIT},
                code="too_many_tokens",
            )
        prefix, token = new_access_token()
        while PersonalAccessToken.objects.filter(prefix=prefix).exists():
            prefix, token = new_access_token()
        row = PersonalAccessToken.objects.create(
            learner=learner,
            name=name,
            prefix=prefix,
            token_hash=fingerprint(token),
            expires_at=now + dt.timedelta(days=lifetime_days) if lifetime_days else None,
        )
    return row, token


def access_token_revoke(*, learner: User, token_id: int) -> None:
    """Delete one of the learner's own tokens; scripts using it are refused from now on.
    Another learner's token raises PersonalAccessToken.DoesNotExist (a 404 for views)."""
    with transaction.atomic():
        PersonalAccessToken.objects.get(pk=token_id, learner=learner).delete()


def access_token_mark_used(*, token: PersonalAccessToken, now: dt.datetime) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)


# --- Deleting the account ------------------------------------------------------------------


def account_delete(*, user: User) -> None:
    """Delete the learner and every row that is theirs, in one transaction.

    Every learner-owned model (accounts/ownership.py) reaches the user through
    foreign keys with on_delete=CASCADE, so deleting the user row takes progress, events,
    certifications, projects, applications, the public portfolio, tokens and the rest with it;
    either all of it goes or, on any error, none of it.
    """
    with transaction.atomic():
        User.objects.get(pk=user.pk).delete()
