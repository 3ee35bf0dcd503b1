"""Dispatch: claim every registered kind's emails that are due, and queue them in batches.

Exactly once, in short (the reminders documentation has the long version):
1. The dispatcher claims: it inserts one ReminderDelivery row per (learner, kind, period key)
   under a unique constraint, status "claimed", and queues the new row ids in batches.
2. A batch task sends each row inside its own transaction that first marks the row "sent"
   (services.sending); a second worker with the same row finds it sent; a worker killed
   before its commit leaves it "claimed", so the redelivered task sends it: nothing is lost.
3. Claims whose batch was lost are queued again by the next dispatch (abandoned_claims).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reminders import selectors
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import registry
from reminders.services.registry import DueReminder

logger = logging.getLogger(__name__)


@dataclass
class DispatchSummary:
    claimed: Counter = field(default_factory=Counter)  # by kind name
    requeued: int = 0  # abandoned claims of earlier periods, queued again
    batches: int = 0
    # Kinds whose selection failed part-way (logged with its traceback); the others went on.
    failed_kinds: list[str] = field(default_factory=list)

    def count(self, *kinds: str) -> int:
        return sum(self.claimed[kind] for kind in kinds)

    @property
    def total(self) -> int:
        return sum(self.claimed.values()) + self.requeued


def _claim(
    *, rows: list[ReminderDelivery], stamp: dt.datetime, deliver: Callable[[list[int]], None]
) -> list[tuple[int, str]]:
    """Insert the page's delivery rows (existing ones are left alone), take back claims that
    were abandoned, and queue the ids that are ours once the transaction has committed."""
    if not rows:
        return []
    kinds = {r.kind for r in rows}
    mine = Q(
        kind__in=kinds,
        learner_id__in={r.learner_id for r in rows},
        period_key__in={r.period_key for r in rows},
        status=DeliveryStatus.CLAIMED,
    )
    with transaction.atomic():
        ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        ReminderDelivery.objects.filter(
            mine, claimed_at__lt=stamp - selectors.STALE_CLAIM_AFTER
        ).update(claimed_at=stamp)
        claimed = list(
            ReminderDelivery.objects.filter(mine, claimed_at=stamp)
            .order_by("pk")
            .values_list("pk", "kind")
        )
        if claimed:
            transaction.on_commit(partial(deliver, [pk for pk, _ in claimed]))
    return claimed


def _requeue(
    *, ids: list[int], stamp: dt.datetime, deliver: Callable[[list[int]], None]
) -> list[int]:
    """Take back abandoned claims (still abandoned: another dispatcher may have been first) and
    queue them once the transaction has committed."""
    with transaction.atomic():
        ReminderDelivery.objects.filter(
            pk__in=ids,
            status=DeliveryStatus.CLAIMED,
            claimed_at__lt=stamp - selectors.STALE_CLAIM_AFTER,
        ).update(claimed_at=stamp)
        taken = list(
            ReminderDelivery.objects.filter(
                pk__in=ids, status=DeliveryStatus.CLAIMED, claimed_at=stamp
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if taken:
            transaction.on_commit(partial(deliver, taken))
    return taken


def _row(due: DueReminder, *, stamp: dt.datetime) -> ReminderDelivery:
    return ReminderDelivery(
        learner_id=due.learner_id,
        kind=due.kind,
        period_key=due.period_key,
        milestone_id=due.milestone_id,
        target_date=due.target_date,
        claimed_at=stamp,
    )


def reminders_dispatch(
    *,
    now: dt.datetime,
    deliver: Callable[[list[int]], None],
    page_size: int = selectors.PAGE_SIZE,
    dry_run: bool = False,
    report: Callable[[str, list], None] | None = None,
) -> DispatchSummary:
    """Claim every registered kind's emails due at `now` and hand each page of delivery ids to
    `deliver` (the beat task queues a Celery task per page; the command sends in-process).
    With dry_run, `report` sees what would be claimed and nothing is written."""
    summary = DispatchSummary()
    stamp = timezone.now()
    if not dry_run:
        # First, claims whose batch was lost (a publish that failed while the broker was down,
        # a message the filesystem broker never redelivers), including earlier periods' that the
        # selections below no longer look at.
        for ids in selectors.abandoned_claims(stamp=stamp, page_size=page_size):
            taken = _requeue(ids=ids, stamp=stamp, deliver=deliver)
            summary.requeued += len(taken)
            summary.batches += bool(taken)

    def claim_pages(pages: Callable[[], Iterable[list[DueReminder]]], label: str) -> None:
        """Claim each page's emails (or, with dry_run, count them). A kind whose selection
        fails keeps the pages claimed so far and the dispatch goes on with the next kind: one
        learner's data must not stop everyone's emails. (A failure to claim or queue, e.g. the
        broker down, is not a selection's: it fails the dispatch, and the claims are queued
        again by the next one.)"""
        selection = None
        while True:
            try:
                selection = selection or iter(pages())
                page = next(selection)
            except StopIteration:
                return
            except SoftTimeLimitExceeded:
                raise
            except Exception:  # noqa: BLE001 - logged with its traceback, in the summary
                logger.exception("selecting %s reminders failed; dispatching the others", label)
                summary.failed_kinds.append(label)
                return
            if report:
                report(label, page)
            if dry_run:
                summary.claimed.update(due.kind for due in page)
                continue
            claimed = _claim(
                rows=[_row(due, stamp=stamp) for due in page], stamp=stamp, deliver=deliver
            )
            summary.claimed.update(kind for _, kind in claimed)
            summary.batches += bool(claimed)

    for kind in list(registry.KINDS.values()):
        if kind.due is not None:
            claim_pages(partial(kind.due, now=now, page_size=page_size), kind.name)
    return summary
