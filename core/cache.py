"""A Redis cache that degrades instead of failing: while Redis is unreachable it behaves like
Django's DummyCache (nothing stored, nothing found), logs once per outage, and recovers by itself.

Django's own RedisCache raises on a refused connection, so a stopped Redis would turn every page
that touches the cache (rate-limited sign-in, cached sessions) into a 500. Here the cache is a
cache: losing it costs speed and, for the outage, allauth's rate limits (they read an empty
history, so they let requests through); sessions live in the database and survive.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# After a failure, skip Redis for this long: a host that drops packets would otherwise cost
# every cache call its connect timeout.
RETRY_AFTER_SECONDS = 2.0
# Connection and command timeouts, unless OPTIONS say otherwise. redis-py waits forever by
# default, which would hang a web worker on a partitioned network instead of degrading.
DEFAULT_SOCKET_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def packed_command(connection: Any, command: tuple) -> list[bytes]:
    """`command` in Redis's wire form (RESP): the pieces `connection.send_packed_command` sends,
    as redis-py's `connection.pack_command(*command)` makes them. The commands sent on a held
    connection (GET, MGET, SET) are a name and keys (str), a value (bytes, or an int: Django's
    serializer keeps ints raw) and a timeout (int): packed here in one buffer, where redis-py's
    packer (type checks on each argument, a join per argument, a value over 6,000 bytes sent as
    pieces of its own) makes some 35 Python calls a command. Anything else (a float, a bool, a
    name with spaces) is redis-py's. tests/core/test_cache_reads.py compares them."""
    name = command[0]
    if type(name) is not str or " " in name:
        return connection.pack_command(*command)
    encoder = connection.encoder
    encoding, errors = encoder.encoding, encoder.encoding_errors
    pieces = [b"*%d\r\n" % len(command)]
    for arg in command:
        kind = type(arg)
        if kind is str:
            arg = arg.encode(encoding, errors)
        elif kind is int:
            arg = b"%d" % arg  # redis-py's repr(arg).encode()
        elif kind is not bytes:
            return connection.pack_command(*command)
        pieces += (b"$%d\r\n" % len(arg), arg, b"\r\n")
    return [b"".join(pieces)]


class _ReusedClients(RedisCacheClient):
    """Django builds a new redis.Redis per call, and redis-py's constructor registers some 170
    response callbacks each time: a third of a millisecond, twice per page. The clients are
    thread-safe and share the pool anyway, so one per pool is kept.

    Reads (GET, MGET: the session, the user, a cached page on every signed-in request) and
    writes (SET: a dashboard rendered afresh, a session or a user's copy stored) go on a
    connection of each process's and thread's own instead of through a client: redis-py's
    command path takes a connection from the pool and gives it back, records metrics, dispatches
    events and wraps the call in its retry, about 26 µs of CPU a GET against 14 µs for the same
    command on a connection held; a SET about 58 µs against 30, and 98 against 34 for a
    dashboard's 48 KB (redis-py sends a large value in three writes; see `_command`). Every other
    command (ADD, DELETE, INCR, TOUCH, the counters' MULTI) goes through the client."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._held = threading.local()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(index)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client

    def _held_connection(self, write: bool = False) -> Any:
        """This process's and thread's own connection, made from the pool's settings (the same
        address, database, credentials, TLS and timeouts) but never lent to anyone else; to the
        server Django's client would use (a write to the first of several, a read to any other).
        A forked process makes its own: the parent's socket is left to the parent."""
        index = self._get_connection_pool_index(write)
        local = self._held
        if getattr(local, "pid", None) != os.getpid():
            local.pid, local.connections = os.getpid(), {}
        connection = local.connections.get(index)
        if connection is None:
            pool = self._pools.get(index)
            if pool is None:
                pool = self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            connection = pool.connection_class(**pool.connection_kwargs)
            local.connections[index] = connection
        return connection

    def _command(self, *command: Any, write: bool = False) -> Any:
        """One command safe to send twice (GET, MGET, SET, DEL) and its answer. On any failure
        the connection is closed, so an answer still under way can never be taken for the next
        command's; a connection the server closed while idle is tried once more on a fresh one,
        as redis-py's own retry would."""
        connection = self._held_connection(write)
        for attempt in (1, 2):
            try:
                connection.send_packed_command(packed_command(connection, command))
                return connection.read_response()
            except RedisConnectionError:
                connection.disconnect()
                if attempt == 2:
                    raise
            except BaseException:
                connection.disconnect()
                raise
        raise AssertionError("unreachable")

    def get(self, key, default):
        value = self._command("GET", key)
        return default if value is None else self._serializer.loads(value)

    def get_many(self, keys):
        if not keys:
            return {}
        values = self._command("MGET", *keys)
        loads = self._serializer.loads
        return {
            key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None
        }

    def set(self, key, value, timeout):
        """Django's RedisCacheClient.set: the value pickled (an int kept raw), stored for
        `timeout` seconds, for good when None, and removed when 0."""
        value = self._serializer.dumps(value)
        if timeout == 0:
            self._command("DEL", key, write=True)
        elif timeout is None:
            self._command("SET", key, value, write=True)
        else:
            self._command("SET", key, value, "EX", timeout, write=True)


