"""core.middleware.CsrfCookieRenewalMiddleware: a CSRF cookie the request carries unchanged is sent
again (its year-long expiry renewed) at most once an hour by a process, where Django sends it on
every page with a form. Everything else answers as Django alone does, compared response by
response with the same MIDDLEWARE without it: a new cookie, a rotated one (log-in), an old
masked one, a malformed one, a page without a form, CSRF_USE_SESSIONS, the token checks on a
POST; and the response's other headers (Vary: Cookie included) are Django's."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.middleware import csrf
from django.test import Client, override_settings
from django.urls import reverse

from core import middleware
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

OURS = "core.middleware.CsrfCookieRenewalMiddleware"
DJANGOS = "django.middleware.csrf.CsrfViewMiddleware"
DJANGO_ALONE = [m for m in settings.MIDDLEWARE if m != OURS]
URLS = "tests.core.urls_csrf_renewal"
NAME = settings.CSRF_COOKIE_NAME


@pytest.fixture(autouse=True)
def _nothing_sent_yet():
    middleware._csrf_cookie_sent_at.clear()
    yield
    middleware._csrf_cookie_sent_at.clear()


def csrf_cookie(response) -> dict | None:
    """The CSRF cookie the response sets, its attributes (the expiry date aside: it is now)."""
    morsel = response.cookies.get(NAME)
    if morsel is None:
        return None
    return {"value": morsel.value, **{k: v for k, v in morsel.items() if k != "expires"}}


def other_headers(response) -> list:
    return sorted(response.headers.items())


def same_but_the_value(ours: dict, djangos: dict) -> bool:
    return {**ours, "value": None} == {**djangos, "value": None}


class Twins:
    """The same requests sent to the site with the middleware and to Django alone (the same
    MIDDLEWARE without it), each with its own browser (cookie jar)."""

    def __init__(self, **client_options) -> None:
        self.ours = Client(**client_options)
        self.djangos = Client(**client_options)

    def get(self, path: str, **extra):
        ours = self.ours.get(path, **extra)
        with override_settings(MIDDLEWARE=DJANGO_ALONE):
            djangos = self.djangos.get(path, **extra)
        return ours, djangos

    def set_cookie(self, value: str) -> None:
        self.ours.cookies[NAME] = value
        self.djangos.cookies[NAME] = value


def test_it_sits_right_after_djangos_csrf_middleware_which_keeps_its_name():
    # check --deploy looks for Django's by name; the renewal must answer just before it
    assert settings.MIDDLEWARE.index(OURS) == settings.MIDDLEWARE.index(DJANGOS) + 1


@override_settings(ROOT_URLCONF=URLS)
def test_a_cookie_carried_unchanged_is_sent_again_once_an_hour_not_on_every_page():
    twins = Twins()
    with time_machine.travel("2026-03-10 12:00:00Z", tick=False) as clock:
        # when: the first page with a form (no cookie yet)
        ours, djangos = twins.get("/form/")

        # then: a new cookie, as Django sends it
        first = csrf_cookie(ours)
        assert first is not None and same_but_the_value(first, csrf_cookie(djangos))
        assert first["max-age"] == settings.CSRF_COOKIE_AGE

        # when: more pages with a form within the hour (at 0, 1 and 59 minutes), the browser
        # sending the cookie back
        for minutes in (0, 1, 58):
            clock.shift(minutes * 60)
            ours, djangos = twins.get("/form/")
            # then: Django sends it again each time; here it is held back, nothing else changes
            assert csrf_cookie(djangos) is not None
            assert csrf_cookie(ours) is None
            assert other_headers(ours) == other_headers(djangos)
            assert "Cookie" in ours["Vary"]
            assert ours.content == djangos.content

        # when: an hour after it was sent
        clock.shift(60)  # 60 minutes
        ours, djangos = twins.get("/form/")

        # then: sent again, the same cookie with Django's attributes and a new year
        assert csrf_cookie(ours) == first
        assert other_headers(ours) == other_headers(djangos)
        # and: then held back again for an hour
        clock.shift(30 * 60)
        assert csrf_cookie(twins.get("/form/")[0]) is None


@override_settings(ROOT_URLCONF=URLS)
def test_a_page_that_varies_on_its_own_keeps_djangos_vary():
    twins = Twins()
    twins.get("/varying/")
    ours, djangos = twins.get("/varying/")
    assert csrf_cookie(ours) is None and csrf_cookie(djangos) is not None
    assert ours["Vary"] == djangos["Vary"] == "HX-Request, Cookie, Accept-Language"
    assert other_headers(ours) == other_headers(djangos)


@override_settings(ROOT_URLCONF=URLS)
def test_a_clock_set_back_sends_the_cookie_again():
    twins = Twins()
    with time_machine.travel("2026-03-10 12:00:00Z", tick=False) as clock:
        twins.get("/form/")
        clock.shift(-5)
        assert csrf_cookie(twins.get("/form/")[0]) is not None


@override_settings(ROOT_URLCONF=URLS)
def test_a_cookie_django_changes_is_always_sent():
    twins = Twins()
    ours, _ = twins.get("/form/")
    kept = csrf_cookie(ours)["value"]
    secret = csrf._get_new_csrf_string()
    cases = {
        # a log-in rotates the secret: the new one must reach the browser at once
        "rotated": ("/rotate/", None),
        # a cookie from Django before 4.0 (the masked token): stored again as its secret
        "masked": ("/form/", csrf._mask_cipher_secret(secret)),
        # a malformed cookie: replaced by a new one
        "malformed": ("/form/", "not-a-csrf-secret!"),
        # a cookie this process never sent (another worker's, a restart): renewed here once
        "sent elsewhere": ("/form/", csrf._get_new_csrf_string()),
    }
    for case, (path, cookie) in cases.items():
        if cookie is not None:
            twins.set_cookie(cookie)

        # when
        ours, djangos = twins.get(path)

        # then: sent as Django sends it
        assert csrf_cookie(ours) is not None, case
        assert same_but_the_value(csrf_cookie(ours), csrf_cookie(djangos)), case
        assert other_headers(ours) == other_headers(djangos), case
        if case == "rotated":
            assert csrf_cookie(ours)["value"] != kept
        if case == "masked":
            assert csrf_cookie(ours)["value"] == csrf_cookie(djangos)["value"] == secret
        if case == "sent elsewhere":
            assert csrf_cookie(ours)["value"] == cookie
        # and: the next page keeps it back
        assert csrf_cookie(twins.get("/form/")[0]) is None, case


@override_settings(ROOT_URLCONF=URLS)
def test_a_page_without_a_form_answers_as_djangos():
    twins = Twins()
    twins.get("/form/")
    ours, djangos = twins.get("/plain/")
    assert csrf_cookie(ours) is csrf_cookie(djangos) is None
    assert other_headers(ours) == other_headers(djangos)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=URLS, CSRF_USE_SESSIONS=True)
def test_csrf_in_the_session_is_djangos():
    twins = Twins()
    for _ in range(3):
        ours, djangos = twins.get("/form/")
        assert csrf_cookie(ours) is csrf_cookie(djangos) is None
        assert other_headers(ours) == other_headers(djangos)
    assert twins.ours.session.get(csrf.CSRF_SESSION_KEY)
    assert middleware._csrf_cookie_sent_at == {}


@override_settings(ROOT_URLCONF=URLS)
def test_the_token_checks_are_djangos():
    # given: a cookie sent, then held back on the next page
    browser = Client(enforce_csrf_checks=True)
    browser.get("/form/")
    assert csrf_cookie(browser.get("/form/")) is None
    secret = browser.cookies[NAME].value

    # then: a POST with a token of that secret passes, one with another secret's is refused
    token = csrf._mask_cipher_secret(secret)
    assert browser.post("/post/", {"csrfmiddlewaretoken": token}).status_code == 200
    other = csrf._mask_cipher_secret(csrf._get_new_csrf_string())
    assert browser.post("/post/", {"csrfmiddlewaretoken": other}).status_code == 403
    assert browser.post("/post/").status_code == 403


@override_settings(ROOT_URLCONF=URLS)
def test_what_the_process_keeps_is_bounded(monkeypatch):
    monkeypatch.setattr(middleware, "CSRF_COOKIES_KEPT", 5)
    for _ in range(12):
        Client().get("/form/")  # a new browser each time: a new cookie
        assert len(middleware._csrf_cookie_sent_at) <= 5


@pytest.mark.django_db
def test_a_learners_pages_hold_the_cookie_back_and_a_log_in_sends_a_new_one():
    # given: a learner signing in (allauth's log-in rotates the secret)
    learner = UserFactory()
    browser = Client()
    browser.get(reverse("account_login"))
    before = browser.cookies[NAME].value
    signed_in = browser.post(
        reverse("account_login"), {"login": learner.email, "password": DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert csrf_cookie(signed_in)["value"] != before

    # when: the dashboard (a page with forms), twice
    first = browser.get(reverse("roadmap:dashboard"))
    second = browser.get(reverse("roadmap:dashboard"))

    # then: the new cookie is held back (it was sent with the log-in), Vary is as Django's
    assert first.status_code == second.status_code == 200
    assert csrf_cookie(first) is None and csrf_cookie(second) is None
    assert "Cookie" in second["Vary"]
    assert 'name="csrfmiddlewaretoken"' in second.content.decode()
