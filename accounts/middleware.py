"""Django's AuthenticationMiddleware, whose request.user takes the user's cached copy read in
one round trip with the session (accounts/sessions.py) when there is one."""

from django.contrib import auth
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

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
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
