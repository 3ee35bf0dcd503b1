"""Fixtures every test may use: a clean cache, factories' users, a real Celery worker, Chromium."""

import contextlib
import shutil

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


@pytest.fixture(autouse=True)
def _verified_content_fragments():
    # Every cached content fragment is rendered again on a hit and must print the same bytes
    # (core/fragments.py), so a fragment that shows a learner's data fails any test that renders
    # it twice. Each test starts empty: a rolled-back test's content version may come again.
    from core import fragments

    fragments.verify = True
    fragments.clear()
    yield


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's own file cache (settings/test.py), so test runs leave nothing behind."""
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION", "")
    if "test-cache-" in str(location):
        shutil.rmtree(location, ignore_errors=True)
