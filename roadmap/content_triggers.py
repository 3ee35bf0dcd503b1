"""The database triggers that change roadmap_contentversion's token on any write to content.

Used by migrations (0009 creates them for the content tables). Kept out of the migration file so
that a later migration can call them again: on SQLite, a migration that alters a content table
copies it into a new table and drops the old one, triggers and all, so it must create them anew
(tests/roadmap/test_content_snapshot.py fails while any content table lacks them). Both
functions are idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["content_triggers_create", "content_triggers_drop"]

FUNCTION = "roadmap_content_changed"
# A random bigint below 2**63 (9e18 < 9.22e18), so a rolled-back write never brings an old
# value back.
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE roadmap_contentversion SET token = (random() * 9e18)::bigint;
    RETURN NULL;
END
$$
"""
_SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _pg_names(table: str) -> tuple[str, str]:
    return f"{table}_content_changed", f"{table}_content_truncated"


def _sqlite_name(table: str, event: str) -> str:
    return f"{table}_content_{event.lower()}"


def content_triggers_create(schema_editor, tables: Iterable[str]) -> None:
    """Statement-level triggers on PostgreSQL (one UPDATE of the token however many rows a
    statement writes), row triggers on SQLite (its only kind)."""
    vendor = schema_editor.connection.vendor
    quote = schema_editor.quote_name
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION)
        for table in tables:
            changed, truncated = _pg_names(table)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {changed} ON {quote(table)}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {truncated} ON {quote(table)}")
            schema_editor.execute(
                f"CREATE TRIGGER {changed} AFTER INSERT OR UPDATE OR DELETE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {truncated} AFTER TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for event in _SQLITE_EVENTS:
                name = _sqlite_name(table, event)
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {quote(table)} "
                    "BEGIN UPDATE roadmap_contentversion SET token = random(); END"
                )
    else:
        # The project runs on these two only. Elsewhere the token would never change and pages
        # would keep showing old content, so fail the migration rather than leave that.
        raise NotImplementedError(f"No content triggers for {vendor}")


def content_triggers_drop(schema_editor, tables: Iterable[str]) -> None:
    vendor = schema_editor.connection.vendor
    quote = schema_editor.quote_name
    if vendor == "postgresql":
        for table in tables:
            for name in _pg_names(table):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quote(table)}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    elif vendor == "sqlite":
        for table in tables:
            for event in _SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {_sqlite_name(table, event)}")
