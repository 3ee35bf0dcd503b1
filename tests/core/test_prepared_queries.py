"""core/db.py: the dashboard's stamp is planned once per PostgreSQL connection and gives
the same row as the plain query, also after the connection is replaced."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import PreparedQuery
from roadmap.models import ProgressStatus
from roadmap.presenters.dashboard import STAMP_QUERY, dashboard_stamp
from roadmap.services import progress as services
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def plain_row(learner_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(STAMP_QUERY.sql, {"id": learner_id})
        return cursor.fetchone()


@pytest.fixture
def learner_with_progress():
    path = build_roadmap(steps=2, milestones_per_step=2)
    learner = enrolled_learner(path)
    services.milestone_status_set(
        learner=learner, milestone=path_milestones(path)[0], status=ProgressStatus.DONE
    )
    return learner


def test_named_parameters_are_numbered_in_order_of_first_use():
    # when
    query = PreparedQuery(name="q", sql="SELECT %(b)s WHERE x = %(a)s OR y = %(b)s")

    # then
    assert query.numbered_sql == "SELECT $1 WHERE x = $2 OR y = $1"
    assert query.parameters == ("b", "a")


@needs_postgresql
@pytest.mark.django_db
def test_the_stamp_is_executed_as_a_prepared_statement_with_the_plain_querys_row(
    learner_with_progress,
):
    # when
    with CaptureQueriesContext(connection) as captured:
        row = STAMP_QUERY.fetchone({"id": learner_with_progress.pk})

    # then: one statement sent per request, the prepared one
    assert [q["sql"] for q in captured.captured_queries] == [
        f"EXECUTE careerpath_dashboard_stamp({learner_with_progress.pk})"
    ]
    assert row == plain_row(learner_with_progress.pk)


@pytest.mark.django_db
def test_turned_off_the_plain_query_is_sent(learner_with_progress, settings):
    # given: as behind a pooler in transaction mode
    settings.DATABASE_PREPARED_STATEMENTS = False

    # when
    with CaptureQueriesContext(connection) as captured:
        row = STAMP_QUERY.fetchone({"id": learner_with_progress.pk})

    # then
    assert len(captured.captured_queries) == 1
    assert not captured.captured_queries[0]["sql"].startswith("EXECUTE")
    assert row == plain_row(learner_with_progress.pk)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_replaced_connection_prepares_the_statement_again(learner_with_progress):
    # given: the statement is prepared on the current connection
    today = dt.date.today()
    before = dashboard_stamp(learner=learner_with_progress, today=today)

    # when: the connection is replaced, as after a database restart
    connection.close()
    after = dashboard_stamp(learner=learner_with_progress, today=today)

    # then: the new connection has it too (no "prepared statement does not exist")
    assert after == before
