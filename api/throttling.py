"""Rate limits: per access token, per logged-in learner (browser session), per IP otherwise.

Rates are read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] on each request (not once at
import), so a deployment or a test can change them. Each budget is a counter in the shared cache
that starts with a client's first request and lasts the rate's period (an hour for "/hour"),
incremented atomically (one Redis INCR): DRF's own throttles read a history, append and write it
back, so parallel requests read the same history and all got through (1,010 of them under a
lower limit). A client may spend one budget at the end of a period and the next right after;
that is the price of an exact count.

While Redis is down the counters are gone and requests are not limited (they fail open): the
limits protect the service from a runaway script, the credentials still protect the data, and
refusing every API request for the length of a cache outage would be the bigger harm.
"""

from __future__ import annotations

from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import PersonalAccessToken
from core.cache import counter_incr


class _ScopedThrottle(SimpleRateThrottle):
    def __init__(self) -> None:  # SimpleRateThrottle's reads the rate once, at creation
        self.retry_after: float | None = None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        rate = self.get_rate()
        key = self.get_cache_key(request, view)
        if rate is None or key is None:
            return True
        limit, period = self.parse_rate(rate)
        counted = counter_incr(cache, key, timeout=period)
        if counted is None:
            return True
        count, self.retry_after = counted
        return count <= limit

    def wait(self) -> float | None:
        return self.retry_after


class TokenRateThrottle(_ScopedThrottle):
    """Each token has its own budget, so one runaway script cannot starve another."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, PersonalAccessToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SessionRateThrottle(_ScopedThrottle):
    scope = "session"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, PersonalAccessToken) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonymousRateThrottle(_ScopedThrottle):
    """Requests without valid credentials, per address: a public page, or a refused one (see
    CountRefusedCredentials)."""

    scope = "anonymous"

    def get_cache_key(self, request, view) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CountRefusedCredentials:
    """A view mixin: a request refused for its credentials (none, or a wrong token) counts
    against its address's budget, and past it is refused with 429 instead of 401.

    DRF checks credentials and permissions before rate limits, so without this a script
    guessing tokens, or one that lost its token, was never limited at all."""

    def initial(self, request, *args, **kwargs):
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            # request.user is now the anonymous user (DRF sets it before raising).
            self.check_throttles(request)
            raise
