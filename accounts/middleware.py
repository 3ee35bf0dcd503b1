"""Django's AuthenticationMiddleware, whose request.user takes the user's cached copy read in
one round trip with the session (accounts/sessions.py) when there is one."""

from functools import partial

from django.contrib import auth
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.middleware import auser
from django.http import HttpRequest

from .backends import reading_user_of


def get_user(request: HttpRequest):
    """django.contrib.auth.middleware.get_user, with the request's session offered to the
    backend for that one call (see accounts.backends.user_read_along): Django's own checks of
    the session (backend, session hash, fallback secrets) are unchanged."""
    if not hasattr(request, "_cached_user"):
        with reading_user_of(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """request.user is the user itself, read here, not Django's SimpleLazyObject: every request
    reads it a few middlewares on (core.middleware.LearnerTimezoneMiddleware, for the zone), so
    putting it off saves nothing, and the lazy wrapper costs its making and unwrapping (some 20
    Python calls a request). tests/accounts/test_authentication_middleware.py holds it."""

    def process_request(self, request: HttpRequest) -> None:
        if not hasattr(request, "session"):
            super().process_request(request)  # Django's ImproperlyConfigured
        request.user = get_user(request)
        request.auser = partial(auser, request)
