"""Prepared statements for the few queries that run on nearly every request.

PostgreSQL plans every statement it is sent; for a small query on a few index rows, planning
costs more than running it (the dashboard's stamp: about 120 µs of the server's CPU planning, 60
running). A statement prepared once per connection is planned once and then only run. The
connections persist (CONN_MAX_AGE), so the saving is nearly every request's.

Off with DATABASE_PREPARED_STATEMENTS=false: a pooler in transaction mode (PgBouncer) hands each
transaction whichever server connection is free, where the statement was never prepared. Other
databases run the query as it is.
"""

from __future__ import annotations

import re
from asyncio import _get_running_loop
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_PARAMETER = re.compile(r"%\((\w+)\)s")


class _Held:
    """What a Django connection (one per thread) holds for the prepared statements: the server
    connection (psycopg2's) they were prepared on, the names prepared there and one cursor of
    its own on it. A connection Django replaces (after a database restart, say) is another
    server connection, so its statements are prepared again and a new cursor is made."""

    __slots__ = ("server", "prepared", "cursor")

    def __init__(self, server) -> None:
        self.server = server
        self.prepared: set[str] = set()
        self.cursor = None


# The attribute of Django's connection object (per thread, per alias) that keeps its _Held.
_HELD = "_careerpath_prepared_statements"


def _held(db) -> _Held:
    held = getattr(db, _HELD, None)
    if held is None or held.server is not db.connection:
        held = _Held(db.connection)
        setattr(db, _HELD, held)
    return held


@dataclass(frozen=True)
class PreparedQuery:
    """A query written with named parameters, %(name)s, as Django's cursor takes them."""

    name: str
    sql: str
    parameters: tuple[str, ...] = field(init=False)
    numbered_sql: str = field(init=False)
    execute_sql: str = field(init=False)

    def __post_init__(self) -> None:
        names: list[str] = []

        def number(match: re.Match) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        object.__setattr__(self, "numbered_sql", _PARAMETER.sub(number, self.sql))
        object.__setattr__(self, "parameters", tuple(names))
        placeholders = ", ".join(["%s"] * len(names))
        object.__setattr__(self, "execute_sql", f"EXECUTE {self.name}({placeholders})")

    def fetchone(self, values: Mapping[str, Any]) -> tuple | None:
        return self._run(values, "fetchone")

    def fetchall(self, values: Mapping[str, Any]) -> list[tuple]:
        return self._run(values, "fetchall")

    def execute(self, values: Mapping[str, Any]) -> None:
        """Run a statement that answers with no rows (a write)."""
        self._run(values, None)

    def _run(self, values: Mapping[str, Any], fetch: str | None):
        # The connection looked up once (each `connection.x` is a lookup in an asgiref Local).
        db = connections[DEFAULT_DB_ALIAS]
        if db.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
            with db.cursor() as cursor:
                cursor.execute(self.sql, values)
                return getattr(cursor, fetch)() if fetch else None
        arguments = [values[n] for n in self.parameters]
        if db.queries_logged or db.execute_wrappers or _get_running_loop() is not None:
            # Django's own cursor where something watches the queries (a test's count, DEBUG's
            # log, an execute wrapper) or where Django refuses a synchronous query (an event
            # loop): it counts, logs, wraps or refuses them as it does any other.
            with db.cursor() as cursor:
                self._prepare(db, _held(db))
                cursor.execute(self.execute_sql, arguments)
                return getattr(cursor, fetch)() if fetch else None
        return self._run_held(db, arguments, fetch)

    def _run_held(self, db, arguments: list, fetch: str | None):
        """EXECUTE on the connection's held cursor: what Django's cursor() and its wrapper do
        before a query that matters here, without the Python calls of making and wrapping a
        cursor for each (some 25 a query): the health check before a request's first query,
        the connection opened if it is not, a query refused in a broken atomic block, the
        driver's errors raised as Django's (and marking the connection for its check at the
        end of the request)."""
        if not db.health_check_done:
            db.close_if_health_check_failed()
        if db.connection is None:
            db.ensure_connection()
        if db.needs_rollback:
            db.validate_no_broken_transaction()
        held = _held(db)
        with db.wrap_database_errors:
            cursor = held.cursor
            if cursor is None:
                cursor = held.cursor = db.create_cursor()
            self._prepare(db, held)
            cursor.execute(self.execute_sql, arguments)
            return getattr(cursor, fetch)() if fetch else None

    def _prepare(self, db, held: _Held) -> None:
        """Prepare the statement on this server connection unless it is."""
        if self.name not in held.prepared:
            # On the connection itself, not through Django's cursor: this is once per
            # connection, not a query of the request that happens to come first, so it is kept
            # out of the query counts the tests pin. PostgreSQL infers the parameters' types,
            # and a PREPARE is not undone by a rollback, so an atomic block around it is safe.
            with held.server.cursor() as cursor:
                cursor.execute(f"PREPARE {self.name} AS {self.numbered_sql}")
            held.prepared.add(self.name)
