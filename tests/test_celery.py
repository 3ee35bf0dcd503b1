"""The Celery app runs a task end to end in a real worker process, through the real broker."""

import pytest
from django.core.cache import cache

from careerpath.celery import app as celery_app
from core.tasks import HEARTBEAT_CACHE_KEY, heartbeat
from tests.celery_worker import wait_for

pytestmark = pytest.mark.worker


def test_worker_process_runs_a_task_from_the_broker(start_worker):
    # given: no heartbeat yet, and a worker process on this test's queue
    cache.delete(HEARTBEAT_CACHE_KEY)
    worker = start_worker(concurrency=1)

    # when: the task is queued through the broker (not run eagerly)
    assert not celery_app.conf.task_always_eager
    queued = heartbeat.delay()

    # then: the worker process ran that very message and wrote the heartbeat /health/ reads
    wait_for(lambda: f"heartbeat[{queued.id}] succeeded" in worker.log(), timeout=60)
    assert cache.get(HEARTBEAT_CACHE_KEY)


def test_beat_schedule_is_in_code_and_names_registered_tasks():
    celery_app.loader.import_default_modules()
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks, entry["task"]


def test_reliability_settings_are_on():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
