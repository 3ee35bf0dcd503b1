"""Project-level Celery tasks: the worker heartbeat that /health/ reads."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "celery:heartbeat"


@shared_task(name="careerpath.tasks.heartbeat")
def heartbeat() -> str:
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, stamp, timeout=60 * 60)
    return stamp
