"""Rate limits: per access token, per logged-in learner (browser session), per IP otherwise.

Rates are read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] on each request (not once at
import), so a deployment or a test can change them. Counters live in the shared cache.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from careerpath.accounts.models import PersonalAccessToken


class _ScopedThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


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
    scope = "anonymous"

    def get_cache_key(self, request, view) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
