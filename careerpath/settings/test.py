"""Test settings: PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set, else SQLite + files."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, VAR_DIR, env

DEBUG = False
REMINDERS_STRICT_LAYOUTS = True
SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-django-checks-0123456789"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A Celery worker process started by a test writes its mail where the test can read it.
if env("TEST_MAIL_DIR", default=""):
    EMAIL_BACKEND = "tests.mail_backend.UniqueFileEmailBackend"
    EMAIL_FILE_PATH = env("TEST_MAIL_DIR")
SITE_URL = "http://testserver"

# A file, not memory, so a Celery worker process started by a test sees the same test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": env("TEST_SQLITE_PATH", default=str(VAR_DIR / "test.sqlite3"))
    }
DATABASES["default"]["CONN_MAX_AGE"] = 0

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collectstatic before a test run: whitenoise serves static/ directly, as runserver would.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# A queue of this test run's own: a developer's running worker never takes test messages, and the
# worker processes a test starts are given the same name.
CELERY_TASK_DEFAULT_QUEUE = env(
    "CELERY_TASK_DEFAULT_QUEUE", default=f"careerpath-test-{os.getpid()}"
)

# Without Redis, a file cache of this test run's own (shared with the worker processes it starts).
if not REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("TEST_CACHE_DIR", default=str(VAR_DIR / f"test-cache-{os.getpid()}")),
        }
    }
