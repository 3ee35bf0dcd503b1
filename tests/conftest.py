"""Fixtures every test may use: a clean cache, factories' users, a real Celery worker, Chromium."""

import contextlib

import pytest
from django.core.cache import cache

pytest_plugins = ["tests.celery_worker", "tests.browser"]


@pytest.fixture(autouse=True)
def _clean_cache():
    # allauth's rate limits live in the cache; one test's sign-ups must not throttle the next.
    # A test that stops the cache server must not break the next test's set-up.
    with contextlib.suppress(Exception):
        cache.clear()
    yield
