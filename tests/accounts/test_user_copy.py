"""accounts.backends.user_copy / user_from_copy: the signed-in user's cached copy kept as its row's
values, made back into the user without Model.__init__. The user made from a copy must be the
ORM's own, field by field and type by type (state included) and save as one; the key must name
the copy's layout, so a copy of another layout (an older release's pickled model, anything not
a copy) is never read as a user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db.models.signals import post_init
from django.urls import reverse

from accounts import backends
from accounts.backends import cached_user_key, user_copy, user_from_copy
from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:settings")


def fields_of(user: User) -> dict:
    """Every attribute but the state, with its type (an aware datetime's zone too)."""
    return {
        name: (value, type(value), getattr(value, "tzinfo", None))
        for name, value in vars(user).items()
        if name != "_state"
    }


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"last_login": dt.datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=dt.UTC)},
        {"display_name": "Zoë <b>&</b> 'quotes'", "timezone": "Pacific/Chatham"},
        {"calendar_token_hash": "a" * 64, "is_staff": True, "nudges_enabled": False},
        {"digest_frequency": "off", "digest_weekday": 6, "digest_hour": 23},
    ],
)
def test_the_user_made_from_a_copy_is_the_orms(changes):
    # given a user as the ORM reads it
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(**changes)
    orm = User.objects.get(pk=user.pk)
    # when kept and made back (through the cache's own serializer)
    cache.set("copy-under-test", user_copy(orm), 60)
    made = user_from_copy(cache.get("copy-under-test"))
    # then
    assert fields_of(made) == fields_of(orm)
    assert (made._state.adding, made._state.db) == (False, "default")
    assert made == orm and made.get_session_auth_hash() == orm.get_session_auth_hash()


def test_it_is_made_without_model_init_and_saves_as_the_orms():
    user = UserFactory(display_name="Before")
    copy = user_copy(User.objects.get(pk=user.pk))
    made_by_init = []

    def count(sender, instance, **kwargs):
        made_by_init.append(instance)

    post_init.connect(count, sender=User)
    try:
        made = user_from_copy(copy)
    finally:
        post_init.disconnect(count, sender=User)
    assert made_by_init == []
    made.display_name = "After"
    made.save()  # an UPDATE of the row: no second user
    assert User.objects.get(pk=user.pk).display_name == "After"
    assert User.objects.count() == 1


@pytest.mark.parametrize("other", [None, "text", (), (1, 2), ["a list"], 7])
def test_anything_that_is_not_a_copy_is_no_user(other):
    assert user_from_copy(other) is None


def test_the_key_names_the_layout(monkeypatch):
    before = cached_user_key(5)
    assert before.startswith("auth-user:") and before.endswith(":5")
    monkeypatch.setattr(backends, "COPY_FORM", backends.COPY_FORM + 1)
    backends._user_layout.cache_clear()
    try:
        assert cached_user_key(5) != before
    finally:
        monkeypatch.undo()
        backends._user_layout.cache_clear()
    assert cached_user_key(5) == before


def test_a_copy_of_another_layout_is_never_read(client, settings):
    # given the cache on, a learner, and what an older release kept under its keys: a pickled
    # model under the key without a layout, and a wrong thing under this layout's key
    settings.USER_CACHE_SECONDS = 60
    user = UserFactory(display_name="Real name")
    client.force_login(user)
    impostor = User.objects.get(pk=user.pk)
    impostor.display_name = "Stale name"
    cache.set(f"auth-user:{user.pk}", impostor, 60)
    cache.set(cached_user_key(user.pk), impostor, 60)
    # when
    page = client.get(PAGE).content.decode()
    # then the row is read, and its copy kept in this layout
    assert 'value="Real name"' in page and "Stale name" not in page
    assert user_from_copy(cache.get(cached_user_key(user.pk))).display_name == "Real name"
    assert 'value="Real name"' in client.get(PAGE).content.decode()


def test_a_change_drops_the_copy_an_older_release_reads_too(settings):
    # given both releases' copies of a learner (during a deploy)
    settings.USER_CACHE_SECONDS = 60
    user = UserFactory()
    cache.set(f"auth-user:{user.pk}", user, 60)
    cache.set(cached_user_key(user.pk), user_copy(user), 60)
    # when the learner changes
    user.set_password("a new password 7")
    user.save()
    # then neither is left
    assert cache.get(f"auth-user:{user.pk}") is None
    assert cache.get(cached_user_key(user.pk)) is None
