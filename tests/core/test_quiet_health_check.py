"""core/postgresql: the health check before a request's first query sends SELECT 1 only when the
connection's socket says the server closed it or spoke; a healthy connection costs no round trip,
and a connection the server ended is replaced before the request's query runs."""

import time

import pytest
from django.conf import settings
from django.db import connection

from core.postgresql.base import socket_is_quiet

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the backend is PostgreSQL's"
)


@pytest.fixture
def health_checks_seen(monkeypatch):
    """Each SELECT 1 the health check sends (Django's is_usable, run for real)."""
    seen = []
    real = connection.is_usable

    def is_usable():
        seen.append(connection.connection.get_backend_pid())
        return real()

    monkeypatch.setattr(connection, "is_usable", is_usable)
    return seen


def new_request() -> None:
    # What Django does at each request's start for a persistent connection (CONN_MAX_AGE > 0;
    # the tests' 0 would close it instead): the next query checks its health first.
    connection.health_check_done = False


def test_postgresql_settings_use_the_backend():
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("SQLite has no connection to check")
    assert settings.DATABASES["default"]["ENGINE"] == "core.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@needs_postgresql
@pytest.mark.django_db
def test_a_healthy_connection_is_checked_without_a_round_trip(health_checks_seen):
    # given: an open connection, idle between requests
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert socket_is_quiet(connection.connection)

    # when: the next request's first query
    new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)

    # then: no SELECT 1 went before it, and the check counts as done for the request
    assert health_checks_seen == []
    assert connection.health_check_done


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_query(health_checks_seen):
    # given: the server ends the connection between two requests (as a restart does)
    connection.ensure_connection()
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

    # when: the next request's first query
    new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)

    # then: Django's SELECT 1 found the connection dead and a new one ran the query
    assert health_checks_seen == [pid]
    assert connection.connection.get_backend_pid() != pid


@needs_postgresql
@pytest.mark.django_db
def test_a_connection_closed_on_this_side_is_not_quiet():
    closed = connection.get_new_connection(connection.get_connection_params())
    closed.close()

    assert not socket_is_quiet(closed)
