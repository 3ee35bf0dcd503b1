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
from json import JSONDecoder
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import JSONField, Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

from core.db import PreparedQuery
from roadmap.models import (
    CareerPath,
    ContentVersion,
    Enrollment,
    EvidenceLink,
    Milestone,
    MilestoneProgress,
    ProgressEvent,
    Step,
)

__all__ = [
    "milestone_page_rows",
    "model_columns",
    "model_objects",
    "plain_model_objects",
    "step_page_rows",
]

M = TypeVar("M", bound=Model)

# Per connection (Django's wrapper, one per thread), per model: the converters of each column
# that has any, as the SQL compiler would find them for a queryset's columns.
_converters: weakref.WeakKeyDictionary[Any, dict[type[Model], list]] = weakref.WeakKeyDictionary()


def model_columns(model: type[Model], alias: str, *, json_as_text: bool = False) -> str:
    """The SELECT list of every concrete field of `model`, in its order, from table `alias`:
    what model_objects() expects. With `json_as_text`, a JSON column comes as its text: what
    psycopg2 hands Django for it anyway (Django's jsonb loader is the identity, and JSONField
    parses the text), but decoded by the driver in C, where a jsonb column goes through a Python
    typecaster on every row of the statement, NULL or not. On SQLite the column is text already.
    """
    return ", ".join(
        f'CAST({alias}."{f.column}" AS text)'
        if json_as_text and isinstance(f, JSONField)
        else f'{alias}."{f.column}"'
        for f in model._meta.concrete_fields
    )


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
            if _is_plain_json(field) and converters == [field.from_db_value]:
                found.append((index, None, column))  # _converted parses it
            elif converters:
                found.append((index, converters, column))
        by_model[model] = found
    return found


def _is_plain_json(field) -> bool:
    """A JSONField of the default decoder whose one converter is its own from_db_value."""
    return isinstance(field, JSONField) and field.decoder is None


# The standard library's JSON scanner for the default decoder (C where the _json module is):
# what json.loads(text) runs after its checks, without its three Python frames.
_scan_json = JSONDecoder().scan_once


def _converted(values: Sequence[Any], converters, connection) -> list[Any]:
    """One row's column values as the ORM's from_db() receives them: each through its
    field's and the backend's converters (model_objects and plain_model_objects).

    A JSONField of the default decoder (None in place of its converters) has its text parsed
    here by the scanner json.loads uses: a text that is one JSON value from its first character
    to its last is json.loads' value; any other (whitespace around it, something after it, not
    JSON, not text) goes to the field's from_db_value, which answers as it always does. Some ten
    Python calls fewer a row, a turn of the learner's loop reading about 34 such rows.
    tests/roadmap/test_prepared_reads.py holds it to from_db_value for many texts."""
    values = list(values)
    for index, column_converters, column in converters:
        value = values[index]
        if column_converters is None:
            if value is None:
                continue
            if type(value) is str:
                try:
                    parsed, end = _scan_json(value, 0)
                except Exception:  # noqa: BLE001 - from_db_value below answers as Django does
                    end = -1
                if end == len(value):
                    values[index] = parsed
                    continue
            values[index] = column.target.from_db_value(value, column, connection)
            continue
        for convert in column_converters:
            value = convert(value, column, connection)
        values[index] = value
    return values


# Per model: its concrete fields, their attribute names and where its primary key is among them,
# fixed once the apps are loaded (worked out once, not at each read).
_layouts: dict[type[Model], tuple[Sequence[Any], list[str], int]] = {}


def _columns_of(model: type[Model], start: int):
    """What model_objects and plain_model_objects read a row's `model` columns by: the fields,
    their attribute names, where the columns end and where the primary key is, this thread's
    connection (as PreparedQuery's cursor) and the columns' converters."""
    layout = _layouts.get(model)
    if layout is None:
        fields = model._meta.concrete_fields
        layout = (fields, [f.attname for f in fields], fields.index(model._meta.pk))
        _layouts[model] = layout
    fields, attnames, pk = layout
    connection = connections[DEFAULT_DB_ALIAS]
    converters = _column_converters(model, connection)
    return fields, attnames, start + len(fields), start + pk, connection, converters


def model_objects(model: type[M], rows: Sequence[Sequence[Any]], start: int = 0) -> list[M]:
    """`model` objects from `rows` whose columns from `start` on are model_columns(model)'s; a
    row whose primary key is NULL (the empty side of a LEFT JOIN) gives none."""
    fields, attnames, end, pk, connection, converters = _columns_of(model, start)
    alias = connection.alias
    objects = []
    for row in rows:
        if row[pk] is None:
            continue
        values = row[start:end]
        if converters:  # a model with none (the events, on PostgreSQL) makes no call a row
            values = _converted(values, converters, connection)
        objects.append(model.from_db(alias, attnames, values))
    return objects


