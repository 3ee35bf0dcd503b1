"""The CSRF token a page prints (core/csrf.py): Django's token, masked from one read of random
bytes, accepted by Django's own middleware."""

import re
from collections import Counter

import pytest
from django.http import HttpResponse
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CsrfViewMiddleware,
    _unmask_cipher_token,
    get_token,
)
from django.test import Client, RequestFactory
from django.urls import reverse

from core.csrf import masked_token
from tests.roadmap.factories import build_roadmap, enrolled_learner

SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"
OTHER_SECRET = "0123456789" * 3 + "xy"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HTMX_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _with_cookie(secret: str | None, method: str = "get", **data):
    """A request as CsrfViewMiddleware leaves it before the view: the cookie's secret read."""
    factory = RequestFactory()
    if secret is not None:
        factory.cookies["csrftoken"] = secret
    request = getattr(factory, method)("/somewhere/", data)
    middleware = CsrfViewMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    return request, middleware


@pytest.mark.parametrize("secret", [SECRET, OTHER_SECRET])
def test_the_token_unmasks_to_the_requests_secret_and_the_middleware_accepts_it(secret):
    # given
    request, _ = _with_cookie(secret)

    # when
    token = masked_token(request)

    # then: Django's own unmasking gives the secret back, and a POST carrying it passes
    assert _unmask_cipher_token(token) == secret
    post, middleware = _with_cookie(secret, "post", csrfmiddlewaretoken=token)
    assert middleware.process_view(post, lambda request: None, (), {}) is None
    # and the same token against another cookie is refused
    other = OTHER_SECRET if secret == SECRET else SECRET
    post, middleware = _with_cookie(other, "post", csrfmiddlewaretoken=token)
    assert middleware.process_view(post, lambda request: None, (), {}).status_code == 403


@pytest.mark.parametrize("secret", [SECRET, None])
def test_the_cookie_is_renewed_or_made_as_get_token_does(secret):
    # given: two like requests, with the cookie or without
    ours, _ = _with_cookie(secret)
    djangos, _ = _with_cookie(secret)

    # when
    token = masked_token(ours)
    get_token(djangos)

    # then: the same marks for the middleware's response; a new secret when there was none
    assert {k for k in ours.META if k.startswith("CSRF")} == {
        k for k in djangos.META if k.startswith("CSRF")
    }
    assert ours.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert _unmask_cipher_token(token) == ours.META["CSRF_COOKIE"]
    if secret is None:
        assert ours.META["CSRF_COOKIE"] != djangos.META["CSRF_COOKIE"]


def test_each_token_is_masked_afresh_with_every_character_equally_likely():
    # given
    request, _ = _with_cookie(SECRET)

    # when
    tokens = [masked_token(request) for _ in range(20_000)]

    # then: 64 allowed characters, never the same mask twice, and each of the 62 characters
    # about 1/62 of the masks' (taking a byte modulo 62 without dropping the bytes above 247
    # would make the first eight a quarter likelier: 5/256 against 4/256)
    assert {len(token) for token in tokens} == {64}
    assert set("".join(tokens)) <= set(CSRF_ALLOWED_CHARS)
    assert len({token[:32] for token in tokens}) == len(tokens)
    counts = Counter("".join(token[:32] for token in tokens))
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 20_000 * 32 / len(CSRF_ALLOWED_CHARS)  # about 10,300; 3.5 sigma is about 350
    assert max(counts.values()) < expected * 1.06
    assert min(counts.values()) > expected * 0.94


@pytest.mark.django_db
def test_a_jinja2_page_rendered_afresh_prints_one_working_token(settings):
    # given: a learner's dashboard rendered afresh (Jinja2), with a client that checks CSRF
    settings.DASHBOARD_CACHE_SECONDS = 0
    learner = enrolled_learner(build_roadmap(steps=1, milestones_per_step=2))
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    # when
    html = client.get(reverse("roadmap:dashboard")).content.decode()

    # then: htmx's header and every form carry the same token, and the log-out form works
    tokens = set(CSRF_INPUT.findall(html)) | set(HTMX_HEADER.findall(html))
    assert len(tokens) == 1
    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code == 302
    assert client.get(reverse("roadmap:dashboard")).status_code == 302  # logged out
