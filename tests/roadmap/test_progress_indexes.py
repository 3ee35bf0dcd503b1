"""The indexes a status change writes: every index of the event's table, and of the progress
table too unless the update is a HOT one, is written by each change, so each must earn its
place. The learner's own foreign key indexes are gone (migration 0010) because a composite index
leads with the learner, and the status is in no index (0011), so that a status change rewrites
the row in its page and no index; these tests fail if one comes back, or if the composite that
stands in for them goes."""

from __future__ import annotations

import pytest
from django.db import connection

from roadmap.models import MilestoneProgress, ProgressEvent
from roadmap.services import progress as services
from tests.roadmap.factories import MilestoneProgressFactory

pytestmark = pytest.mark.django_db


def index_columns(model) -> dict[str, tuple[str, ...]]:
    """{index or unique constraint name: its columns, in order} on the model's table, as the
    database has them (the primary key left out)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: tuple(info["columns"])
        for name, info in found.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            MilestoneProgress,
            {
                ("learner_id", "milestone_id"),  # progress_unique: the learner's rows
                ("target_date",),  # the reminders' due dates
                ("milestone_id",),  # a milestone's learners (curation insights, deletes)
            },
        ),
        (
            ProgressEvent,
            {
                ("learner_id", "occurred_at"),  # event_learner_time: the learner's history
                ("occurred_at",),  # the admin's list, newest first, over every learner
                ("milestone_id",),  # a milestone's events (the milestone page, deletes)
            },
        ),
    ],
)
def test_each_index_a_status_change_writes_is_one_a_query_needs(model, expected):
    columns = set(index_columns(model).values())
    assert ("learner_id",) not in columns
    assert columns == expected


def test_queries_by_learner_keep_an_index_that_leads_with_the_learner():
    for model in (MilestoneProgress, ProgressEvent):
        assert any(cols[0] == "learner_id" for cols in index_columns(model).values())
        assert not model._meta.get_field("learner").db_index


def test_no_index_holds_a_column_a_status_change_writes():
    written = {"status", "started_at", "completed_at", "prior_learning", "updated_at"}
    for columns in index_columns(MilestoneProgress).values():
        assert written.isdisjoint(columns)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="HOT updates are PostgreSQL's")
def test_a_status_change_is_a_hot_update_on_postgresql():
    row = MilestoneProgressFactory(status="in_progress")

    def hot_updates() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
                [MilestoneProgress._meta.db_table],
            )
            return cursor.fetchone()[0]

    before = hot_updates()
    services.milestone_status_set(learner=row.learner, milestone=row.milestone, status="done")

    # this transaction's count: the row rewritten in its page, no index touched (the page has
    # room for it: the table's fillfactor, migration 0012, whatever rows earlier tests left)
    assert hot_updates() == before + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="fillfactor is PostgreSQL's")
def test_the_progress_table_leaves_room_in_each_page_for_a_status_change():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE oid = %s::regclass",
            [MilestoneProgress._meta.db_table],
        )
        assert "fillfactor=90" in (cursor.fetchone()[0] or [])
