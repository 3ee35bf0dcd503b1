"""API rate limits on a redis-server of the test's own: parallel requests are counted exactly
(one atomic INCR each), and while Redis is down the API keeps answering (the limits fail open)."""

from __future__ import annotations

import copy
import threading
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accounts.models import PersonalAccessToken
from api.throttling import TokenRateThrottle
from tests.proof.faults import REDIS_SERVER, RedisServer

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs redis-server (apt-get install redis)"
)

LIMIT = 40


@pytest.fixture
def redis_cache(tmp_path):
    """The default cache is the production one, on a redis-server of this test's own."""
    server = RedisServer(tmp_path / "redis.log").start()
    caches = {
        "default": {
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": server.url(),
            "KEY_PREFIX": "throttle-test",
        }
    }
    with override_settings(CACHES=caches):
        yield server
    server.stop()


def rates(**rates) -> dict:
    config = copy.deepcopy(settings.REST_FRAMEWORK)
    config["DEFAULT_THROTTLE_RATES"].update(rates)
    return config


def test_parallel_requests_of_one_token_are_counted_exactly(redis_cache):
    # given: one token's budget of LIMIT an hour, and 16 threads with 25 requests each
    request = SimpleNamespace(auth=PersonalAccessToken(pk=1), META={})
    allowed, start = [], threading.Barrier(16)

    def client() -> None:
        start.wait()
        for _ in range(25):
            if TokenRateThrottle().allow_request(request, None):
                allowed.append(1)

    with override_settings(REST_FRAMEWORK=rates(token=f"{LIMIT}/hour")):
        # when: all of them at once
        threads = [threading.Thread(target=client) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then: exactly the budget went through, not one more
    assert len(allowed) == LIMIT


@pytest.mark.django_db
def test_the_api_answers_while_redis_is_down(redis_cache, api_learner):
    # given: a tight budget, spent, then Redis stopped
    with override_settings(REST_FRAMEWORK=rates(token="2/minute", anonymous="2/minute")):
        assert [api_learner.get("/api/v1/paths/").status_code for _ in range(3)] == [200, 200, 429]
        redis_cache.stop()

        # when
        with_token = [api_learner.get("/api/v1/paths/").status_code for _ in range(3)]
        without = [Client().get("/api/v1/paths/").status_code for _ in range(3)]

    # then: served, not limited (the counters are gone with Redis) and never a 500
    assert with_token == [200, 200, 200]
    assert without == [401, 401, 401]
