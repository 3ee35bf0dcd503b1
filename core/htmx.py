"""Views that answer both plain forms and htmx: telling them apart, going back, login for htmx."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to the page the form was on (a local `next`), else to `fallback`."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return redirect(target)


def learner_required(view):
    """login_required, except that an htmx request is sent to the login page as a whole page
    (HX-Redirect) rather than having the login form swapped into a part of the page."""
    protected = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if is_htmx(request) and not request.user.is_authenticated:
            login = resolve_url(settings.LOGIN_URL)
            back = request.POST.get("next") or request.headers.get("HX-Current-URL", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = ""
            response = HttpResponse(status=401)
            response["HX-Redirect"] = f"{login}?{urlencode({'next': back})}" if back else login
            return response
        return protected(request, *args, **kwargs)

    return wrapper
