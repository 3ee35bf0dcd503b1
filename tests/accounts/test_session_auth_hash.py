"""accounts.models.User.get_session_auth_hash: Django's HMAC of the password hash, remembered per
process for the password hash and SECRET_KEY. It must equal Django's for every password (and none),
follow a new password and a new SECRET_KEY at once, and keep Django's checks: a password change
logs out the other sessions, a session made under a fallback key still signs in."""

from __future__ import annotations

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import override_settings

from accounts.models import User

pytestmark = pytest.mark.django_db


def djangos(user: User) -> str:
    return AbstractBaseUser.get_session_auth_hash(user)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "", "é€ unicode", "x" * 200, None]
)
def test_it_equals_djangos_for_every_password(password):
    user = User(email="a@example.com")
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    assert user.get_session_auth_hash() == djangos(user)
    assert user.get_session_auth_hash() == djangos(user)  # the remembered one


def test_it_follows_a_new_password_and_a_new_secret_key():
    user = User(email="a@example.com")
    user.set_password("first")
    first = user.get_session_auth_hash()
    user.set_password("second")
    assert user.get_session_auth_hash() != first
    assert user.get_session_auth_hash() == djangos(user)
    before = user.get_session_auth_hash()
    with override_settings(SECRET_KEY="another secret key, long enough to be one" * 2):
        assert user.get_session_auth_hash() != before
        assert user.get_session_auth_hash() == djangos(user)
    assert user.get_session_auth_hash() == before


def test_a_password_change_logs_out_the_other_sessions(client):
    # given a learner signed in on two browsers
    from django.test import Client

    user = User.objects.create_user(email="learner@example.com", password="old password 1")
    other = Client()
    client.force_login(user)
    other.force_login(user)
    assert other.get("/dashboard/").status_code == 200
    # when the password changes (and the first browser keeps its session, as Django's view does)
    user.set_password("new password 2")
    user.save()
    # then the other browser is signed out on its next page
    response = other.get("/dashboard/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


OLD_KEY = "the old key, long enough to be a real one" * 2
NEW_KEY = "the new key, long enough to be a real one" * 2


@pytest.mark.parametrize("fallbacks", [[OLD_KEY], []])
def test_a_session_made_under_an_old_key_signs_in_only_while_it_is_a_fallback(client, fallbacks):
    user = User.objects.create_user(email="learner@example.com", password="a password 1")
    with override_settings(SECRET_KEY=OLD_KEY):
        client.force_login(user)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=fallbacks):
        assert client.get("/dashboard/").status_code == (200 if fallbacks else 302)
