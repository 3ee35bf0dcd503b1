"""core/db.py: the dashboard's stamp is planned once per PostgreSQL connection and gives
the same row as the plain query, also after the connection is replaced; run on the connection's
held cursor, it is counted, wrapped, refused and checked as through Django's cursor."""

import asyncio
import datetime as dt
import time

import pytest
from django import db
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from core.db import PreparedQuery
from core.postgresql.base import socket_is_quiet
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


# --- The held cursor: what Django's cursor does before a query, without making one -------------

_HELD = "_careerpath_prepared_statements"


def held_cursor():
    return getattr(connection, _HELD).cursor


@needs_postgresql
@pytest.mark.django_db
def test_unwatched_the_statement_runs_on_the_connections_held_cursor(learner_with_progress):
    # when: nothing counts or logs the queries (no test's count, no DEBUG), twice
    first = STAMP_QUERY.fetchone({"id": learner_with_progress.pk})
    cursor = held_cursor()
    second = STAMP_QUERY.fetchone({"id": learner_with_progress.pk})

    # then: the one cursor the connection holds ran the EXECUTE, with the plain query's row and
    # the types Django's cursor gives (an aware first event time, in UTC)
    assert held_cursor() is cursor and not cursor.closed
    assert (
        cursor.query == f"EXECUTE careerpath_dashboard_stamp({learner_with_progress.pk})".encode()
    )
    assert first == second == plain_row(learner_with_progress.pk)
    assert first[0].tzinfo is dt.UTC


@needs_postgresql
@pytest.mark.django_db
def test_an_execute_wrapper_sees_the_statement(learner_with_progress):
    # given: a wrapper, as bench/load/profile_pages.py counts queries with
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    # when
    with connection.execute_wrapper(wrapper):
        row = STAMP_QUERY.fetchone({"id": learner_with_progress.pk})

    # then
    assert seen == [("EXECUTE careerpath_dashboard_stamp(%s)", [learner_with_progress.pk])]
    assert row == plain_row(learner_with_progress.pk)


@needs_postgresql
@pytest.mark.django_db
def test_the_drivers_errors_are_raised_as_djangos_and_mark_the_connection():
    # given: a statement PostgreSQL refuses to prepare
    broken = PreparedQuery(name="core_test_broken", sql="SELECT x FROM nowhere WHERE y = %(y)s")
    connection.errors_occurred = False

    # when / then: Django's error, the connection marked for the end-of-request check (as
    # Django's cursor marks it), and the statement not taken for prepared
    with pytest.raises(db.ProgrammingError, match="nowhere"):
        broken.fetchall({"y": 1})
    assert connection.errors_occurred
    assert "core_test_broken" not in getattr(connection, _HELD).prepared


@needs_postgresql
@pytest.mark.django_db
def test_a_data_error_does_not_mark_the_connection():
    # given: a prepared statement that fails while it runs, on the second value
    dividing = PreparedQuery(name="core_test_dividing", sql="SELECT 1 / %(d)s::int")
    assert dividing.fetchone({"d": 1}) == (1,)
    connection.errors_occurred = False

    # when / then: as Django's cursor, a DataError leaves the connection unmarked
    with pytest.raises(db.DataError):
        dividing.fetchone({"d": 0})
    assert not connection.errors_occurred


@needs_postgresql
@pytest.mark.django_db
def test_in_a_broken_atomic_block_the_query_is_refused_as_djangos_cursor_refuses_it(
    learner_with_progress,
):
    STAMP_QUERY.fetchone({"id": learner_with_progress.pk})  # prepared, the cursor held
    with transaction.atomic():
        # given: an error left an inner block without a savepoint, so the outer one must roll back
        with pytest.raises(RuntimeError), transaction.atomic(savepoint=False):
            raise RuntimeError
        # then: the next query, not sent, is Django's TransactionManagementError
        with pytest.raises(TransactionManagementError):
            STAMP_QUERY.fetchone({"id": learner_with_progress.pk})


@needs_postgresql
def test_in_an_event_loop_the_query_is_refused_as_djangos_cursor_refuses_it():
    async def in_a_loop():
        return STAMP_QUERY.fetchone({"id": 1})

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(in_a_loop())


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_a_requests_first_statement(
    learner_with_progress,
):
    # given: the statement prepared and the cursor held on a connection the server then ends
    # (as a restart does), between two requests
    expected = STAMP_QUERY.fetchone({"id": learner_with_progress.pk})
    pid = connection.connection.get_backend_pid()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    deadline = time.monotonic() + 5
    while socket_is_quiet(connection.connection) and time.monotonic() < deadline:
        time.sleep(0.01)

    # when: the next request's first query is the prepared statement
    connection.health_check_done = False
    row = STAMP_QUERY.fetchone({"id": learner_with_progress.pk})

    # then: the health check replaced the connection, where the statement was prepared again
    assert row == expected
    assert connection.connection.get_backend_pid() != pid
    assert held_cursor().connection is connection.connection
