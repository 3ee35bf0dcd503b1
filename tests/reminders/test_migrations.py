"""ReminderDelivery moved from roadmap to reminders in state only: the table, its rows and
their ids stay, and the move runs backwards as well as forwards."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reminders.models import ReminderDelivery
from tests.accounts.factories import UserFactory

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
BEFORE = [("roadmap", "0004_reminder_kind_cert_expiry"), ("reminders", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_the_table_and_every_row_both_ways():
    # given: a delivery row in the moved model
    learner = UserFactory()
    row = ReminderDelivery.objects.create(
        learner=learner, kind="digest", period_key="digest:daily:2026-03-10", claimed_at=NOW
    )
    assert ReminderDelivery._meta.db_table == "roadmap_reminderdelivery"

    try:
        # when: migrated back to before the move
        executor = migrate(BEFORE)

        # then: roadmap's model reads the same row from the same table
        state = executor.loader.project_state([BEFORE[0]])
        old = state.apps.get_model("roadmap", "ReminderDelivery")
        assert old._meta.db_table == "roadmap_reminderdelivery"
        assert old.objects.get(pk=row.pk).period_key == "digest:daily:2026-03-10"
    finally:
        # when: forwards again
        migrate(None)

    # then: the row is where it was
    assert ReminderDelivery.objects.get(pk=row.pk).learner == learner
