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
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

__all__ = ["model_columns", "model_objects", "plain_model_objects"]

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


# The attributes through which Model.__init__ sets a field that set nothing but the value on a
# new object: a plain field's (no __set__ at all) and a foreign key's id (its __set__ only
# forgets a related object a new one has not loaded).
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _made_plainly(model: type[Model]) -> bool:
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return False
    return all(
        type(model.__dict__.get(f.attname)) in _PLAIN_ATTRIBUTES
        for f in model._meta.concrete_fields
    )


def plain_model_objects(model: type[M], rows: Sequence[Sequence[Any]], start: int = 0) -> list[M]:
    """model_objects(model, rows, start), the objects made without Model.__init__: their state
    and fields put in their __dict__ as Model.from_db leaves them. For the dashboard's reads,
    which make some fifty objects after every change of the learner's: half of what they cost
    under the profiler. Only for a model whose fields are all set plainly (no descriptor of
    their own) and that has no pre_init or post_init receiver; any other is made by
    model_objects(). tests/roadmap/test_prepared_reads.py compares them with model_objects()'
    and the ORM's."""
    if not _made_plainly(model):
        return model_objects(model, rows, start)
    fields = model._meta.concrete_fields
    attnames = [f.attname for f in fields]
    end = start + len(fields)
    pk = start + fields.index(model._meta.pk)
    connection = connections[DEFAULT_DB_ALIAS]  # this thread's, as PreparedQuery's cursor
    converters = _column_converters(model, connection)
    alias = connection.alias
    new = model.__new__
    # Setting a foreign key's id looks up its related object's cache, which makes it.
    has_foreign_key = any(
        type(model.__dict__.get(f.attname)) is ForeignKeyDeferredAttribute for f in fields
    )
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
        obj = new(model)
        state = ModelState()
        if has_foreign_key:
            state.fields_cache = {}
        state.adding = False
        state.db = alias
        attributes = obj.__dict__
        attributes["_state"] = state
        attributes.update(zip(attnames, values, strict=True))
        objects.append(obj)
    return objects
