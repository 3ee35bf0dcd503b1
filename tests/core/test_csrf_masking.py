"""core.middleware.mask_csrf_secret: the CSRF token's mask drawn in one read of the system's random
source, in the place of Django's `_mask_cipher_secret`. The tokens must stay Django's tokens
(length, alphabet, the cipher its check reads) and stay unpredictable: every mask new, each of its
characters uniform over the 62."""

from __future__ import annotations

import re
import string
import sys
from collections import Counter

import pytest
from django.conf import settings
from django.middleware import csrf
from django.test import Client, RequestFactory
from django.urls import reverse

from core.middleware import mask_csrf_secret
from tests.accounts.factories import UserFactory

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_djangos_get_token_masks_with_it_once_middleware_is_loaded():
    # given: MIDDLEWARE names core.middleware (loading it puts the masking in place)
    assert any(path.startswith("core.middleware.") for path in settings.MIDDLEWARE)
    # and Django's CSRF middleware under its own name, which check --deploy looks for
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE

    # then: Django's get_token masks with ours (watched through the calls it makes, so a Django
    # that no longer masks through _mask_cipher_secret fails here)
    assert csrf._mask_cipher_secret is mask_csrf_secret
    called = []

    def watch(frame, event, arg):
        if event == "call":
            called.append(frame.f_code)

    # given: a request whose CSRF cookie the middleware has read (its secret)
    request = RequestFactory().get("/")
    secret = csrf._get_new_csrf_string()
    request.META["CSRF_COOKIE"] = secret
    sys.setprofile(watch)
    try:
        token = csrf.get_token(request)
    finally:
        sys.setprofile(None)
    assert mask_csrf_secret.__code__ in called
    assert csrf._get_new_csrf_string.__code__ not in called  # Django's 32 draws
    assert csrf._unmask_cipher_token(token) == secret


def test_a_token_has_djangos_length_and_alphabet_and_unmasks_to_its_secret():
    for _ in range(2000):
        # given: a secret as Django makes one
        secret = csrf._get_new_csrf_string()

        # when
        token = mask_csrf_secret(secret)

        # then: Django's format, and Django's unmasking gives the secret back
        assert len(token) == csrf.CSRF_TOKEN_LENGTH == 64
        assert set(token) <= set(string.ascii_letters + string.digits)
        csrf._check_token_format(token)  # raises InvalidTokenFormat if not
        assert csrf._unmask_cipher_token(token) == secret
        assert csrf._does_token_match(token, secret)


def test_every_mask_is_new():
    secret = csrf._get_new_csrf_string()
    tokens = [mask_csrf_secret(secret) for _ in range(5000)]
    assert len(set(tokens)) == len(tokens)
    assert len({token[: csrf.CSRF_SECRET_LENGTH] for token in tokens}) == len(tokens)


def chi_square(counts: Counter, categories: str) -> float:
    total = sum(counts.values())
    expected = total / len(categories)
    return sum((counts[c] - expected) ** 2 / expected for c in categories)


def test_mask_characters_are_uniform_over_the_62_at_every_place():
    # given: 4,000 masks of one secret (128,000 characters, about 2,064 of each)
    secret = "a" * csrf.CSRF_SECRET_LENGTH
    masks = [mask_csrf_secret(secret)[: csrf.CSRF_SECRET_LENGTH] for _ in range(4000)]
    chars = csrf.CSRF_ALLOWED_CHARS

    # then: the chi-square statistic (61 degrees of freedom: mean 61, deviation 11) is far from
    # what a bias gives; taking each byte's remainder by 62 without dropping 248-255 favours the
    # first eight characters by a quarter, which reads about 850 here
    overall = chi_square(Counter("".join(masks)), chars)
    assert overall < 140, overall
    # and at each of the 32 places (125 a character: the bound is loose, the place's spread not)
    for place in range(csrf.CSRF_SECRET_LENGTH):
        at_place = Counter(mask[place] for mask in masks)
        assert len(at_place) > 55, place  # about 62 of the 62 show in 4,000 draws
        assert chi_square(at_place, chars) < 160, place


def test_the_cipher_is_uniform_whatever_the_secret():
    # given: two secrets far apart; their tokens' second halves are the secret shifted by the mask
    for secret in ("0" * csrf.CSRF_SECRET_LENGTH, "Z" * csrf.CSRF_SECRET_LENGTH):
        ciphers = "".join(mask_csrf_secret(secret)[csrf.CSRF_SECRET_LENGTH :] for _ in range(2000))
        assert chi_square(Counter(ciphers), csrf.CSRF_ALLOWED_CHARS) < 140


def test_a_secret_outside_the_alphabet_is_refused_as_django_refuses_it():
    with pytest.raises(ValueError):
        mask_csrf_secret("!" * csrf.CSRF_SECRET_LENGTH)


@pytest.mark.django_db
def test_a_pages_token_is_accepted_by_djangos_check_and_a_changed_one_is_not():
    # given: a signed-in learner with a browser that enforces CSRF checks, and a page's token
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    token = CSRF_INPUT.search(client.get(reverse("accounts:settings")).content.decode()).group(1)
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")

    # when / then: a changed token is refused, the page's own one logs out
    refused = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": flipped})
    assert refused.status_code == 403
    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get(reverse("roadmap:dashboard")).status_code == 302  # signed out
