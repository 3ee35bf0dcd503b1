"""A real `celery worker` process for tests: same broker as the app, the test database, a mail dir.

Not eager mode: the task goes through the broker and runs in another process, as in production.
Each worker listens on its own queue, so a developer's running worker never takes test messages.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from careerpath.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_test_db() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail with the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


class WorkerProcess:
    def __init__(self, *, queue: str, mail_dir: Path, log_path: Path, extra_env: dict[str, str]):
        self.queue = queue
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.extra_env = extra_env
        self.process: subprocess.Popen | None = None

    def start(self, concurrency: int = 2) -> WorkerProcess:
        env = os.environ.copy()
        env.update(
            DJANGO_SETTINGS_MODULE="careerpath.settings.test",
            DATABASE_URL=database_url_for_test_db(),
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            TEST_CACHE_DIR=str(settings.CACHES["default"]["LOCATION"]),
            TEST_MAIL_DIR=str(self.mail_dir),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "careerpath",
                "worker",
                "-Q",
                self.queue,
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
                "-n",
                f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() takes the pool with it
        )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its pool children: a crash, not a shutdown."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def sent_messages(self) -> list[Message]:
        """Every email the worker wrote with Django's file backend (one file per connection)."""
        messages: list[Message] = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(message_from_bytes(chunk.strip(b"\n")))
        return messages


@pytest.fixture
def celery_queue():
    """This test run's queue (see settings/test.py), emptied so no earlier test's message leaks."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_declare(queue=queue, durable=True, auto_delete=False)
        channel.queue_purge(queue)
    return queue


@pytest.fixture
def start_worker(transactional_db, celery_queue, tmp_path):
    """Factory: start_worker(**env) -> a started WorkerProcess; every one is stopped at the end."""
    workers: list[WorkerProcess] = []
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    def start(concurrency: int = 2, **extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(
            queue=celery_queue,
            mail_dir=mail_dir,
            log_path=tmp_path / f"worker-{len(workers)}.log",
            extra_env=extra_env,
        )
        workers.append(worker.start(concurrency=concurrency))
        return worker

    yield start
    for worker in workers:
        worker.stop()


def broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis")
