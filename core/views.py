"""Site-wide pages that belong to no app: the landing page and the health check."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.tasks import HEARTBEAT_CACHE_KEY


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("roadmap:dashboard")
    return render(request, "home.html")


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Database, cache and worker status, for a load balancer or a curious developer."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        if hasattr(cache, "ping"):
            cache.ping()  # a degrading cache would otherwise hide the outage
        beat = cache.get(HEARTBEAT_CACHE_KEY)
        checks["cache"] = "ok"
    except Exception as exc:  # noqa: BLE001
        beat = None
        checks["cache"] = f"error: {exc.__class__.__name__}"
    if beat and timezone.now() - datetime.fromisoformat(beat) < timedelta(minutes=5):
        checks["worker"] = "ok"
    else:
        checks["worker"] = "no heartbeat in the last 5 minutes"
    # A cache that degrades (core.cache) lets this process serve pages without Redis, so
    # an outage is reported but does not take every web process out of rotation; a cache that
    # raises would fail the pages, so it fails the check. A missing worker delays reminders only.
    cache_usable = checks["cache"] == "ok" or getattr(cache, "degrades", False)
    healthy = checks["database"] == "ok" and cache_usable
    return JsonResponse(checks, status=200 if healthy else 503)
