"""Secrets handed to learners (calendar feed addresses, API tokens): made here, kept as hashes."""

import hashlib
import hmac
import secrets

ACCESS_TOKEN_SCHEME = "cpat"


def new_secret() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def fingerprint(secret: str) -> str:
    """What the database keeps instead of the secret: its SHA-256, hex.

    A plain hash is enough because the secret is 256 random bits: there is nothing to guess, so
    a slow password hash would only cost time on every request.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_fingerprint: str) -> bool:
    return hmac.compare_digest(fingerprint(secret), stored_fingerprint)


def new_access_token() -> tuple[str, str]:
    """(prefix, token): the prefix finds the row, the token is what the learner keeps."""
    prefix = secrets.token_hex(4)
    return prefix, f"{ACCESS_TOKEN_SCHEME}_{prefix}_{new_secret()}"


def access_token_prefix(token: str) -> str | None:
    """The prefix of a well-formed token, else None (so a typo never reaches the database)."""
    scheme, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != ACCESS_TOKEN_SCHEME or len(secret) < 40:
        return None
    if len(prefix) != 8 or any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix
