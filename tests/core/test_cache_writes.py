"""core.cache's SET on the connection each process and thread holds (not redis-py's client path):
it stores what Django's own Redis cache stores (the same bytes, the same lifetime, a timeout of
0 a removal), it is sent on the held connection, a connection the server dropped is replaced
without the cache degrading, a failed write closes the connection and degrades the cache as any
failure does, an answer that comes late is never taken for the next command's, and a forked
process writes on a connection of its own. On a redis-server of the test's own."""

from __future__ import annotations

import os
import time

import pytest
import redis as redis_py
from django.core.cache.backends.redis import RedisCache

from core import cache as core_cache
from core.cache import DegradingRedisCache
from tests.proof.faults import REDIS_SERVER, RedisServer

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs redis-server (apt-get install redis)"
)

VALUES = [
    {"a": [1, 2], "b": "clé"},
    7,  # kept raw by Django's serializer
    -3,
    "text",
    (b"<html>", b"\r\n", b"</html>"),  # a page as core/pages.py stores it
    b"\x00\xff" * 150_000,  # larger than one socket write
    None,
]


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis") / "redis.log").start()
    yield server
    server.stop()


@pytest.fixture
def raw(redis):
    client = redis_py.Redis.from_url(redis.url())
    client.flushdb()
    yield client
    client.close()


def ours_on(server: RedisServer, **params) -> DegradingRedisCache:
    options = params.pop("OPTIONS", {})
    return DegradingRedisCache(server.url(), {"KEY_PREFIX": "ours", "OPTIONS": options, **params})


def djangos_on(server: RedisServer) -> RedisCache:
    return RedisCache(server.url(), {"KEY_PREFIX": "django"})


def held_connection_id(cache: DegradingRedisCache) -> int:
    return cache._cache._command("CLIENT", "ID")


def test_a_set_stores_what_djangos_redis_cache_stores(redis, raw):
    # given
    ours, djangos = ours_on(redis), djangos_on(redis)

    for number, value in enumerate(VALUES):
        for timeout in (300, None):
            key = f"value-{number}-{timeout}"
            # when
            ours.set(key, value, timeout)
            djangos.set(key, value, timeout)

            # then: the same bytes under the key, the same lifetime, and read back as stored
            ours_key, djangos_key = ours.make_key(key), djangos.make_key(key)
            assert raw.get(ours_key) == raw.get(djangos_key), (value, timeout)
            assert raw.ttl(ours_key) == raw.ttl(djangos_key), (value, timeout)
            assert ours.get(key, "missing") == value


def test_the_default_timeout_and_the_upper_bound_still_apply(redis, raw):
    # given: a cache whose entries live 120 s by default and 60 s at most (the sessions')
    bounded = ours_on(redis, TIMEOUT=120, MAX_TIMEOUT=60)
    lasting = ours_on(redis, TIMEOUT=120)

    # when
    bounded.set("forever", "v", None)
    bounded.set("long", "v", 3600)
    lasting.set("default", "v")
    lasting.set("lasting", "v", None)

    # then
    assert 55 <= raw.ttl(bounded.make_key("forever")) <= 60
    assert 55 <= raw.ttl(bounded.make_key("long")) <= 60
    assert 115 <= raw.ttl(lasting.make_key("default")) <= 120
    assert raw.ttl(lasting.make_key("lasting")) == -1  # no expiry, as Django's


def test_a_timeout_of_zero_removes_the_key_as_djangos_does(redis, raw):
    # given
    ours, djangos = ours_on(redis), djangos_on(redis)
    for cache in (ours, djangos):
        cache.set("gone", "value", 300)

        # when
        cache.set("gone", "other", 0)

        # then
        assert raw.exists(cache.make_key("gone")) == 0
        assert cache.get("gone", "missing") == "missing"


def test_a_set_is_sent_on_the_held_connection_not_through_the_pool(redis, raw):
    # given
    cache = ours_on(redis)
    held = held_connection_id(cache)

    # when
    cache.set("page", (b"a", b"b"), 300)

    # then: the server saw the SET on the held connection, and no pooled connection was made
    [held_client] = raw.client_list(client_id=[held])
    assert held_client["cmd"] == "set"
    assert all(pool._created_connections == 0 for pool in cache._cache._pools.values())


def test_a_connection_the_server_dropped_is_replaced_without_degrading(redis, raw):
    # given: the held connection, closed by the server (a restart, an idle timeout)
    cache = ours_on(redis)
    first = held_connection_id(cache)
    redis.command("CLIENT", "KILL", "ID", str(first))

    # when
    cache.set("kept", "value", 30)

    # then: written on a new connection, and the cache did not go into its outage back-off
    assert cache.get("kept") == "value"
    assert held_connection_id(cache) != first
    assert cache._down_until == 0.0


def test_a_failed_write_closes_the_connection_and_the_cache_degrades(redis, raw, monkeypatch):
    # given: Redis refusing writes (out of memory, nothing it may evict)
    monkeypatch.setattr(core_cache, "RETRY_AFTER_SECONDS", 0.2)
    cache = ours_on(redis)
    cache.set("kept", "old", 30)
    first = held_connection_id(cache)
    raw.config_set("maxmemory-policy", "noeviction")
    raw.config_set("maxmemory", "1")
    try:
        # when
        answer = cache.set("kept", "new", 30)
        during = cache.get("kept", "nothing")  # in the back-off: as if there were no cache
    finally:
        raw.config_set("maxmemory", "0")

    # then: no error for the caller, the connection closed, the cache degraded for its back-off
    assert answer is None
    assert during == "nothing"
    assert cache._cache._held_connection(write=True)._sock is None
    # and: after the back-off it writes again, on a new connection
    time.sleep(0.25)
    cache.set("kept", "new", 30)
    assert cache.get("kept") == "new"
    assert held_connection_id(cache) != first


def test_a_write_answered_late_never_gives_its_answer_to_the_next_command(redis, raw, monkeypatch):
    # given: a cache that waits 0.1 s for an answer, and Redis paused for 0.4 s
    monkeypatch.setattr(core_cache, "RETRY_AFTER_SECONDS", 0.0)
    cache = ours_on(redis, OPTIONS={"socket_timeout": 0.1})
    cache.set("kept", "value", 30)
    redis.pause(0.4)

    # when: a write times out (the cache degrades), then the pause ends and its answer arrives
    assert cache.set("other", "written", 30) is None
    time.sleep(0.6)

    # then: each command after it gets its own answer (a kept connection would give GET "OK")
    assert cache.get("kept") == "value"
    assert cache.get_many(["kept", "other"])["kept"] == "value"


def test_a_forked_process_writes_on_a_connection_of_its_own(redis, raw):
    # given: the parent's held connection in use
    cache = ours_on(redis)
    cache.set("kept", "parent", 30)
    parent = held_connection_id(cache)

    # when: a child forked now writes, and exits
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            cache.set("child", "written", 30)
            os.write(write_end, str(held_connection_id(cache)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    child = int(os.read(read_end, 100).decode())
    os.close(read_end)

    # then: the child had its own connection; the parent's still answers its own answers
    assert child != parent
    assert held_connection_id(cache) == parent
    assert cache.get_many(["kept", "child"]) == {"kept": "parent", "child": "written"}
