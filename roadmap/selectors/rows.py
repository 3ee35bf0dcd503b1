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

from core.db import PreparedQuery
from roadmap.models import (
    CareerPath,
    ContentVersion,
    Enrollment,
    EvidenceLink,
    Milestone,
    MilestoneProgress,
    Step,
)

__all__ = ["milestone_page_rows", "model_columns", "model_objects", "step_page_rows"]

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
        f"SELECT {_TOKEN_AND_ENROLMENT}, {model_columns(MilestoneProgress, 'p')}"
        f" FROM (SELECT 1) one LEFT JOIN {MilestoneProgress._meta.db_table} p"
        " ON p.learner_id = %(learner)s AND p.milestone_id IN ("
        f"SELECT m.id FROM {Milestone._meta.db_table} m WHERE m.step_id IN ({_STEP_IDS_BY_SLUGS}))"
    ),
)
# The row's evidence links oldest first (EvidenceLink's ordering), as milestone_state_and_evidence.
_MILESTONE_PAGE_ROWS = PreparedQuery(
    name="roadmap_milestone_page_rows",
    sql=(
        f"SELECT {_TOKEN_AND_ENROLMENT}, {model_columns(MilestoneProgress, 'p')},"
        f" {model_columns(EvidenceLink, 'ev')}"
        f" FROM (SELECT 1) one LEFT JOIN {MilestoneProgress._meta.db_table} p"
        " ON p.learner_id = %(learner)s AND p.milestone_id IN ("
        f"SELECT m.id FROM {Milestone._meta.db_table} m WHERE m.slug = %(milestone_slug)s"
        f" AND m.step_id IN ({_STEP_IDS_BY_SLUGS}))"
        f" LEFT JOIN {EvidenceLink._meta.db_table} ev ON ev.progress_id = p.id"
        " ORDER BY ev.created_at, ev.id"
    ),
)
_PROGRESS_START = 2
_EVIDENCE_START = _PROGRESS_START + len(MilestoneProgress._meta.concrete_fields)


def _learner_id(learner) -> int | None:
    return learner.pk if learner is not None and learner.is_authenticated else None


def step_page_rows(
    *, learner, path_slug: str, step_slug: str
) -> tuple[int | None, bool, dict[int, MilestoneProgress]]:
    """The content version (None: no token row), whether the learner is enrolled in the path,
    and their progress rows on the step's milestones (retired ones too) by milestone id. One
    query."""
    learner_id = _learner_id(learner)
    rows = _STEP_PAGE_ROWS.fetchall(
        {"learner": learner_id, "path_slug": path_slug, "step_slug": step_slug}
    )
    progress = model_objects(MilestoneProgress, rows, start=_PROGRESS_START)
    return (
        rows[0][0],
        learner_id is not None and bool(rows[0][1]),
        {p.milestone_id: p for p in progress},
    )


def milestone_page_rows(
    *, learner, path_slug: str, step_slug: str, milestone_slug: str
) -> tuple[int | None, bool, MilestoneProgress | None, list[EvidenceLink]]:
    """The content version (None: no token row), whether the learner is enrolled in the path,
    their progress row on the milestone and its evidence links, oldest first. One query."""
    learner_id = _learner_id(learner)
    rows = _MILESTONE_PAGE_ROWS.fetchall(
        {
            "learner": learner_id,
            "path_slug": path_slug,
            "step_slug": step_slug,
            "milestone_slug": milestone_slug,
        }
    )
    progress = next(iter(model_objects(MilestoneProgress, rows[:1], start=_PROGRESS_START)), None)
    return (
        rows[0][0],
        learner_id is not None and bool(rows[0][1]),
        progress,
        model_objects(EvidenceLink, rows, start=_EVIDENCE_START),
    )
