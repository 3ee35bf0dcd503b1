"""accounts.middleware.AuthenticationMiddleware: request.user is the user itself (no lazy
wrapper), the one Django's get_user finds for the session, for a learner and a visitor."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import auser
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.middleware import AuthenticationMiddleware
from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def request_with_session(user=None):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    if user is not None:
        request.session[SESSION_KEY] = str(user.pk)
        request.session[BACKEND_SESSION_KEY] = "accounts.backends.CachedModelBackend"
        request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    return request


def through_middleware(request):
    seen = {}

    def view(request):
        seen["user"] = request.user
        seen["auser"] = request.auser
        return HttpResponse("ok")

    AuthenticationMiddleware(view)(request)
    return seen


def test_a_learners_request_carries_the_learner_itself():
    learner = UserFactory()
    seen = through_middleware(request_with_session(learner))
    assert type(seen["user"]) is User
    assert seen["user"].pk == learner.pk
    # and: Django's request.auser for async code, as Django's middleware sets it
    assert seen["auser"].func is auser


def test_a_visitors_request_carries_the_anonymous_user_itself():
    seen = through_middleware(request_with_session())
    assert type(seen["user"]) is AnonymousUser


def test_a_session_whose_password_changed_is_a_visitor():
    # given: a session made before the learner's password changed
    learner = UserFactory()
    request = request_with_session(learner)
    learner.set_password("a-new-password-2026")
    learner.save()

    # then: Django's check of the session's hash, as before
    assert type(through_middleware(request)["user"]) is AnonymousUser


def test_without_the_session_middleware_it_says_so_as_djangos_does():
    with pytest.raises(ImproperlyConfigured, match="SessionMiddleware"):
        AuthenticationMiddleware(lambda request: HttpResponse())(RequestFactory().get("/"))
