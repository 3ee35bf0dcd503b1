"""Local development: the embedded default (SQLite, filesystem broker, file cache, console mail)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Development only: production.py refuses to start without a real SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-not-for-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
