"""Django's PostgreSQL backend, but the health check before each request's first query looks at
the connection's socket instead of sending SELECT 1.

CONN_HEALTH_CHECKS (settings/base.py) lets a process survive a database restart: before a
request's first query Django sends SELECT 1 on the persistent connection and reconnects if it
fails. That is one more round trip on every request: about 95 µs of wall time and 17 µs of the
web process's CPU here (and the server's work), on pages that make one to five queries.

A connection the server (or a proxy in front of it) has closed, or on which the server has said
anything since its last answer (a shutdown's "terminating connection"), has a readable socket;
an idle, healthy one has not. So the socket is polled (a system call, no round trip), and only a
readable one gets Django's SELECT 1, which then reconnects if it must: a restart still costs no
request an error. A connection that went bad without a word (a network partition) would have
hung on SELECT 1 too; a query that fails marks the connection, which Django then closes at the
end of the request. Off with DATABASE_QUIET_HEALTH_CHECK=false (Django's own check).

Its cursors also make the time zone of a timestamptz value with psycopg2's own factory,
datetime.timezone (C), not Django's tzinfo_factory, a Python method psycopg2 calls for every
such value read (some 100 a turn of the learner's loop): the connection's session is in UTC
(Django sets it so), where both give datetime.timezone.utc itself.
tests/core/test_postgresql_backend.py holds them to Django's.
"""

from __future__ import annotations

import datetime as dt
import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and socket_is_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        # Django's factory answers self.timezone whatever the offset; with the session in UTC
        # (USE_TZ, TIME_ZONE unset in DATABASES) every offset is 0 and datetime.timezone(0) is
        # that one object. With another zone, or none, Django's own stays.
        if self.timezone is dt.UTC and not is_psycopg3:
            cursor.tzinfo_factory = dt.timezone
        return cursor


def socket_is_quiet(connection) -> bool:
    """True when psycopg2's `connection` is open and the server has sent nothing it has not
    read: nothing to read, no end of file."""
    if connection.closed:
        return False
    try:
        poller = select.poll()  # not select(): no limit on the descriptor's number
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except (OSError, ValueError):  # ValueError: psycopg2 has no descriptor any more
        return False
