"""The deployed app, as production runs it: gunicorn with production settings (careerpath.wsgi,
gunicorn.conf.py) on the test database, reached the way the TLS proxy reaches it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bench.load.kit import Browser
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.proof.live import production_learner

pytestmark = pytest.mark.live

PAGES = ["/", "/paths/", "/certifications/", "/accounts/login/", "/no-such-page/"]


def test_every_page_sends_the_security_headers(live_app):
    # given
    app = live_app()
    browser = Browser(app.base_url)

    for page in PAGES:
        # when
        response = browser.get(page)

        # then
        assert response.status in (200, 404), page
        csp = response.header("Content-Security-Policy")
        assert csp and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, page
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, page
        hsts = response.header("Strict-Transport-Security")
        assert hsts == "max-age=31536000; includeSubDomains; preload", page
        assert response.header("X-Content-Type-Options") == "nosniff", page
        assert response.header("Referrer-Policy") == "same-origin", page
        assert response.header("X-Frame-Options") == "DENY", page
        assert response.header("Cross-Origin-Opener-Policy") == "same-origin", page


def test_plain_http_is_sent_to_https(live_app):
    # given: a request that did not come through the TLS proxy
    app = live_app()
    browser = Browser(app.base_url)

    # when
    response = browser.request("GET", "/paths/", headers={"X-Forwarded-Proto": "http"})

    # then
    assert response.status == 301
    assert response.header("Location") == f"https://127.0.0.1:{app.port}/paths/"


def test_session_and_csrf_cookies_are_secure_http_only_and_same_site(live_app):
    # given: a verified learner
    learner = production_learner()
    app = live_app()
    browser = Browser(app.base_url)

    # when: they log in through the form
    login_page = browser.get(reverse("account_login"))
    response = browser.post(
        reverse("account_login"), {"login": learner.email, "password": DEFAULT_PASSWORD}
    )

    # then
    assert response.status == 302, response.body[:500]
    assert response.header("Location") == reverse("roadmap:dashboard")
    cookies = {c.split("=", 1)[0]: c.lower() for c in response.set_cookies()}
    session = cookies["sessionid"]
    assert "; secure" in session and "; httponly" in session and "samesite=lax" in session
    csrf = next(c.lower() for c in login_page.set_cookies() if c.startswith("csrftoken="))
    assert "; secure" in csrf and "samesite=lax" in csrf
    assert browser.get(reverse("roadmap:dashboard")).status == 200


def test_the_deployed_app_refuses_a_post_without_a_csrf_token(live_app):
    # given: a logged-in learner
    learner = production_learner()
    app = live_app()
    browser = Browser(app.base_url)
    assert browser.log_in(learner.email, DEFAULT_PASSWORD).status == 302

    # when: a form arrives without the token (as from another site)
    response = browser.request(
        "POST", reverse("accounts:settings"), data={"section": "profile", "profile-timezone": "UTC"}
    )

    # then
    assert response.status == 403


def test_the_error_pages_do_not_leak_debug_information(live_app):
    app = live_app()
    response = Browser(app.base_url).get("/no-such-page/")
    assert response.status == 404
    assert b"Traceback" not in response.body and b"DEBUG" not in response.body
