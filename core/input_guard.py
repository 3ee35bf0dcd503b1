"""What the site refuses or cleans in any text a person sends, whatever the page or API.

- A NUL character (U+0000) anywhere: PostgreSQL cannot store it in text, and a query that
  merely compares with it fails, so it is refused at the edge: NulCharacterGuardMiddleware for
  the address, the query string and cookies; api.parsers for JSON bodies;
  `nul_position` for uploaded files read as text (the course CSV). A form's fields refuse it
  themselves (Django's CharField has a validator for it; a date, number or choice does not
  parse), so the form comes back with the message and what the person typed.
- Control characters (line breaks, tabs, escapes, U+2028/2029) in a one-line field: a name
  with a line break would break an email's subject or a CSV row, so `single_line` turns each
  run of them into one space (core.form_fields.SingleLineField and the API's
  api.fields.SingleLineField use it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

NUL = "\x00"
# C0 controls and DEL (NUL excepted: it is refused, not cleaned), the C1 controls, and the
# Unicode line and paragraph separators.
CONTROL_CHARACTERS = re.compile(r"[\x01-\x1f\x7f-\x9f\u2028\u2029]+")
API_PREFIX = "/api/"


def single_line(text: str) -> str:
    """`text` with every run of control characters as one space, and no spaces at its ends."""
    return CONTROL_CHARACTERS.sub(" ", text).strip()


def nul_position(text: str) -> int | None:
    """Where the first NUL character is (0-based), or None."""
    position = text.find(NUL)
    return None if position < 0 else position


def nul_refusal() -> str:
    return _(
        "What you sent contains a NUL character (U+0000), which this site cannot accept, so "
        "nothing was done. Remove it (it often comes from copied binary data) and try again."
    )


def _has_nul(values: Iterable[str]) -> bool:
    return any(NUL in value for value in values)


def _query_text(request: HttpRequest) -> Iterable[str]:
    """Every name and value of the query string."""
    for key, values in request.GET.lists():
        yield key
        yield from values


def _may_hold_nul(request: HttpRequest) -> bool:
    """Whether the address, the query string or the cookies may hold a NUL, judged from the
    raw request without parsing it: most requests hold none, and parsing the cookies and the
    query string to look (about 80 Python calls) is the guard's whole cost. A NUL comes from the
    raw text itself, from a query string's %00 (percent-decoding), or from a quoted cookie
    value's backslash escape ("\\000"); a request with none of these cannot hold one. Cookies or
    a query string some code already parsed (and may have changed) are looked at themselves."""
    if NUL in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    if NUL in query or "%00" in query or "GET" in request.__dict__:
        return True
    cookie = request.META.get("HTTP_COOKIE", "")
    return NUL in cookie or "\\" in cookie or "COOKIES" in request.__dict__


class NulCharacterGuardMiddleware:
    """Refuses a NUL character in the address (404: no page has one) or the query string (400)
    before any view runs: an HTML page with the reason, or JSON under /api/; ignores a cookie
    holding one. JSON bodies are checked by the API's parser, where they are read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _may_hold_nul(request):
            return self.get_response(request)
        if _has_nul(k + v for k, v in request.COOKIES.items()):
            # The browser keeps sending a cookie: refusing would lock the person out, so the
            # cookie is ignored, as if it had expired (a session one is then a fresh session).
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if NUL not in k + v}
        if NUL in request.path or _has_nul(_query_text(request)):
            # Before the session and LocaleMiddleware: the answer's language from the request.
            with translation.override(translation.get_language_from_request(request)):
                if NUL in request.path:
                    return self._not_found(request)
                return self._refused(request)
        return self.get_response(request)

    @staticmethod
    def _not_found(request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": _("Not found.")}, status=404)
        return HttpResponseNotFound(render_to_string("404.html", request=request))

    @staticmethod
    def _refused(request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": nul_refusal()}, status=400)
        page = render_to_string("refused_input.html", {"reason": nul_refusal()}, request=request)
        return HttpResponse(page, status=400)
