"""Helpers for the tests that talk to the app under gunicorn (fixtures are in conftest.py)."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory


@cache
def production_password_hash() -> str:
    # The test settings hash with MD5 for speed, which production does not accept; one real
    # PBKDF2 hash (a quarter of a second) is made once and shared by every learner.
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(DEFAULT_PASSWORD, hasher.salt())


def production_learner(**fields):
    """A verified learner who can log in to the app running with production settings."""
    learner = UserFactory(**fields)
    learner.password = production_password_hash()
    learner.save(update_fields=["password"])
    return learner