# The attributes through which Model.__init__ sets a field that set nothing but the value on a
# new object: a plain field's (no __set__ at all) and a foreign key's id (its __set__ only
# forgets a related object a new one has not loaded).
_PLAIN_ATTRIBUTES = frozenset({DeferredAttribute, ForeignKeyDeferredAttribute})


def plain_model_objects(model: type[M], rows: Sequence[Sequence[Any]], start: int = 0) -> list[M]:
    """model_objects(model, rows, start), the objects made without Model.__init__: their state
    and fields put in their __dict__ as Model.from_db leaves them. For the dashboard's reads,
    which make some fifty objects after every change of the learner's: half of what they cost
    under the profiler. Only for a model whose fields are all set plainly (no descriptor of
    their own) and that has no pre_init or post_init receiver; any other is made by
    model_objects(). tests/roadmap/test_prepared_reads.py compares them with model_objects()'
    and the ORM's. The fields' attributes are looked at on every call (a test or a library may
    put another in place), through map() rather than a generator, and the model's layout is
    worked out once (_columns_of): no Python frame per field (some 40 Python calls fewer a
    milestone page, which reads three models)."""
    fields, attnames, end, pk, connection, converters = _columns_of(model, start)
    attribute_types = set(map(type, map(model.__dict__.get, attnames)))
    if (
        not attribute_types <= _PLAIN_ATTRIBUTES
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    ):
        return model_objects(model, rows, start)
    alias = connection.alias
    new = model.__new__
    # Setting a foreign key's id looks up its related object's cache, which makes it.
    has_foreign_key = ForeignKeyDeferredAttribute in attribute_types
    objects = []
    for row in rows:
        if row[pk] is None:
            continue
        values = row[start:end]
        if converters:  # a model with none (the events, on PostgreSQL) makes no call a row
            values = _converted(values, converters, connection)
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


# --- The step and milestone pages' first read ----------------------------------------------------
#
# Each page read the content version with the learner's enrolment (content_snapshot's one small
# query), then, knowing the step or milestone from the snapshot, the learner's rows on it: two
# round trips, each through the cursor's wrappers and a statement of the server's, where the
# second needs only the address's slugs. Here they are one statement: the version and the
# enrolment on every row (the server runs each sub-select once), the learner's rows found by the
# slugs, a row of NULLs when there are none. A visitor is sent as NULL, which matches no
# enrolment and no row. tests/roadmap/test_page_reads.py holds them to the two reads they replace.

_TOKEN_AND_ENROLMENT = (
    f"(SELECT v.token FROM {ContentVersion._meta.db_table} v WHERE v.id = 1), EXISTS("
    f"SELECT 1 FROM {Enrollment._meta.db_table} en"
    f" JOIN {CareerPath._meta.db_table} c ON c.id = en.path_id"
    " WHERE en.learner_id = %(learner)s AND c.slug = %(path_slug)s)"
)
_STEP_IDS_BY_SLUGS = (
    f"SELECT s.id FROM {Step._meta.db_table} s JOIN {CareerPath._meta.db_table} c"
    " ON c.id = s.path_id WHERE c.slug = %(path_slug)s AND s.slug = %(step_slug)s"
)
_STEP_PAGE_ROWS = PreparedQuery(
    name="roadmap_step_page_rows",
    sql=(
        f"SELECT {_TOKEN_AND_ENROLMENT}, {model_columns(MilestoneProgress, 'p', json_as_text=True)}"
        f" FROM (SELECT 1) one LEFT JOIN {MilestoneProgress._meta.db_table} p"
        " ON p.learner_id = %(learner)s AND p.milestone_id IN ("
        f"SELECT m.id FROM {Milestone._meta.db_table} m WHERE m.step_id IN ({_STEP_IDS_BY_SLUGS}))"
    ),
)
# The row's evidence links oldest first (EvidenceLink's ordering), as milestone_state_and_evidence,
# then the learner's latest events on the milestone, newest first (ProgressEvent's ordering), as
# milestone_events: the two parts of a UNION, each row NULL in the other part's columns, put in
# order by the part, then the links' order, then the events'.
_PROGRESS_COLUMNS = len(MilestoneProgress._meta.concrete_fields)
_EVIDENCE_COLUMNS = len(EvidenceLink._meta.concrete_fields)
_EVENT_COLUMNS = len(ProgressEvent._meta.concrete_fields)
_MILESTONE_IDS_BY_SLUGS = (
    f"SELECT m.id FROM {Milestone._meta.db_table} m WHERE m.slug = %(milestone_slug)s"
    f" AND m.step_id IN ({_STEP_IDS_BY_SLUGS})"
)