class DegradingRedisCache(RedisCache):
    # /health/ reads this: a process with this cache keeps serving pages without Redis.
    degrades = True

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_SOCKET_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        # An upper bound on every entry's lifetime (the sessions' cache sets one, see
        # settings/production.py); None leaves timeouts as the callers give them.
        self.max_timeout: int | None = params.get("MAX_TIMEOUT")
        self._class = _ReusedClients
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _call(self, operation: Callable[[], T], fallback: T) -> T:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            result = operation()
        except RedisError as exc:
            with self._lock:
                if self._down_until == 0.0:
                    logger.warning("cache unreachable, degrading to no cache: %r", exc)
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return fallback
        if self._down_until:
            with self._lock:
                if self._down_until:
                    logger.warning("cache reachable again")
                self._down_until = 0.0
        return result

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        seconds = super().get_backend_timeout(timeout)  # None means "forever"
        if self.max_timeout is not None and (seconds is None or seconds > self.max_timeout):
            return self.max_timeout
        return seconds

    def validate_key(self, key: str) -> None:
        """Nothing to check: Redis takes any key. Django's check warns about keys memcached
        would refuse (over 250 characters, spaces, control characters) with a Python loop over
        every character, about 8 µs a key, two or three times on every signed-in page."""

    def shares_store_with(self, other: Any) -> bool:
        """Whether `other` is a cache of this kind on the same Redis servers and databases, so
        one command can read keys of both (see get_with)."""
        return isinstance(other, DegradingRedisCache) and other._servers == self._servers

    def get_with(self, key: str, other: DegradingRedisCache, other_key: str) -> tuple[Any, Any]:
        """`key` in this cache and `other_key` in `other` (which shares_store_with this one),
        read in one MGET: what each holds, or None; (None, None) while Redis is down."""
        keys = [self.make_and_validate_key(key), other.make_and_validate_key(other_key)]

        def read() -> tuple[Any, Any]:
            found = self._cache.get_many(keys)
            return found.get(keys[0]), found.get(keys[1])

        return self._call(read, (None, None))

    def ping(self) -> None:
        """Raise if Redis does not answer now (ignores the back-off): for /health/."""
        self._cache.get_client(write=False).ping()

    # DummyCache's answers while Redis is down: an add "succeeds" (and is gone at once), so
    # allauth's rate-limit lock is taken instead of spinning for a second and refusing.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        base = super()
        return self._call(lambda: base.add(key, value, timeout, version), True)

    def get(self, key, default=None, version=None):
        base = super()
        return self._call(lambda: base.get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        base = super()
        return self._call(lambda: base.set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        base = super()
        return self._call(lambda: base.touch(key, timeout, version), False)

    def delete(self, key, version=None):
        base = super()
        return self._call(lambda: base.delete(key, version), False)

    def get_many(self, keys, version=None):
        base = super()
        return self._call(lambda: base.get_many(keys, version), {})

    def has_key(self, key, version=None):
        base = super()
        return self._call(lambda: base.has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        base = super()
        result = self._call(lambda: base.incr(key, delta, version), missing)
        if result is missing:
            raise ValueError(f"Key '{key}' not found")  # what a cache without the key says
        return result

    def incr_with_expiry(self, key, timeout: int, version=None) -> tuple[int, int] | None:
        """Adds 1 to the counter at `key`, created at 0 to live `timeout` seconds if missing,
        and returns the new count with the seconds it has left to live; None while Redis is
        down.

        One MULTI of SET NX EX, INCR and TTL: concurrent callers each get a count of their own
        (a get-then-set lets parallel requests read the same count), and a counter never
        outlives its timeout (Django's incr() checks EXISTS first, and an INCR after the key
        expired in between would make a counter that never expires)."""
        key = self.make_and_validate_key(key, version=version)

        def count() -> tuple[int, int]:
            pipeline = self._cache.get_client(key, write=True).pipeline(transaction=True)
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incr(key)
            pipeline.ttl(key)
            _created, value, seconds_left = pipeline.execute()
            return value, seconds_left

        return self._call(count, None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        base = super()
        return self._call(lambda: base.set_many(data, timeout, version), [])

    def delete_many(self, keys, version=None):
        base = super()
        return self._call(lambda: base.delete_many(keys, version), None)

    def clear(self):
        base = super()
        return self._call(lambda: base.clear(), None)


def counter_incr(cache, key: str, *, timeout: int) -> tuple[int, float] | None:
    """Adds 1 to the counter at `key` in `cache`, which starts at the first call and lives
    `timeout` seconds; returns the new count and the seconds the counter has left, or None
    when the cache cannot count now (Redis down).

    Atomic on Redis (DegradingRedisCache.incr_with_expiry). Other caches (the embedded default's
    file cache) count with a get and a set: parallel requests there may be undercounted, which
    is fine for one developer's machine and is why production uses Redis."""
    incr_with_expiry = getattr(cache, "incr_with_expiry", None)
    if incr_with_expiry is not None:
        return incr_with_expiry(key, timeout)
    now = time.time()
    count, ends_at = cache.get(key) or (0, now + timeout)
    if ends_at <= now:
        count, ends_at = 0, now + timeout
    cache.set(key, (count + 1, ends_at), ends_at - now)
    return count + 1, ends_at - now
