"""gunicorn.conf.py freezes what lives in a worker, once the app is loaded and again after its
first requests: Python's full collections then skip the app's long-lived objects."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

CONF = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_worker_freezes_what_lives_once_the_app_is_loaded(unfrozen):
    # when
    CONF["post_worker_init"](SimpleNamespace(nr=0))

    # then
    assert gc.get_freeze_count() > 0


def test_what_the_first_requests_made_is_frozen_after_them_and_only_then(unfrozen):
    # given: a worker frozen at start, then long-lived objects made by its first requests
    after = CONF["FREEZE_AFTER_REQUESTS"]
    CONF["post_worker_init"](SimpleNamespace(nr=0))
    at_start = gc.get_freeze_count()
    per_process_cache = [[i] for i in range(1000)]

    # when: the requests before the count end
    for nr in range(1, after):
        CONF["post_request"](SimpleNamespace(nr=nr), None, {}, None)

    # then: nothing more frozen (frozen objects freed meanwhile lower the count, so it is compared
    # with what freezing the requests' cache would have added, not for equality)
    assert gc.get_freeze_count() < at_start + len(per_process_cache)

    # when: the request that ends the count, and those after it
    for nr in range(after, after + 3):
        CONF["post_request"](SimpleNamespace(nr=nr), None, {}, None)

    # then: the cache the requests made is frozen, once
    assert gc.get_freeze_count() >= at_start + len(per_process_cache)
    frozen = gc.get_freeze_count()
    made_later = [[i] for i in range(1000)]
    CONF["post_request"](SimpleNamespace(nr=after + 10), None, {}, None)
    # Not frozen again: what was made later stays out. (Frozen objects freed meanwhile lower
    # the count, so it is compared with what a second freeze would have added, not for equality.)
    assert gc.get_freeze_count() < frozen + len(made_later)
