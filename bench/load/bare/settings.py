"""Settings of the bare "fortunes" page: no middleware, no sessions, no auth, one app.

It measures what Django itself costs on this machine (a request, one query, 13 rows sorted in
Python, a small escaped template), so careerpath's pages are read as fractions of it. Served by
gunicorn with the same worker count, started by bench/load/benchmark.py.
"""

import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ["DATABASE_URL"])

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-bare-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.load.bare.app"
WSGI_APPLICATION = "bench.load.bare.app.application"
INSTALLED_APPS = ["bench.load.bare"]
MIDDLEWARE: list[str] = []
USE_TZ = True
USE_I18N = False
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": _db.port or 5432,
        "CONN_MAX_AGE": 60,  # as careerpath's production settings
    }
}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["django.template.loaders.filesystem.Loader"],
                )
            ]
        },
    }
]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
