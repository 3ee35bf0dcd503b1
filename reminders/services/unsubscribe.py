"""Opt-out switches and their one-click unsubscribe links: signed tokens, one salt per switch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts import services as account_services
from accounts.models import DigestFrequency, User

UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=60)


@dataclass(frozen=True)
class OptOut:
    """A reminder preference a learner can switch off from an email: every kind names one."""

    name: str
    is_off: Callable[[User], bool]
    change: dict  # the preferences that switch it off


class UnsubscribeKind:
    """The learner's two switches (accounts' reminder preferences); kinds choose one."""

    DIGEST = "digest"
    NUDGES = "nudges"
    ALL = (DIGEST, NUDGES)


OPT_OUTS = {
    UnsubscribeKind.DIGEST: OptOut(
        name=UnsubscribeKind.DIGEST,
        is_off=lambda learner: learner.digest_frequency == DigestFrequency.OFF,
        change={"digest_frequency": DigestFrequency.OFF},
    ),
    # Due dates of every kind: milestone nudges, certification expiry notices.
    UnsubscribeKind.NUDGES: OptOut(
        name=UnsubscribeKind.NUDGES,
        is_off=lambda learner: not learner.nudges_enabled,
        change={"nudges_enabled": False},
    ),
}


def _unsubscribe_salt(kind: str) -> str:
    # A salt per switch: a digest link can never switch nudges off, and the other way round.
    # (The text keeps its first module's name: links already sent must stay valid.)
    return f"roadmap.reminders.unsubscribe.{kind}"


def unsubscribe_token_make(*, learner: User, kind: str) -> str:
    return signing.dumps(learner.pk, salt=_unsubscribe_salt(kind))


def unsubscribe_token_learner(*, token: str, kind: str) -> User:
    """The learner a token names; raises signing.BadSignature (or its SignatureExpired) for a
    tampered or expired token, and User.DoesNotExist for a deleted account."""
    if kind not in OPT_OUTS:
        raise signing.BadSignature("unknown kind")
    pk = signing.loads(token, salt=_unsubscribe_salt(kind), max_age=UNSUBSCRIBE_MAX_AGE)
    return User.objects.get(pk=pk)


def reminder_unsubscribe(*, learner: User, kind: str) -> User:
    """Switch one kind of reminder off. Idempotent: a second click changes nothing."""
    opt_out = OPT_OUTS.get(kind)
    if opt_out is None:
        raise ValueError(f"Unknown reminder kind: {kind}")
    # The settings page's own service, so both ways of changing preferences behave the same.
    return account_services.reminder_preferences_update(user=learner, **opt_out.change)


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(*, learner: User, kind: str) -> str:
    token = unsubscribe_token_make(learner=learner, kind=kind)
    return absolute_url(reverse("reminders:unsubscribe", kwargs={"kind": kind, "token": token}))


class UnsubscribeLinks:
    """unsubscribe_url() for a batch, with the URL around the token reversed once per switch:
    a token is base64 and colons, which reverse() would leave as they are."""

    def __init__(self) -> None:
        self._around: dict[str, tuple[str, str]] = {}

    def __call__(self, *, learner: User, kind: str) -> str:
        around = self._around.get(kind)
        if around is None:
            probe = "~token~"
            url = absolute_url(
                reverse("reminders:unsubscribe", kwargs={"kind": kind, "token": probe})
            )
            around = self._around[kind] = tuple(url.split(probe))
        return around[0] + unsubscribe_token_make(learner=learner, kind=kind) + around[1]
