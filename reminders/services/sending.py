"""Sending: render a batch of claimed deliveries and send each exactly once, isolating
failures: a learner whose email cannot be rendered or sent fails that one delivery (the error
kept for the admin's delivery log, retried with backoff by the task) and the batch goes on.

Each email is a short transaction: mark the row "sent" if it is still claimed or failed (a
conditional UPDATE takes the row lock and re-checks the status once a competing transaction
has finished), send, commit; a failed send rolls the mark back and records "failed". A second
worker with the same row waits for that lock and then finds it sent, so two workers never both
send; a worker killed before its commit rolls the row back to "claimed", so the redelivered
task (acks_late) sends it. The one window left is between the mail server accepting a message
and the commit (about a millisecond); a deterministic Message-ID per delivery lets a receiving
server drop a repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from core.email import RenderedEmail
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import registry

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2000
SMTP_TIMEOUT = 30  # seconds, when EMAIL_TIMEOUT is not set


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX_CHARS]


@dataclass(frozen=True)
class RenderFailure:
    """What stands for an email that could not be rendered: its delivery is marked failed
    with this error (and retried), and the rest of the batch goes out."""

    error: str


def _render_isolated(
    render: Callable[..., dict[int, RenderedEmail | None]],
    *,
    deliveries: Sequence[ReminderDelivery],
    now: dt.datetime,
) -> dict[int, RenderedEmail | None | RenderFailure]:
    """`render` for the whole group (a fixed number of queries); should it fail, each delivery
    alone, so one learner's data fails that learner's email only (RenderFailure)."""
    try:
        return render(deliveries=deliveries, now=now)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - isolated below, logged, kept on the row
        if len(deliveries) == 1:
            logger.exception("reminder %s not rendered", deliveries[0].pk)
            return {deliveries[0].pk: RenderFailure(_error_text(exc))}
        logger.warning("a batch of %d reminders failed to render: one by one", len(deliveries))
    rendered: dict[int, RenderedEmail | None | RenderFailure] = {}
    for delivery in deliveries:
        rendered.update(_render_isolated(render, deliveries=[delivery], now=now))
    return rendered


def deliveries_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None | RenderFailure]:
    """Every email of a batch, by delivery id, in a fixed number of queries per kind (kinds
    sharing a render function in one call). None: nothing to send (it no longer applies, or
    its kind's app is no longer installed); RenderFailure: this learner's email could not be
    rendered."""
    rendered: dict[int, RenderedEmail | None | RenderFailure] = {d.pk: None for d in deliveries}
    groups: dict[Callable, list[ReminderDelivery]] = {}
    for delivery in deliveries:
        kind = registry.KINDS.get(delivery.kind)
        if kind is not None:
            groups.setdefault(kind.render, []).append(delivery)
    for render, group in groups.items():
        rendered.update(_render_isolated(render, deliveries=group, now=now))
    return rendered


class _NotSent(Exception):
    """Raised inside _Rows.sending() to roll its mark back (the send failed)."""


class _Rows:
    """The statements every email costs, as plain SQL: they run once per email, and the ORM's
    per-call compilation would cost more than the database round trip itself. Each is
    conditional on the row still needing sending (claimed, or failed and retried): an UPDATE
    waits for a competing transaction holding the row and re-checks that after it.

    On PostgreSQL outside any atomic block (as in a worker) each email costs one round trip:
    the COMMIT of the previous email's mark travels with the BEGIN and the mark of the next
    (or with the next skip or failure, or at the end of the batch: finish()). The previous
    email was sent before that statement is sent, as it would be before its own COMMIT, so the
    order "mark, send, commit" and what it guarantees are unchanged; round trips, each a
    sleep and a wake-up of the worker, were most of the database's share of the CPU. Elsewhere
    (SQLite, or inside a test's transaction) each email is a transaction.atomic() block.
    """

    def __init__(self) -> None:
        ops = connection.ops
        self._ops = ops
        table = ops.quote_name(ReminderDelivery._meta.db_table)
        sendable = "WHERE id = %s AND status IN (%s, %s)"
        self._sendable = [DeliveryStatus.CLAIMED, DeliveryStatus.FAILED]
        self._sent_sql = (
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s, "
            f"sent_at = %s, subject = %s, error = '', updated_at = %s {sendable}"
        )
        self._other_sql = (
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, claimed_at = %s, "
            f"sent_at = NULL, subject = '', error = %s, updated_at = %s {sendable}"
        )
        self._raw = None
        self._open = False  # raw only: a transaction is open (its mark, if any, to commit)
        if connection.vendor == "postgresql" and connection.get_autocommit():
            connection.ensure_connection()
            self._raw = connection.connection.cursor()

    def _now(self):
        return self._ops.adapt_datetimefield_value(timezone.now())

    def _pending(self) -> str:
        """The COMMIT owed to the previous email's mark, to send ahead of the next statement."""
        return "COMMIT; " if self._open else ""

    @contextmanager
    def sending(self, cursor, delivery_id: int, *, subject: str) -> Iterator[bool]:
        """One email's transaction: yields whether the row still needed sending, in which case
        it is now marked sent and locked until the transaction ends. Leaving the block
        normally commits (raw: with the next statement); raising _NotSent (a failed send) or
        anything else rolls the mark back."""
        now = self._now()
        params = [DeliveryStatus.SENT, now, now, subject, now, delivery_id, *self._sendable]
        raw = self._raw
        if raw is None:
            with transaction.atomic():
                cursor.execute(self._sent_sql, params)
                yield cursor.rowcount == 1
            return
        try:
            raw.execute(f"{self._pending()}BEGIN; {self._sent_sql}", params)
            self._open = True
            yield raw.rowcount == 1
        except BaseException:
            # This email's mark must never outlive a send that did not happen. (Should the
            # statement itself have failed before its COMMIT ran, the previous email's mark is
            # undone too, and that email may go out again: the ambiguity of any failed COMMIT.)
            self._open = False
            try:
                raw.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - a dead connection has rolled back already
                logger.warning("rollback of reminder %s failed", delivery_id, exc_info=True)
            raise

    def settle(self, cursor, delivery_id: int, *, status: str, error: str = "") -> bool:
        """Record a skip or a failure (one statement, no send to wait for)."""
        now = self._now()
        params = [status, now, error, now, delivery_id, *self._sendable]
        if self._raw is None:
            cursor.execute(self._other_sql, params)
            return cursor.rowcount == 1
        pending, self._open = self._pending(), False
        self._raw.execute(pending + self._other_sql, params)
        return self._raw.rowcount == 1

    def finish(self) -> None:
        """Commit the last email's mark (raw); call whatever happened since, and only once the
        sends are over: an email whose block ended normally was sent."""
        if self._raw is None:
            return
        try:
            if self._open:
                self._open = False
                self._raw.execute("COMMIT")
        finally:
            self._raw.close()


def reminder_deliveries_send(
    *, delivery_ids: Iterable[int], now: dt.datetime | None = None, mail_connection=None
) -> SendReport:
    """Send a batch of claimed deliveries through one mail connection, each exactly once.

    Reads for the whole batch take a fixed number of queries; then each email costs one short
    transaction: mark the row sent (taking its lock), send, commit (see _Rows). A failed send
    rolls the mark back and records the failure on the row, for the task to retry with
    backoff.
    """
    now = now or timezone.now()
    report = SendReport()
    deliveries = list(
        ReminderDelivery.objects.sendable()
        .filter(pk__in=list(delivery_ids))
        .select_related("learner")
        .order_by("pk")
    )
    if not deliveries:
        return report
    emails = deliveries_render(deliveries=deliveries, now=now)
    # A hung mail server must not hold the batch (and its row lock) until the hard time limit.
    mail_connection = mail_connection or get_connection(
        timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT
    )
    rows = _Rows()
    opened = False
    open_error: Exception | None = None
    try:
        with connection.cursor() as cursor:
            for delivery in deliveries:
                email = emails[delivery.pk]
                if email is None:
                    if rows.settle(cursor, delivery.pk, status=DeliveryStatus.SKIPPED):
                        report.skipped.append(delivery.pk)
                    continue
                if isinstance(email, RenderFailure):
                    if rows.settle(
                        cursor, delivery.pk, status=DeliveryStatus.FAILED, error=email.error
                    ):
                        report.failed.append(delivery.pk)
                    continue
                failure: Exception | None = None
                try:
                    with rows.sending(cursor, delivery.pk, subject=email.subject[:255]) as mine:
                        if not mine:
                            continue  # sent (or being sent) by another worker: theirs
                        try:
                            if open_error is not None:
                                # One refused connection fails the rest of the batch at once,
                                # instead of a connection timeout per message.
                                raise open_error
                            if not opened:
                                try:
                                    mail_connection.open()
                                except Exception as exc:
                                    open_error = exc
                                    raise
                                opened = True
                            email.message(connection=mail_connection).send()
                        except SoftTimeLimitExceeded:
                            raise  # the mark rolls back to "claimed"; a later run sends it
                        except Exception as exc:  # noqa: BLE001 - recorded and retried
                            failure = exc
                            raise _NotSent from exc
                except _NotSent:
                    error = _error_text(failure)
                    logger.warning("reminder %s not sent: %s", delivery.pk, error)
                    if rows.settle(cursor, delivery.pk, status=DeliveryStatus.FAILED, error=error):
                        report.failed.append(delivery.pk)
                    continue
                report.sent.append(delivery.pk)
    finally:
        rows.finish()
        if opened:
            mail_connection.close()
    return report


def retry_countdown(retries: int, *, base: int = 60, cap: int = 1800) -> int:
    """Exponential backoff for a failed batch: 1, 2, 4, 8, 16 minutes... capped at half an hour,
    below the broker's visibility timeout (an hour), so a waiting retry is not handed out twice."""
    return min(cap, base * 2**retries)
