"""core.cache's reads on a connection of each process's and thread's own (GET and MGET without
redis-py's client path): the same answers as the client's, never another command's answer, a
connection the server dropped replaced without the cache degrading, and a forked process that
never reads on its parent's socket; every command sent there (SET's too, see
test_cache_writes.py) packed as redis-py packs it. On a redis-server of the test's own."""

from __future__ import annotations

import os
import pickle
import threading
import time

import pytest
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.cache import DegradingRedisCache, packed_command
from tests.proof.faults import REDIS_SERVER, RedisServer

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs redis-server (apt-get install redis)"
)


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis") / "redis.log").start()
    yield server
    server.stop()


def cache_on(server: RedisServer, **options) -> DegradingRedisCache:
    return DegradingRedisCache(server.url(), {"KEY_PREFIX": "reads", "OPTIONS": options})


def reader_id(cache: DegradingRedisCache) -> int:
    """The server's id for this thread's read connection."""
    return cache._cache._command("CLIENT", "ID")


def test_reads_answer_what_the_client_stored(redis):
    # given: values written through redis-py's client (pickled, and an int kept raw)
    cache = cache_on(redis)
    cache.set("dict", {"a": [1, 2]}, 30)
    cache.set("count", 7, 30)
    cache.set("big", "x" * 300_000, 30)  # larger than one socket read

    # then
    assert cache.get("dict") == {"a": [1, 2]}
    assert cache.get("count") == 7
    assert cache.get("big") == "x" * 300_000
    assert cache.get("missing", "default") == "default"
    assert cache.get_many(["dict", "missing", "count"]) == {"dict": {"a": [1, 2]}, "count": 7}
    assert cache.get_many([]) == {}


def test_a_command_is_packed_as_redis_py_packs_it(redis):
    # given: this thread's held connection (its encoder: utf-8, strict)
    cache = cache_on(redis)
    connection = cache._cache._held_connection()
    commands = [
        ("GET", ":1:dashboard:42"),
        ("MGET", "django.contrib.sessions.cached_db" + "a" * 32, ":1:auth-user:7"),
        ("GET", ""),
        ("GET", ":1:clé-ünïcode-🙂"),
        ("MGET", *[f"key-{n}" for n in range(50)]),
        ("GET", "k" * 20_000),  # past redis-py's buffer cut-off, where it sends pieces
        ("CLIENT", "ID"),
        # a write's: a pickled value (bytes, CR LF inside), a raw int, a timeout
        ("SET", ":1:page:ab", pickle.dumps((b"<html>\r\n", b"</html>")), "EX", 300),
        ("SET", ":1:page:big", b"\x00\xff\r\n" * 20_000, "EX", 1),  # sent in pieces by theirs
        ("SET", ":1:count", 7), ("SET", ":1:negative", -12, "EX", 0), ("SET", ":1:zero", 0),
        ("SET", ":1:huge-int", 2**70), ("SET", ":1:empty", b""), ("DEL", ":1:page:ab"),
    ]  # fmt: skip
    # and: what redis-py packs itself (a name with spaces is split; floats, views kept)
    theirs_only = [
        ("CLIENT ID",),
        ("BLPOP", "list", 0.3),
        ("SET", "k", memoryview(b"view")),
        ("SET", "k", bytearray(b"array")),
        ("SET", "k", b"v", "EX", 1.5),
    ]

    # then: the same bytes on the wire
    for command in commands + theirs_only:
        ours = b"".join(packed_command(connection, command))
        assert ours == b"".join(connection.pack_command(*command)), command
    # and: a read's own commands are packed here, in one piece, not by redis-py's packer
    for command in commands:
        assert len(packed_command(connection, command)) == 1, command
    assert cache.get_many(["a", "b"]) == {}  # and Redis reads them
    # and: what redis-py refuses (a bool) is refused as it refuses it
    with pytest.raises(DataError):
        packed_command(connection, ("SET", "k", True))


def test_reads_keep_one_connection_per_thread(redis):
    # given
    cache = cache_on(redis)
    here = reader_id(cache)
    cache.get("a")

    # when: another thread reads
    there = []
    thread = threading.Thread(target=lambda: there.append(reader_id(cache)))
    thread.start()
    thread.join()

    # then: this thread's connection stayed the same; the other thread had its own
    assert reader_id(cache) == here
    assert there and there[0] != here


def test_an_answer_still_under_way_is_never_taken_for_the_next_reads(redis):
    # given: a read that outlives the socket timeout (a blocking pop, answered "nothing" later)
    cache = cache_on(redis, socket_timeout=0.1)
    cache.set("kept", "value", 30)
    with pytest.raises(RedisTimeoutError):
        cache._cache._command("BLPOP", "empty-list", "0.3")

    # when: the next reads come after that late answer has arrived
    time.sleep(0.4)

    # then: each gets its own answer (a connection kept open would give GET the pop's nil)
    assert cache.get("kept") == "value"
    assert cache.get_many(["kept"]) == {"kept": "value"}


def test_a_connection_the_server_dropped_is_replaced_without_degrading(redis):
    # given: this thread's read connection, closed by the server (a restart, an idle timeout)
    cache = cache_on(redis)
    cache.set("kept", "value", 30)
    first = reader_id(cache)
    redis.command("CLIENT", "KILL", "ID", str(first))

    # when
    value = cache.get("kept")

    # then: read on a new connection, and the cache did not go into its outage back-off
    assert value == "value"
    assert reader_id(cache) != first
    assert cache._down_until == 0.0


def test_a_forked_process_reads_on_a_connection_of_its_own(redis):
    # given: the parent's read connection in use
    cache = cache_on(redis)
    cache.set("kept", "value", 30)
    parent = reader_id(cache)

    # when: a child forked now reads, and exits
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            answer = f"{reader_id(cache)} {cache.get('kept')}"
            os.write(write_end, answer.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    child_id, child_value = os.read(read_end, 100).decode().split()
    os.close(read_end)

    # then: the child had its own connection, and the parent's still answers, its own answers
    assert int(child_id) != parent
    assert child_value == "value"
    assert reader_id(cache) == parent
    assert cache.get("kept") == "value"
