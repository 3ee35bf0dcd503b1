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
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

# The server connections (psycopg2's) on which each statement has been prepared. Kept beside the
# connection rather than on it: a connection Django replaces (after a database restart, say) is
# a new object here, so its statements are prepared again.
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()

_PARAMETER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class PreparedQuery:
    """A query written with named parameters, %(name)s, as Django's cursor takes them."""

    name: str
    sql: str
    parameters: tuple[str, ...] = field(init=False)
    numbered_sql: str = field(init=False)

    def __post_init__(self) -> None:
        names: list[str] = []

        def number(match: re.Match) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        object.__setattr__(self, "numbered_sql", _PARAMETER.sub(number, self.sql))
        object.__setattr__(self, "parameters", tuple(names))

    def fetchone(self, values: Mapping[str, Any]) -> tuple | None:
        with connection.cursor() as cursor:
            self._execute(cursor, values)
            return cursor.fetchone()

    def fetchall(self, values: Mapping[str, Any]) -> list[tuple]:
        with connection.cursor() as cursor:
            self._execute(cursor, values)
            return cursor.fetchall()

    def execute(self, values: Mapping[str, Any]) -> None:
        """Run a statement that answers with no rows (a write)."""
        with connection.cursor() as cursor:
            self._execute(cursor, values)

    def _execute(self, cursor, values: Mapping[str, Any]) -> None:
        if not self._prepare():
            cursor.execute(self.sql, values)
            return
        placeholders = ", ".join(["%s"] * len(self.parameters))
        cursor.execute(f"EXECUTE {self.name}({placeholders})", [values[n] for n in self.parameters])

    def _prepare(self) -> bool:
        """Prepare the statement on this connection unless it is: False where not used."""
        if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
            return False
        connection.ensure_connection()
        server = connection.connection
        done = _prepared.setdefault(server, set())
        if self.name not in done:
            # On the connection itself, not through Django's cursor: this is once per
            # connection, not a query of the request that happens to come first, so it is kept
            # out of the query counts the tests pin. PostgreSQL infers the parameters' types,
            # and a PREPARE is not undone by a rollback, so an atomic block around it is safe.
            with server.cursor() as cursor:
                cursor.execute(f"PREPARE {self.name} AS {self.numbered_sql}")
            done.add(self.name)
        return True
