"""Celery entry points for reminders: the beat dispatcher and the batch sender (thin: they call
services). Late acks and requeue-on-worker-lost come from settings, so a killed worker's batch is
delivered again; the delivery rows make that harmless.

The tasks began in roadmap: their first names stay registered (LEGACY_NAMES), so messages queued
and a beat schedule written before a deploy are still accepted by a new worker.
"""

import logging

from celery import shared_task
from django.utils import timezone

from reminders.services import dispatch, sending

logger = logging.getLogger(__name__)

SEND_MAX_RETRIES = 6
DISPATCH_TASK = "reminders.tasks.dispatch_reminders"
SEND_TASK = "reminders.tasks.send_reminder_batch"
LEGACY_NAMES = {
    "roadmap.tasks.dispatch_reminders": DISPATCH_TASK,
    "roadmap.tasks.send_reminder_batch": SEND_TASK,
}


def _dispatch() -> dict:
    summary = dispatch.reminders_dispatch(now=timezone.now(), deliver=_queue_batch)
    return {
        "claimed": dict(summary.claimed),
        "requeued": summary.requeued,
        "batches": summary.batches,
        "failed_kinds": summary.failed_kinds,
    }


def _queue_batch(delivery_ids: list[int]) -> None:
    send_reminder_batch.delay(delivery_ids)


def _send(task, delivery_ids: list[int]) -> dict:
    report = sending.reminder_deliveries_send(delivery_ids=delivery_ids)
    if report.failed:
        if task.request.retries >= task.max_retries:
            # The rows stay "failed" with their error, for the admin's delivery log.
            logger.error(
                "giving up on reminders %s after %s tries", report.failed, task.max_retries
            )
        else:
            raise task.retry(
                args=[report.failed], countdown=sending.retry_countdown(task.request.retries)
            )
    return {"sent": len(report.sent), "skipped": len(report.skipped), "failed": len(report.failed)}


@shared_task(name=DISPATCH_TASK)
def dispatch_reminders() -> dict:
    return _dispatch()


@shared_task(bind=True, name=SEND_TASK, max_retries=SEND_MAX_RETRIES)
def send_reminder_batch(self, delivery_ids: list[int]) -> dict:
    return _send(self, delivery_ids)


# The first names, for messages already queued when this version is deployed.
@shared_task(name="roadmap.tasks.dispatch_reminders")
def dispatch_reminders_legacy() -> dict:
    return _dispatch()


@shared_task(bind=True, name="roadmap.tasks.send_reminder_batch", max_retries=SEND_MAX_RETRIES)
def send_reminder_batch_legacy(self, delivery_ids: list[int]) -> dict:
    return _send(self, delivery_ids)
