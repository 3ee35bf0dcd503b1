"""Proof tests: the access matrix, form fuzzing, faults (Redis and PostgreSQL outages) and the
deployment checks against a running gunicorn. Markers and the live-app fixture live here."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from bench.load import kit
from tests.celery_worker import database_url_for_test_db

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: stops and starts its own redis-server or cuts a database proxy"
    )
    config.addinivalue_line(
        "markers", "live: starts gunicorn with production settings against the test database"
    )


# --- The app under gunicorn with production settings, on the test database ----------------------


def live_env(static: Path, cache: Path, *, database: str, **extra: str) -> dict[str, str]:
    env = kit.production_env(
        database=database, redis=os.environ.get("REDIS_URL", ""), BENCH_BASELINE="false"
    )
    env.update(
        DJANGO_SETTINGS_MODULE="tests.proof.live_settings",
        PROOF_STATIC_ROOT=str(static),
        PROOF_CACHE_DIR=str(cache),
        # This run's own queue, as the tests' (settings/test.py): nothing leaks elsewhere.
        CELERY_TASK_DEFAULT_QUEUE=django_settings.CELERY_TASK_DEFAULT_QUEUE,
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """collectstatic once per run into a folder of its own (production serves the manifest)."""
    folder = tmp_path_factory.mktemp("static")
    env = live_env(folder, tmp_path_factory.mktemp("cache"), database="sqlite:///unused")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return folder


@pytest.fixture
def live_app(transactional_db, collected_static, tmp_path):
    """Factory: live_app(**env) starts gunicorn (production settings, 2 workers by default) on
    the test database and returns it; every one started is stopped at the end of the test."""
    started: list[kit.Gunicorn] = []

    def start(database: str | None = None, workers: int = 2, **extra: str) -> kit.Gunicorn:
        env = live_env(
            collected_static,
            tmp_path / "cache",
            database=database or database_url_for_test_db(),
            **extra,
        )
        log = tmp_path / f"gunicorn-{len(started)}.log"
        server = kit.Gunicorn(env, log_path=log, workers=workers)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
