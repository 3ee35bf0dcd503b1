"""core.middleware.LocaleMiddleware: Django's LocaleMiddleware without reading a language from the
address when no URL is under i18n_patterns, and with the language a cookie and Accept-Language
ask for remembered per process. It must answer as Django's does: the language a view sees,
request.LANGUAGE_CODE, and the response's headers, status and address."""

from __future__ import annotations

import itertools
import sys

import pytest
from django.http import HttpResponse, HttpResponseNotFound
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import RequestFactory, override_settings
from django.utils import translation

from core import middleware
from core.middleware import LocaleMiddleware

COOKIES = [None, "en-gb", "fr", "de", "en", "xx", "fr-ca", "<script>"]
ACCEPTS = ["", "en-GB,en;q=0.9", "fr", "de-DE,de;q=0.8,en;q=0.5", "*", "zz, fr;q=0.1", "pt-br"]
PATHS = ["/", "/dashboard/", "/fr/dashboard/", "/en-gb/page/", "/de/"]
TWO_LANGUAGES = [("en-gb", "English"), ("fr", "French"), ("de", "German")]


def answer(middleware_class, *, path, cookie, accept, status=200, urlconf=None):
    """What a view behind the middleware sees, and what the response carries."""
    seen = {}

    def view(request):
        seen["active"] = translation.get_language()
        return HttpResponse("ok") if status == 200 else HttpResponseNotFound("no")

    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    request = RequestFactory().get(path, **headers)
    if cookie is not None:
        request.COOKIES["django_language"] = cookie
    if urlconf is not None:
        request.urlconf = urlconf
    with translation.override(None):
        response = middleware_class(view)(request)
    return (
        seen.get("active"),
        getattr(request, "LANGUAGE_CODE", None),
        response.status_code,
        sorted(response.headers.items()),
    )


@pytest.mark.parametrize("languages", ["site", "three"])
def test_it_answers_as_djangos_for_every_cookie_header_address_and_status(languages):
    overrides = {} if languages == "site" else {"LANGUAGES": TWO_LANGUAGES}
    with override_settings(**overrides):
        for path, cookie, accept, status in itertools.product(PATHS, COOKIES, ACCEPTS, [200, 404]):
            case = {"path": path, "cookie": cookie, "accept": accept, "status": status}
            # twice: the second answer is the remembered one
            ours = [answer(LocaleMiddleware, **case) for _ in range(2)]
            djangos = answer(DjangoLocaleMiddleware, **case)
            assert ours == [djangos, djangos], case


def test_a_settings_change_is_followed():
    case = {"path": "/", "cookie": None, "accept": "fr"}
    assert answer(LocaleMiddleware, **case)[0] == "en-gb"  # the site has English only
    with override_settings(LANGUAGES=TWO_LANGUAGES):
        assert answer(LocaleMiddleware, **case)[0] == "fr"
    assert answer(LocaleMiddleware, **case)[0] == "en-gb"


def test_the_settings_it_keeps_follow_a_change():
    # the language cookie's name and the root URLconf are read when the middleware is made and
    # again on any change of settings: a middleware made before the change follows it
    with override_settings(LANGUAGES=TWO_LANGUAGES):
        made_before = LocaleMiddleware(lambda request: HttpResponseNotFound("no"))
        request = RequestFactory().get("/page/")
        request.COOKIES["site_language"] = "fr"
        with override_settings(LANGUAGE_COOKIE_NAME="site_language"):
            assert made_before(request)["Content-Language"] == "fr"
            assert request.LANGUAGE_CODE == "fr"
        with override_settings(ROOT_URLCONF="tests.core.urls_i18n"):
            # under i18n_patterns: Django's redirect to the address with the language
            redirected = made_before(RequestFactory().get("/page/", HTTP_ACCEPT_LANGUAGE="de"))
            assert redirected.status_code == 302 and redirected["Location"] == "/de/page/"
    translation.deactivate()


def test_under_i18n_patterns_it_is_djangos_own_code():
    # given: a URLconf with its pages under i18n_patterns
    urlconf = "tests.core.urls_i18n"
    with override_settings(LANGUAGES=TWO_LANGUAGES):
        for path, cookie, accept, status in itertools.product(
            ["/page/", "/fr/page/", "/de/page/", "/en-gb/page/", "/nowhere/"],
            COOKIES[:4],
            ACCEPTS[:4],
            [200, 404],
        ):
            case = {"path": path, "cookie": cookie, "accept": accept, "status": status}
            ours = answer(LocaleMiddleware, urlconf=urlconf, **case)
            assert ours == answer(DjangoLocaleMiddleware, urlconf=urlconf, **case), case
    # and: the language in the address wins, a page without one is redirected to it
    with override_settings(LANGUAGES=TWO_LANGUAGES):
        assert answer(LocaleMiddleware, urlconf=urlconf, path="/fr/page/", cookie=None,
                      accept="de")[0] == "fr"  # fmt: skip
        redirected = answer(LocaleMiddleware, urlconf=urlconf, path="/page/", cookie=None,
                            accept="de", status=404)  # fmt: skip
        assert redirected[2] == 302 and ("Location", "/de/page/") in redirected[3]


def test_without_i18n_patterns_the_address_is_not_read_for_a_language():
    # given: the rule that makes it cheaper, watched through the calls it makes
    called = []

    def watch(frame, event, arg):
        if event == "call":
            called.append(frame.f_code.co_name)

    # when
    sys.setprofile(watch)
    try:
        answer(LocaleMiddleware, path="/fr/dashboard/", cookie=None, accept="fr")
    finally:
        sys.setprofile(None)

    # then
    assert "process_request" in called and "process_response" in called
    assert "get_language_from_path" not in called


def test_the_remembered_languages_are_bounded(monkeypatch):
    monkeypatch.setattr(middleware, "LANGUAGES_KEPT", 5)
    middleware._language_asked_for.clear()
    for n in range(12):
        answer(LocaleMiddleware, path="/", cookie=None, accept=f"x{n}")
        assert len(middleware._language_asked_for) <= 5


@pytest.mark.parametrize("vary", [None, "Cookie", "accept-language", "*", "Cookie, HX-Request"])
def test_the_vary_header_is_djangos_whatever_the_view_set(vary):
    def view(request):
        response = HttpResponse("ok")
        if vary is not None:
            response["Vary"] = vary
        return response

    def headers(middleware_class):
        with translation.override(None):
            response = middleware_class(view)(RequestFactory().get("/"))
        return sorted(response.headers.items())

    ours = headers(LocaleMiddleware)
    assert ours == headers(DjangoLocaleMiddleware)
    assert ("Vary", "Accept-Language") in ours or vary is not None
