"""Settings: production refuses to start half-configured, passes Django's deploy checklist, and
every response carries the security headers."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRINT_SECURITY_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    name: getattr(settings, name)
    for name in [
        "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "SESSION_ENGINE", "STORAGES",
        "ACCOUNT_RATE_LIMITS",
    ]
}))
"""


def production_env(**overrides: str) -> dict[str, str]:
    """The test's environment (its DATABASE_URL / REDIS_URL, if any) with production settings.

    Variables that production derives when unset are removed, so the defaults are what is tested.
    """
    derived = {"CSRF_TRUSTED_ORIGINS", "SITE_URL", "ACCOUNT_RATE_LIMITS"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_")) and k not in derived
    }
    env.update(
        DJANGO_SETTINGS_MODULE="careerpath.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="careerpath.example.com",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    # given: production settings with one required variable empty
    env = production_env(**{missing: ""})

    # when
    result = run(["-c", "import careerpath.settings.production"], env)

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set {missing}" in result.stderr


def test_production_passes_the_deploy_checklist():
    # when
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_on_https_only_cookies_and_hsts():
    # when
    result = run(
        ["-c", "import django; django.setup()\n" + PRINT_SECURITY_SETTINGS], production_env()
    )

    # then
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    # derived from the host when not set: forms post over https, emails link to https
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://careerpath.example.com"]
    assert values["SITE_URL"] == "https://careerpath.example.com"
    assert values["SESSION_ENGINE"] == "accounts.sessions"  # cached_db, user read along
    assert values["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_rate_limits_can_be_tuned_from_the_environment():
    # given: two actions, one of them with two rates
    env = production_env(ACCOUNT_RATE_LIMITS="login_failed=10/m/ip,3/300s/key;signup=5/m/ip")

    # when
    result = run(["-c", "import django; django.setup()\n" + PRINT_SECURITY_SETTINGS], env)

    # then
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ACCOUNT_RATE_LIMITS"] == {
        "login_failed": "10/m/ip,3/300s/key",
        "signup": "5/m/ip",
    }


@pytest.mark.django_db
def test_every_response_sends_the_security_headers(client):
    # when
    response = client.get("/")

    # then
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp
    assert "style-src 'self';" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_error_pages_send_the_headers_too(client):
    # when
    response = client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    assert "Content-Security-Policy" in response.headers
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["filemail:///var/mail/careerpath", "filemail:////var/mail/careerpath"],
)
def test_a_filemail_url_names_an_absolute_folder(url):
    # given: the documented form (three slashes, as in file:///) and django-environ's own (four)
    env = production_env(EMAIL_URL=url)

    # when
    script = "import django; django.setup()\nfrom django.conf import settings\n"
    script += "print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)"
    result = run(["-c", script], env)

    # then: both write to /var/mail/careerpath, not to var/mail/careerpath under the cwd
    assert result.returncode == 0, result.stderr
    backend, path = result.stdout.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == "/var/mail/careerpath"
