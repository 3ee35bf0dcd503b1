"""Signing up with an address that has an account costs what a new sign-up costs, so the answer's
timing does not tell whether an address is registered (the page and the mail already do not)."""

from __future__ import annotations

import statistics
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TRIES = 15
PASSWORD = "a-long-enough-passphrase-2026"


def sign_up_seconds(email: str) -> float:
    client = Client()
    started = time.perf_counter()
    response = client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    took = time.perf_counter() - started
    # the same answer either way
    assert response.status_code == 302, response.content[:500]
    assert response.url == reverse("account_email_verification_sent")
    return took


def test_an_address_with_an_account_costs_what_a_new_one_costs():
    # given: registered addresses, and new ones
    taken = [UserFactory().email for _ in range(TRIES)]

    # The production hasher (settings/test.py uses MD5 for speed): hashing is most of the cost.
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
        ACCOUNT_RATE_LIMITS={"signup": "1000/m/ip"},
    ):
        sign_up_seconds("warm-up@example.com")

        # when: each is signed up, alternately
        new_times, taken_times = [], []
        for n, email in enumerate(taken):
            new_times.append(sign_up_seconds(f"new{n}@example.com"))
            taken_times.append(sign_up_seconds(email))

    # then: the medians are within a factor of two of each other
    new, existing = statistics.median(new_times), statistics.median(taken_times)
    assert 0.5 < existing / new < 2, f"new {new * 1000:.0f} ms, existing {existing * 1000:.0f} ms"
