"""Signed-in users are read through a cache copy (accounts/backends.py), and no change
to a user, from any place that saves one, is hidden by that copy."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import cached_user_key, user_from_copy
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:settings")
LOGIN = reverse("account_login")


@pytest.fixture
def user_cache_on(settings):
    settings.USER_CACHE_SECONDS = 60


def user_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries if 'FROM "accounts_user"' in q["sql"]]


def test_the_signed_in_user_is_read_from_the_database_once_then_from_the_cache(
    client, user_cache_on
):
    # given
    client.force_login(UserFactory())

    # when
    first, second = user_queries(client), user_queries(client)

    # then
    assert len(first) == 1
    assert second == []


def test_with_the_cache_off_every_request_reads_the_user(client, settings):
    # given
    settings.USER_CACHE_SECONDS = 0
    client.force_login(UserFactory())
    user_queries(client)

    # when
    second = user_queries(client)

    # then
    assert len(second) == 1


def test_a_changed_display_name_shows_on_the_next_page(client, user_cache_on):
    # given
    user = UserFactory(display_name="Ada")
    client.force_login(user)
    assert "Ada" in client.get(PAGE).content.decode()

    # when: an admin renames the learner
    user.display_name = "Ada Lovelace"
    user.save()

    # then
    assert 'value="Ada Lovelace"' in client.get(PAGE).content.decode()


def test_a_password_change_elsewhere_logs_the_other_sessions_out_at_once(client, user_cache_on):
    # given: signed in on two devices, each page seen once (the user is cached)
    user = UserFactory()
    other_device = Client()
    client.force_login(user)
    other_device.force_login(user)
    assert client.get(PAGE).status_code == other_device.get(PAGE).status_code == 200

    # when
    user.set_password("a-new-password-for-the-test-9")
    user.save()

    # then
    response = other_device.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_a_deactivated_or_deleted_learner_is_signed_out_on_the_next_request(
    client, user_cache_on, change
):
    # given
    user = UserFactory()
    client.force_login(user)
    assert client.get(PAGE).status_code == 200

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


def test_a_copy_read_while_the_change_was_uncommitted_is_dropped_on_commit(
    client, user_cache_on, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory(display_name="Before")
    client.force_login(user)
    client.get(PAGE)
    stale = cache.get(cached_user_key(user.pk))
    assert stale is not None and user_from_copy(stale).display_name == "Before"

    # when: another request reads the old row and caches it between the save and the commit
    with django_capture_on_commit_callbacks(execute=True):
        user.display_name = "After"
        user.save()
        cache.set(cached_user_key(user.pk), stale, 60)

    # then
    assert cache.get(cached_user_key(user.pk)) is None
    assert 'value="After"' in client.get(PAGE).content.decode()
