"""Project-wide middleware: the Content-Security-Policy header and the learner's timezone."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import LazyObject


class ContentSecurityPolicyMiddleware:
    """Sends CONTENT_SECURITY_POLICY on every response (Django 5.2 has no built-in CSP)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class LearnerTimezoneMiddleware:
    """Shows times in the learner's own timezone; storage stays UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, LazyObject):
            # Every request reads its user here (for the timezone), so the lazy wrapper has
            # nothing left to put off: the request carries the user itself from now on. Each of
            # a page's reads of request.user (a hundred and more: the frame, the badges, the
            # views) otherwise goes through LazyObject.__getattribute__, which raises and catches
            # an AttributeError on every attribute. tests/core/test_middleware.py holds it.
            user.is_authenticated  # noqa: B018 (loads the user)
            request.user = user = user._wrapped
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
