"""The Celery app: configured from Django settings (CELERY_*), finds every app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings.local")

app = Celery("careerpath", include=["careerpath.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
