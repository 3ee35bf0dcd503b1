"""core/postgresql: its cursors make a timestamptz value's time zone with psycopg2's own factory
(datetime.timezone, no Python call a value) and read the same datetimes as Django's factory,
the session being in UTC; with a time zone of the connection's own, Django's factory stays."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection

needs_the_backend = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "core.postgresql",
    reason="the factory is core.postgresql's",
)

TIMES = (
    "SELECT now(), NULL::timestamptz, '2026-03-29 01:30:00+00'::timestamptz,"
    " '1999-12-31 23:59:59.999999-11:30'::timestamptz, '0001-01-01 00:00:00+00'::timestamptz,"
    " ARRAY['2020-02-29 12:00+05:45'::timestamptz, NULL]"
)


@needs_the_backend
@pytest.mark.django_db
def test_the_cursors_times_are_djangos_with_the_factory_in_c():
    # given: the session's zone, as Django sets it
    connection.ensure_connection()
    assert connection.connection.info.parameter_status("TimeZone") == "UTC"

    # when: the same times read by a cursor of the backend and by one with Django's factory
    with connection.cursor() as cursor:
        assert cursor.cursor.tzinfo_factory is dt.timezone
        cursor.execute(TIMES)
        ours = cursor.fetchone()
    djangos = connection.connection.cursor()
    djangos.tzinfo_factory = connection.tzinfo_factory
    djangos.execute(TIMES)
    expected = djangos.fetchone()

    # then: equal, and the very same zone object (datetime.timezone.utc)
    assert ours[1:] == expected[1:]
    for mine, theirs in zip(
        (ours[0], *ours[2:5], ours[5][0]),
        (expected[0], *expected[2:5], expected[5][0]),
        strict=True,
    ):
        assert mine.tzinfo is theirs.tzinfo is dt.UTC
    assert ours[3] == dt.datetime(2000, 1, 1, 11, 29, 59, 999999, tzinfo=dt.UTC)


@needs_the_backend
@pytest.mark.django_db
def test_a_connection_with_its_own_time_zone_keeps_djangos_factory():
    # given: a connection whose DATABASES entry sets its own zone
    other = connection.copy()
    other.settings_dict["TIME_ZONE"] = "Europe/Paris"
    try:
        # when
        with other.cursor() as cursor:
            factory = cursor.cursor.tzinfo_factory

        # then
        assert factory == other.tzinfo_factory
    finally:
        other.close()


@needs_the_backend
@pytest.mark.django_db
def test_without_time_zone_support_the_times_stay_naive(settings):
    # given
    settings.USE_TZ = False

    # when
    with connection.cursor() as cursor:
        factory = cursor.cursor.tzinfo_factory
        cursor.execute("SELECT '2026-01-01 10:00+00'::timestamptz")
        (time,) = cursor.fetchone()

    # then: as Django's cursor leaves them
    assert factory is None and time.tzinfo is None
