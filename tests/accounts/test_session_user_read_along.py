"""Production's sessions (accounts/sessions.py): a session this process has seen before is
read with its user's cached copy in one Redis command, and no change to the user or the session
is hidden by that: a password change, a deactivation, a deletion, a log-out, a new name or email
shows on the very next request. On a redis-server of the test's own, as production's caches."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

from accounts import sessions
from accounts.backends import NOT_READ, cached_user_key
from tests.accounts.factories import UserFactory
from tests.proof.faults import REDIS_SERVER, RedisServer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server (apt-get install redis)"),
]

PAGE = reverse("accounts:settings")
LOGIN = reverse("account_login")


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis") / "redis.log").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def production_sessions(redis):
    """Production's session engine and caches (settings/production.py), on this Redis."""
    cache = {
        "BACKEND": "core.cache.DegradingRedisCache",
        "LOCATION": redis.url(),
        "KEY_PREFIX": "t",
    }
    caches_setting = {"default": cache, "sessions": {**cache, "MAX_TIMEOUT": 60}}
    with override_settings(
        CACHES=caches_setting,
        SESSION_ENGINE="accounts.sessions",
        SESSION_CACHE_ALIAS="sessions",
        USER_CACHE_SECONDS=60,
    ):
        redis.command("FLUSHALL")
        sessions._session_owners.clear()
        yield


def redis_reads(redis: RedisServer, client: Client, path: str = PAGE):
    """The response to `path`, with the GET and MGET commands Redis served for it."""
    redis.command("CONFIG", "RESETSTAT")
    response = client.get(path)
    stats = redis.command("INFO", "commandstats")
    calls = {}
    for line in stats.splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line.split(":", 1)
            calls[name.removeprefix("cmdstat_")] = int(rest.split("calls=")[1].split(",")[0])
    return response, calls.get("get", 0), calls.get("mget", 0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def seen_once(redis: RedisServer, client: Client) -> None:
    """A first page (the session's owner is learnt, the user's copy made), then a second read
    in one command, as every later page of this session in this process."""
    assert client.get(PAGE).status_code == 200
    response, gets, mgets = redis_reads(redis, client)
    assert response.status_code == 200
    assert (gets, mgets) == (0, 1)


def test_a_session_seen_before_is_read_with_its_user_in_one_command(redis):
    # given
    client = signed_in(UserFactory())

    # when: the first page, then the next
    first, first_gets, first_mgets = redis_reads(redis, client)
    second, gets, mgets = redis_reads(redis, client)

    # then: two GETs the first time (session, then user), one MGET from then on
    assert first.status_code == second.status_code == 200
    assert (first_gets, first_mgets) == (2, 0)
    assert (gets, mgets) == (0, 1)


def test_a_password_change_elsewhere_logs_the_other_sessions_out_at_once(redis):
    # given: signed in on two devices, each read in one command already
    user = UserFactory()
    client, other_device = signed_in(user), signed_in(user)
    seen_once(redis, client)
    seen_once(redis, other_device)

    # when
    user.set_password("a-new-password-for-the-test-9")
    user.save()

    # then
    for device in (client, other_device):
        response = device.get(PAGE)
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_a_deactivated_or_deleted_learner_is_signed_out_on_the_next_request(redis, change):
    # given
    user = UserFactory()
    client = signed_in(user)
    seen_once(redis, client)

    # when
    if change == "deactivate":
        user.is_active = False
        user.save()
    else:
        user.delete()

    # then
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_a_new_display_name_and_email_show_on_the_next_page(redis):
    # given
    user = UserFactory(display_name="Ada", email="ada@example.com")
    client = signed_in(user)
    seen_once(redis, client)

    # when: changed elsewhere (an admin)
    user.display_name = "Ada Lovelace"
    user.email = "lovelace@example.com"
    user.save()

    # then
    response, _gets, mgets = redis_reads(redis, client)
    page = response.content.decode()
    assert mgets == 1  # still read along, the copy now gone: the row read afresh
    assert 'value="Ada Lovelace"' in page
    assert response.wsgi_request.user.email == "lovelace@example.com"


def test_a_logged_out_session_stays_out_though_its_owner_is_remembered(redis):
    # given: a session read in one command, its cookie kept
    client = signed_in(UserFactory())
    seen_once(redis, client)
    cookie = client.cookies["sessionid"].value

    # when: the learner logs out, and the old cookie comes back
    assert client.post(reverse("account_logout")).status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get(PAGE)

    # then
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_a_remembered_owner_that_is_not_the_sessions_never_lends_its_copy(redis):
    # given: a session of one learner, remembered (wrongly) as another learner's, whose copy
    # is in the cache
    ada, bob = UserFactory(display_name="Ada"), UserFactory(display_name="Bob")
    seen_once(redis, signed_in(bob))
    client = signed_in(ada)
    seen_once(redis, client)
    sessions._session_owners[client.cookies["sessionid"].value] = str(bob.pk)
    assert caches["default"].get(cached_user_key(bob.pk)) is not None

    # when
    page = client.get(PAGE).content.decode()

    # then: Ada's page, and the owner corrected for the next request
    assert 'value="Ada"' in page and "Bob" not in page
    assert sessions._session_owners[client.cookies["sessionid"].value] == str(ada.pk)


def test_the_copy_read_along_is_taken_once_and_only_for_the_sessions_user(redis):
    # given: a session of a learner whose copy is cached, its owner remembered
    user = UserFactory()
    client = signed_in(user)
    seen_once(redis, client)
    store = sessions.SessionStore(client.cookies["sessionid"].value)

    # when
    assert store[SESSION_KEY] == str(user.pk)  # loads the session, the copy along

    # then: not for another id; for the session's user once, then no more
    assert store.take_user_read_along(user.pk + 1) is NOT_READ
    store._user_read_along = caches["default"].get(cached_user_key(user.pk))
    assert store.take_user_read_along(user.pk).pk == user.pk
    assert store.take_user_read_along(user.pk) is NOT_READ
