"""Settings shared by every environment, read from the environment (see README "Configuration")."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # local, git-ignored state: SQLite file, broker folder, file cache
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# Absolute base for links in emails sent by Celery, where there is no request to build them from.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# /bench/baseline/, the load benchmark's yardstick page (bench/load/); 404 unless turned on.
BENCH_BASELINE = env.bool("BENCH_BASELINE", default=False)
# Seconds a rendered dashboard is reused while nothing it shows has changed (0: never reused).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# The published roadmap (paths, steps, milestones, courses, resources) is read once per process
# and content version (roadmap/selectors/content_snapshot.py); false, or DEBUG, reads it afresh
# on every page.
CONTENT_SNAPSHOT = env.bool("CONTENT_SNAPSHOT", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "accounts",
    "reminders",
    "roadmap",
    "certifications",
    "portfolio",
    "curation",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here: no CDN, CSP 'self'
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # 405 for methods no page serves (TRACE, PUT, DELETE ...), before any view; not under /api/.
    "core.allowed_methods.AllowedMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the session or the database with what the request carries.
    "core.input_guard.NulCharacterGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, reading no language from the address when no URL is under i18n_patterns.
    "core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Right after it: the CSRF cookie sent again at most once an hour, not on every page.
    "core.middleware.CsrfCookieRenewalMiddleware",
    # Django's, taking the user's cached copy read with the session when there is one.
    "accounts.middleware.AuthenticationMiddleware",
    # Django's, with its storage class imported once; the storage (MESSAGE_STORAGE) made only
    # when a request has messages.
    "core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.LearnerTimezoneMiddleware",
]

# Django's FallbackStorage (cookie, then session), made only when a request has messages.
MESSAGE_STORAGE = "core.middleware.MessageStorage"

ROOT_URLCONF = "careerpath.urls"
WSGI_APPLICATION = "careerpath.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The pages a learner uses most (docs/architecture.md, "Templates"), rendered with
        # using="jinja2"; Django's engine above stays first, for everything else.
        "BACKEND": "core.jinja2.Jinja2",  # Django's, one CSRF mask per page
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "core.jinja2.environment",
            "libraries": ["roadmap.jinja2"],
        },
    },
]

# --- Data ---
# Embedded default: a SQLite file under var/. Production sets DATABASE_URL=postgres://...
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # survive a database restart without a restart
# On PostgreSQL that check looks at the connection's socket and sends SELECT 1 only when the
# server has closed it or said something (core/postgresql/base.py): no round trip per request.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_QUIET_HEALTH_CHECK", default=True
):
    DATABASES["default"]["ENGINE"] = "core.postgresql"
# The hottest small queries are planned once per connection (core/db.py); turn off behind a
# pooler in transaction mode (PgBouncer), which moves transactions between server connections.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

# The cache backs allauth's rate limits, so it must be shared by every web process: Redis when
# configured, otherwise a file cache that runserver, the worker and beat all see.
if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to no cache while Redis is down instead of failing every request.
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "careerpath",
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "TIMEOUT": 300,
        }
    }

# --- Accounts (django-allauth) ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.CachedModelBackend",
    "accounts.backends.CachedAuthenticationBackend",
]
# Signed-in users are read through a copy in the cache this long (accounts/backends.py):
# with Redis, the one query a page served from the cache would otherwise still make. Off with the
# file cache, where a read costs more than SQLite's.
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=60 if REDIS_URL else 0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "roadmap:dashboard"
LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a mail scanner following the link must not confirm it
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Confirming the address logs the learner in, when it happens in the browser session that signed
# up (allauth keeps the pending login there); a link opened elsewhere still asks for the password.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# What next after sign-up: choosing a path to enrol in.
ACCOUNT_SIGNUP_REDIRECT_URL = "roadmap:path_list"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[careerpath] "
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Costs the same for a registered address as for a new one (accounts/signup.py).
ACCOUNT_FORMS = {"signup": "accounts.signup.SignupForm"}
# Tell the learner by email when their password or email address changes: a hijacked account
# is noticed by its owner.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# allauth's default rate limits stay on (login failures, sign-ups, password resets, confirmations);
# this only overrides the named ones. Entries are separated by ";" because one action may have
# several rates separated by ",", e.g. "login_failed=10/m/ip,5/300s/key;signup=20/m/ip".
ACCOUNT_RATE_LIMITS = env.dict("ACCOUNT_RATE_LIMITS", cast={"value": str}, default={})

# --- Email ---
# EMAIL_URL: consolemail:// (default), smtp+tls://user:password@host:587, filemail:///abs/path
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG.get("EMAIL_FILE_PATH"):
    # django-environ drops the leading slash of filemail:///var/mail ("var/mail", relative to
    # each process's working directory) and keeps it only in filemail:////var/mail. A file URL's
    # path is absolute, as in file:///var/mail, so both forms mean /var/mail.
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = "/" + EMAIL_CONFIG["EMAIL_FILE_PATH"].lstrip("/")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="careerpath <no-reply@careerpath.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ---
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic writes the files whitenoise serves.
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security headers every environment sends ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

# --- Celery ---
# Embedded default: kombu's filesystem transport (no server). Production: Redis via REDIS_URL.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_FOLDER = env("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The transport lists the folder at once; it must exist before any process connects.
    Path(CELERY_BROKER_FOLDER).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": CELERY_BROKER_FOLDER,
        "data_folder_out": CELERY_BROKER_FOLDER,
        "processed_folder": CELERY_BROKER_FOLDER + "-processed",
        "store_processed": False,
        # Broadcast (remote control) files; without this kombu writes ./control in the cwd.
        "control_folder": CELERY_BROKER_FOLDER + "-control",
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # An unacked message goes back to the queue after this long, so it must exceed the
        # longest task time limit below, or a slow task would run twice.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
# Results are only needed where something waits for them; nothing in the app does.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="careerpath")
# Ack after the task finished, and requeue if the worker process dies: no reminder is lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With late acks, one message at a time per process, so a dead worker strands no backlog.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A batch of digests takes seconds; anything past five minutes is stuck and is cut off.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The schedule lives here, reviewed like code. Exactly one beat process runs it.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        # Lets /health/ say whether a worker is consuming; cheap and harmless if it runs twice.
        "task": "careerpath.tasks.heartbeat",
        "schedule": 60.0,
    },
    "reminders-dispatch": {
        # On the quarter hour, so a learner's 9:00 (and a :30 or :45 zone's) is met within
        # minutes; a run that finds nothing due costs a few indexed queries. Running twice is
        # harmless: deliveries are claimed once per learner and period.
        "task": "reminders.tasks.dispatch_reminders",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},  # a stale run is dropped; the next one covers it
    },
    "curated-links-check": {
        # Weekly, at night: a broken course or resource link is found within a week.
        "task": "curation.tasks.check_links",
        "schedule": crontab(minute=0, hour=3, day_of_week="mon"),
        "options": {"expires": 24 * 3600},
    },
}
# The weekly link check (curation/services.py): per-request timeout in seconds, requests at a
# time, and the User-Agent that tells site owners who is asking.
LINK_CHECK_TIMEOUT = env.float("LINK_CHECK_TIMEOUT", default=10.0)
LINK_CHECK_CONCURRENCY = env.int("LINK_CHECK_CONCURRENCY", default=8)
LINK_CHECK_USER_AGENT = env(
    "LINK_CHECK_USER_AGENT",
    default="careerpath-link-checker/1.0 (checks the course and resource links its admins curate)",
)
# Reminder templates drawn through precompiled layouts (reminders/services/layouts.py) must
# keep to plain {{ }}, if and for: when on, a template that breaks the rule raises instead of
# quietly rendering the slow way (on under DEBUG and in the tests).
REMINDERS_STRICT_LAYOUTS = env.bool("REMINDERS_STRICT_LAYOUTS", default=DEBUG)
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- JSON API (/api/v1/, api/) ------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so a request without credentials gets 401 with WWW-Authenticate: Bearer.
        "api.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.GuardedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.SessionRateThrottle",
        "api.throttling.AnonymousRateThrottle",
    ],
    # Per access token, per logged-in learner (browser), per IP address without credentials.
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_RATE_TOKEN", default="1000/hour"),
        "session": env("API_RATE_SESSION", default="2000/hour"),
        "anonymous": env("API_RATE_ANONYMOUS", default="100/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "careerpath API",
    "DESCRIPTION": (
        "Your career paths, milestones with progress, certifications and job applications. "
        "Authenticate with a personal access token (Settings → Personal access tokens) sent as "
        "`Authorization: Bearer <token>`, or with your browser session."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to validator.swagger.io: the CSP allows only this site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProgressStatusEnum": "roadmap.models.ProgressStatus",
        "CertificationStatusEnum": "certifications.models.CertStatus",
        "ApplicationStatusEnum": "portfolio.models.ApplicationStatus",
    },
}