def _nulls(count: int) -> str:
    return ", ".join(["NULL"] * count)


def _position(model: type[Model], start: int, name: str) -> int:
    """The 1-based position in the SELECT list of `model`'s field `name`, its columns from
    `start` (0-based)."""
    return start + 1 + [f.name for f in model._meta.concrete_fields].index(name)


_EVIDENCE_AT = 3 + _PROGRESS_COLUMNS  # where the links' and the events' columns start (0-based)
_EVENTS_AT = _EVIDENCE_AT + _EVIDENCE_COLUMNS
_MILESTONE_PAGE_ROWS = PreparedQuery(
    name="roadmap_milestone_page_rows",
    sql=(
        f"SELECT 0, {_TOKEN_AND_ENROLMENT},"
        f" {model_columns(MilestoneProgress, 'p', json_as_text=True)},"
        f" {model_columns(EvidenceLink, 'ev')}, {_nulls(_EVENT_COLUMNS)}"
        f" FROM (SELECT 1) one LEFT JOIN {MilestoneProgress._meta.db_table} p"
        f" ON p.learner_id = %(learner)s AND p.milestone_id IN ({_MILESTONE_IDS_BY_SLUGS})"
        f" LEFT JOIN {EvidenceLink._meta.db_table} ev ON ev.progress_id = p.id"
        " UNION ALL"
        f" SELECT 1, NULL, NULL, {_nulls(_PROGRESS_COLUMNS + _EVIDENCE_COLUMNS)}, h.*"
        f" FROM (SELECT {model_columns(ProgressEvent, 'e')}"
        f" FROM {ProgressEvent._meta.db_table} e WHERE e.learner_id = %(learner)s"
        f" AND e.milestone_id IN ({_MILESTONE_IDS_BY_SLUGS})"
        " ORDER BY e.occurred_at DESC, e.id DESC LIMIT %(events)s) h"
        f" ORDER BY 1, {_position(EvidenceLink, _EVIDENCE_AT, 'created_at')},"
        f" {_position(EvidenceLink, _EVIDENCE_AT, 'id')},"
        f" {_position(ProgressEvent, _EVENTS_AT, 'occurred_at')} DESC,"
        f" {_position(ProgressEvent, _EVENTS_AT, 'id')} DESC"
    ),
)
_PROGRESS_START = 2  # the step page's: the version, the enrolment, then the row's columns


def _learner_id(learner) -> int | None:
    return learner.pk if learner is not None and learner.is_authenticated else None


def step_page_rows(
    *, learner, path_slug: str, step_slug: str
) -> tuple[int | None, bool, dict[int, MilestoneProgress]]:
    """The content version (None: no token row), whether the learner is enrolled in the path,
    and their progress rows on the step's milestones (retired ones too) by milestone id. One
    query; the rows made by plain_model_objects (without Model.__init__: a step page's eight
    rows cost about 140 Python calls through it)."""
    learner_id = _learner_id(learner)
    rows = _STEP_PAGE_ROWS.fetchall(
        {"learner": learner_id, "path_slug": path_slug, "step_slug": step_slug}
    )
    progress = plain_model_objects(MilestoneProgress, rows, start=_PROGRESS_START)
    return (
        rows[0][0],
        learner_id is not None and bool(rows[0][1]),
        # Whole rows: the id is in their __dict__ (the descriptor would cost a call a row).
        {p.__dict__["milestone_id"]: p for p in progress},
    )


def milestone_page_rows(
    *, learner, path_slug: str, step_slug: str, milestone_slug: str, events: int
) -> tuple[int | None, bool, MilestoneProgress | None, list[EvidenceLink], list[ProgressEvent]]:
    """The content version (None: no token row), whether the learner is enrolled in the path,
    their progress row on the milestone, its evidence links (oldest first) and their latest
    `events` events on the milestone (newest first). One query; the objects made by
    plain_model_objects, as the step page's."""
    learner_id = _learner_id(learner)
    rows = _MILESTONE_PAGE_ROWS.fetchall(
        {
            "learner": learner_id,
            "path_slug": path_slug,
            "step_slug": step_slug,
            "milestone_slug": milestone_slug,
            "events": events,
        }
    )
    progress = next(iter(plain_model_objects(MilestoneProgress, rows[:1], start=3)), None)
    return (
        rows[0][1],
        learner_id is not None and bool(rows[0][2]),
        progress,
        plain_model_objects(EvidenceLink, rows, start=_EVIDENCE_AT),
        plain_model_objects(ProgressEvent, rows, start=_EVENTS_AT),
    )
