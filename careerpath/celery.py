"""The Celery app: configured from Django settings (CELERY_*), finds every app's tasks.py."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings.local")

app = Celery("careerpath", include=["core.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _heartbeat_on_start(sender, **kwargs) -> None:
    # Through the broker, like beat's: /health/ shows a consuming worker at once, not in a minute.
    from core.tasks import heartbeat

    heartbeat.delay()
