"""Production: PostgreSQL, Redis, gunicorn + whitenoise behind a TLS-terminating proxy.

Refuses to start without SECRET_KEY and ALLOWED_HOSTS: there are no production secret defaults.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY (50+ random characters) for production.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated host names) for production.")
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS if h != "*"]
)
# Links in reminder emails are built without a request; the first host is the public one unless
# SITE_URL says otherwise (base.py's default points at a developer's machine).
SITE_URL = env("SITE_URL", default=f"https://{ALLOWED_HOSTS[0].lstrip('.')}").rstrip("/")

# TLS ends at the proxy, which says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Sessions in the database, read through a copy in Redis: a cache flush or outage logs nobody out
# (the cache degrades, core/cache.py). The copy lives a minute at most, so a session
# deleted while Redis was unreachable (a log-out during a network split) cannot come back from
# a stale copy for longer than that.
# With the user's cached copy read in the same Redis round trip (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
if CACHES["default"]["BACKEND"] == "core.cache.DegradingRedisCache":
    CACHES["sessions"] = {
        **CACHES["default"],
        "MAX_TIMEOUT": env.int("SESSION_CACHE_SECONDS", default=60),
    }
    SESSION_CACHE_ALIAS = "sessions"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.security.DisallowedHost": {"level": "ERROR"}},
}
