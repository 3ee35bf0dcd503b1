"""Celery entry points for reminders: the beat dispatcher and the batch sender (thin: they call
services). Late acks and requeue-on-worker-lost come from settings, so a killed worker's batch is
delivered again; the delivery rows make that harmless."""

import logging

from celery import shared_task
from django.utils import timezone

from roadmap.services import reminders

logger = logging.getLogger(__name__)

SEND_MAX_RETRIES = 6


@shared_task(name="roadmap.tasks.dispatch_reminders")
def dispatch_reminders() -> dict:
    summary = reminders.reminders_dispatch(now=timezone.now(), deliver=_queue_batch)
    return {
        "digests": summary.digests,
        "nudges": summary.nudges,
        "notices": summary.notices,
        "requeued": summary.requeued,
        "batches": summary.batches,
        "failed_kinds": summary.failed_kinds,
    }


def _queue_batch(delivery_ids: list[int]) -> None:
    send_reminder_batch.delay(delivery_ids)


@shared_task(bind=True, name="roadmap.tasks.send_reminder_batch", max_retries=SEND_MAX_RETRIES)
def send_reminder_batch(self, delivery_ids: list[int]) -> dict:
    report = reminders.reminder_deliveries_send(delivery_ids=delivery_ids)
    if report.failed:
        if self.request.retries >= self.max_retries:
            # The rows stay "failed" with their error, for the admin's delivery log.
            logger.error(
                "giving up on reminders %s after %s tries", report.failed, self.max_retries
            )
        else:
            raise self.retry(
                args=[report.failed], countdown=reminders.retry_countdown(self.request.retries)
            )
    return {"sent": len(report.sent), "skipped": len(report.skipped), "failed": len(report.failed)}
