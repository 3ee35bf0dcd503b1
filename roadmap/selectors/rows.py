"""Model objects read by a prepared statement (core.db.PreparedQuery), for the few reads a
learner's page makes on every view.

Through the ORM, building a small query's SQL and its objects cost the milestone page and the
dashboard more CPU than PostgreSQL takes to run the query (docs/performance.md, issue 17). A
statement written once, prepared once per connection, skips the building. The objects are the
ORM's own: every concrete field in the model's order, each value through the converters the ORM
applies (SQLite's dates and times from text, JSON from text), made with Model.from_db, so they
save, compare and print as a queryset's would. tests/roadmap/test_prepared_reads.py compares
them with the ORM's, field by field, on whichever database the tests run.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

__all__ = ["model_columns", "model_objects"]

M = TypeVar("M", bound=Model)

# Per connection (Django's wrapper, one per thread), per model: the converters of each column
# that has any, as the SQL compiler would find them for a queryset's columns.
_converters: weakref.WeakKeyDictionary[Any, dict[type[Model], list]] = weakref.WeakKeyDictionary()


def model_columns(model: type[Model], alias: str) -> str:
    """The SELECT list of every concrete field of `model`, in its order, from table `alias`:
    what model_objects() expects."""
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def _column_converters(model: type[Model], connection) -> list:
    by_model = _converters.setdefault(connection, {})
    found = by_model.get(model)
    if found is None:
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                found.append((index, converters, column))
        by_model[model] = found
    return found


def model_objects(model: type[M], rows: Sequence[Sequence[Any]], start: int = 0) -> list[M]:
    """`model` objects from `rows` whose columns from `start` on are model_columns(model)'s; a
    row whose primary key is NULL (the empty side of a LEFT JOIN) gives none."""
    fields = model._meta.concrete_fields
    attnames = [f.attname for f in fields]
    end = start + len(fields)
    pk = start + fields.index(model._meta.pk)
    connection = connections[DEFAULT_DB_ALIAS]  # this thread's, as PreparedQuery's cursor
    converters = _column_converters(model, connection)
    alias = connection.alias
    objects = []
    for row in rows:
        if row[pk] is None:
            continue
        values = list(row[start:end])
        for index, column_converters, column in converters:
            value = values[index]
            for convert in column_converters:
                value = convert(value, column, connection)
            values[index] = value
        objects.append(model.from_db(alias, attnames, values))
    return objects
