"""Celery entry point for the weekly link check (see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from curation.services import links_check, links_sync


@shared_task
def check_links() -> dict[str, int]:
    links_sync()
    return links_check()
