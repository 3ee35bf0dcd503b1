"""core.middleware.LearnerTimezoneMiddleware: the learner's timezone for the request, and the
request carrying the user itself (not Django's lazy wrapper) once it has been read."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from core.middleware import LearnerTimezoneMiddleware
from tests.accounts.factories import UserFactory


def through_middleware(user):
    """The request and the zone a view behind the middleware sees."""
    seen = {}

    def view(request):
        seen["user"] = request.user
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = SimpleLazyObject(lambda: user)
    LearnerTimezoneMiddleware(view)(request)
    return seen


def test_a_learners_request_carries_the_learner_itself_in_their_timezone(db):
    learner = UserFactory(timezone="Asia/Kolkata")
    seen = through_middleware(learner)
    assert type(seen["user"]) is User
    assert seen["user"] is learner
    assert seen["zone"] == "Asia/Kolkata"


def test_a_visitors_request_carries_the_anonymous_user_in_the_default_zone(db):
    visitor = AnonymousUser()
    seen = through_middleware(visitor)
    assert type(seen["user"]) is AnonymousUser
    assert seen["zone"] == "UTC"


def test_an_unknown_zone_falls_back_to_the_default(db):
    learner = UserFactory(timezone="Mars/Olympus_Mons")
    seen = through_middleware(learner)
    assert seen["user"] is learner
    assert seen["zone"] == "UTC"


def test_a_page_sees_the_signed_in_learner_as_the_object_itself(client, db):
    """Through the whole middleware stack: a view's request.user is the learner, unwrapped."""
    learner = UserFactory()
    client.force_login(learner)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert type(response.wsgi_request.user) is User
    assert response.wsgi_request.user.pk == learner.pk
