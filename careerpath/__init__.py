"""careerpath: the project package (settings, URLs, Celery app, accounts)."""

from careerpath.celery import app as celery_app

__all__ = ["celery_app"]
