"""Reads of the reminder engine: local clocks, who may get email at all, which periods are
handled already, keyset pages, abandoned claims. The kinds' own selections build on these."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import Exists, Max, OuterRef, QuerySet

from accounts.models import User
from reminders.models import DeliveryStatus, ReminderDelivery

# A claimed delivery untouched for this long lost its message (e.g. the filesystem broker has
# no redelivery): the dispatcher queues it again. Sending it twice is impossible either way.
STALE_CLAIM_AFTER = dt.timedelta(minutes=30)
# Abandoned claims of earlier periods (yesterday's digest whose batch was never queued because
# the broker was down at 23:50) are still sent, late, for this long; after that they are stale
# news and stay `claimed` in the delivery log.
ABANDONED_CLAIM_WINDOW = dt.timedelta(days=7)
PAGE_SIZE = 200


@dataclass(frozen=True)
class LocalClock:
    """What the clock says for every learner in a group of timezones at one instant."""

    zones: tuple[str, ...]
    date: dt.date
    hour: int
    weekday: int
    local: dt.datetime


def local_clocks(*, zones: Iterable[str], now: dt.datetime) -> list[LocalClock]:
    """Zones grouped by local date and hour (a few dozen groups at most, whatever the number of
    zones), so each group is one filter in SQL. DST is zoneinfo's job: "9:00" is whatever the
    zone's clock says at `now`, on change days too."""
    groups: dict[tuple[dt.date, int], list[str]] = defaultdict(list)
    locals_: dict[tuple[dt.date, int], dt.datetime] = {}
    for name in zones:
        try:
            local = now.astimezone(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue  # the model validates zones; a stray one must not stop everyone's emails
        key = (local.date(), local.hour)
        groups[key].append(name)
        locals_.setdefault(key, local)
    return [
        LocalClock(
            zones=tuple(sorted(names)),
            date=key[0],
            hour=key[1],
            weekday=key[0].weekday(),
            local=locals_[key],
        )
        for key, names in sorted(groups.items())
    ]


def learner_zone(learner: User) -> zoneinfo.ZoneInfo:
    """The learner's zone; UTC for a zone this machine does not know."""
    try:
        return learner.zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def emailable_learners() -> QuerySet[User]:
    """Learners an email may go to at all: active, with a verified address."""
    return User.objects.filter(
        Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)),
        is_active=True,
    )


def already_handled(*, kind: str, stale_before: dt.datetime, **match) -> Exists:
    """A delivery row for this period that is not an abandoned claim (for SQL selections)."""
    return Exists(
        ReminderDelivery.objects.filter(kind=kind, **match).exclude(
            status=DeliveryStatus.CLAIMED, claimed_at__lt=stale_before
        )
    )


def handled_period_keys(
    *, kind: str, keys: Iterable[tuple[int, str]], now: dt.datetime
) -> set[tuple[int, str]]:
    """Which (learner id, period key) pairs already have a delivery row that is not an abandoned
    claim: for kinds whose keys are computed in Python, one query per page."""
    keys = list(keys)
    if not keys:
        return set()
    rows = (
        ReminderDelivery.objects.filter(
            kind=kind,
            learner_id__in={learner_id for learner_id, _ in keys},
            period_key__in={key for _, key in keys},
        )
        .exclude(status=DeliveryStatus.CLAIMED, claimed_at__lt=now - STALE_CLAIM_AFTER)
        .values_list("learner_id", "period_key")
    )
    return set(rows) & set(keys)


def keyset_pages(qs: QuerySet, *, fields: tuple[str, ...], page_size: int) -> Iterator[list[tuple]]:
    """Pages of value tuples in primary-key order; each page is one indexed query, so memory
    holds one page whatever the table size."""
    last = 0
    while True:
        page = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:page_size])
        if not page:
            return
        yield page
        last = page[-1][0]


def last_sent_at(*, kind: str, learner_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each learner's previous email of this kind went out (learners without one are
    absent)."""
    rows = (
        ReminderDelivery.objects.filter(
            learner_id__in=list(learner_ids), kind=kind, status=DeliveryStatus.SENT
        )
        .values("learner_id")
        .annotate(last=Max("sent_at"))
        .order_by()
    )
    return {row["learner_id"]: row["last"] for row in rows}


def abandoned_claims(*, stamp: dt.datetime, page_size: int = PAGE_SIZE) -> Iterator[list[int]]:
    """Pages of ids of claims nobody is working on (untouched for STALE_CLAIM_AFTER, made within
    ABANDONED_CLAIM_WINDOW), whatever their period: the dispatcher queues them again."""
    stale = ReminderDelivery.objects.filter(
        status=DeliveryStatus.CLAIMED,
        claimed_at__lt=stamp - STALE_CLAIM_AFTER,
        claimed_at__gte=stamp - ABANDONED_CLAIM_WINDOW,
    )
    for page in keyset_pages(stale, fields=(), page_size=page_size):
        yield [pk for (pk,) in page]
