"""core.cache.DegradingRedisCache on a redis-server of the test's own: a cache while Redis
answers, no cache (never an error) while it does not, and a cache again once it is back."""

from __future__ import annotations

import time
import warnings

import pytest

from core.cache import RETRY_AFTER_SECONDS, DegradingRedisCache
from tests.proof.faults import REDIS_SERVER, RedisServer

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server (apt-get install redis)"),
]


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path / "redis.log").start()
    yield server
    server.stop()


def cache_on(server: RedisServer, **params) -> DegradingRedisCache:
    return DegradingRedisCache(server.url(), {"KEY_PREFIX": "test", **params})


def test_it_is_a_cache_while_redis_answers(redis):
    cache = cache_on(redis)
    cache.set("a", {"x": 1}, 30)
    assert cache.get("a") == {"x": 1}
    assert cache.add("a", "other") is False
    assert cache.add("n", 1) is True
    assert cache.incr("n") == 2
    assert cache.get_many(["a", "n"]) == {"a": {"x": 1}, "n": 2}
    cache.ping()


def test_any_key_is_taken_without_memcacheds_checks(redis):
    # given: keys memcached would refuse (a space, a control character, 300 characters)
    cache = cache_on(redis)
    keys = ["with space", "bell\x07", "k" * 300]

    # when / then: stored and found, and Django's per-character check never ran (it would
    # warn: warnings are errors here)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for key in keys:
            cache.set(key, key, 30)
        assert cache.get_many(keys) == {key: key for key in keys}


def test_it_answers_like_an_empty_cache_while_redis_is_down_and_recovers(redis):
    # given: a value stored, then Redis stopped
    cache = cache_on(redis)
    cache.set("kept", "value", 30)
    redis.stop()

    # then: reads find nothing, writes are dropped, an add "succeeds"; nothing raises
    assert cache.get("kept", "default") == "default"
    assert cache.set("b", 1) is None
    assert cache.add("lock", True) is True  # allauth's rate-limit lock is taken, not spun on
    assert cache.get_many(["kept"]) == {}
    assert cache.delete("kept") is False
    with pytest.raises(ValueError):
        cache.incr("counter")  # as for a missing key
    with pytest.raises(Exception):  # noqa: B017 - the health check must see the outage
        cache.ping()

    # when: Redis is back (empty: it keeps nothing on disk) and the back-off has passed
    redis.start()
    time.sleep(RETRY_AFTER_SECONDS + 0.1)

    # then: a cache again
    cache.set("c", 3, 30)
    assert cache.get("c") == 3


def test_a_redis_that_stops_answering_costs_one_timeout_then_nothing(redis):
    # given: Redis paused (a network split: connections hang instead of being refused)
    cache = cache_on(redis)
    cache.set("a", 1, 30)
    redis.pause(3)

    # when
    started = time.monotonic()
    first = cache.get("a")
    first_took = time.monotonic() - started
    started = time.monotonic()
    second = cache.get("a")
    second_took = time.monotonic() - started

    # then: the first call waits for the socket timeout, the next skips Redis at once
    assert first is None and second is None
    assert 0.5 <= first_took < 3
    assert second_took < 0.05


def test_max_timeout_caps_every_lifetime(redis):
    cache = cache_on(redis, MAX_TIMEOUT=1)
    cache.set("forever", 1, None)
    cache.set("long", 1, 3600)
    assert cache.get("forever") == 1
    time.sleep(1.5)
    assert cache.get("forever") is None and cache.get("long") is None


def test_a_counter_counts_and_expires_and_is_none_while_redis_is_down(redis):
    # given
    cache = cache_on(redis)

    # when: three hits on a counter that lives 30 s
    counts = [cache.incr_with_expiry("hits", 30) for _ in range(3)]

    # then: counted, and the counter will expire (Redis holds it with a TTL, not forever)
    assert [count for count, _left in counts] == [1, 2, 3]
    assert all(0 < left <= 30 for _count, left in counts)
    assert 0 < int(redis.command("TTL", "test:1:hits")) <= 30

    # when Redis is down: nothing to count with, and no error
    redis.stop()
    assert cache.incr_with_expiry("hits", 30) is None
