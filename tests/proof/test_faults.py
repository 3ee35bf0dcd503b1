"""Faults: Redis stopped or unreachable, and the database restarted under a running app.

- Redis is the cache, the session copy and the broker. Stopped, pages still render and sign-in
  still works (core.cache degrades to no cache; sessions live in the database), and
  reminders claimed while it was down, or queued and then lost with it, go out once it is back:
  a later beat run re-queues claims left unsent for 30 minutes (reminders.services.dispatch).
- The database "restart" is a TCP proxy in front of PostgreSQL that drops every connection and
  refuses new ones for a while (tests/proof/faults.py): the app answers errors during the
  outage and recovers without a restart (CONN_HEALTH_CHECKS).

Each test starts its own redis-server or proxy; the shared servers are never stopped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zoneinfo
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import DigestFrequency, User
from bench.load.kit import Browser
from reminders.models import DeliveryStatus, ReminderDelivery
from roadmap.models import Enrollment, MilestoneProgress
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.celery_worker import ROOT, WorkerProcess, database_url_for_test_db, wait_for
from tests.proof.faults import REDIS_SERVER, RedisServer, TcpProxy
from tests.proof.live import production_learner
from tests.roadmap.factories import EnrollmentFactory, build_roadmap, path_milestones

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server (apt-get install redis)"),
]

needs_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="a database restart needs a database server (PostgreSQL); SQLite has none",
)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "redis.log").start()
    yield server
    server.stop()


def learner_on_a_path():
    path = build_roadmap(steps=1, milestones_per_step=3, slug="faults")
    learner = production_learner()
    EnrollmentFactory(learner=learner, path=path)
    return learner, path_milestones(path)


# --- Redis stopped ------------------------------------------------------------------------------


def test_pages_and_sign_in_work_while_redis_is_stopped(live_app, own_redis):
    # given: the app on its own Redis (cache, sessions' copy, broker); a learner logged in
    learner, milestones = learner_on_a_path()
    other = production_learner()
    app = live_app(REDIS_URL=own_redis.url())
    browser = Browser(app.base_url)
    assert browser.log_in(learner.email, DEFAULT_PASSWORD).status == 302
    assert browser.get(reverse("roadmap:dashboard")).status == 200

    # when: Redis stops
    own_redis.stop()

    # then: the learner stays logged in and every page renders
    assert Browser(app.base_url).get("/").status == 200
    for page in (reverse("roadmap:dashboard"), milestones[0].get_absolute_url(), "/paths/"):
        response = browser.get(page)
        assert response.status == 200, (page, response.status)
        assert b"Log out" in response.body, page
    # a change is saved
    response = browser.post(milestones[0].get_absolute_url() + "status/", {"status": "done"})
    assert response.status == 302
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestones[0]).status == "done"
    # the health check reports the cache but keeps the process in rotation
    health = browser.get(reverse("health"))
    assert health.status == 200 and json.loads(health.body)["cache"].startswith("error")
    # someone else signs in (rate limits read an empty history and let them through)
    newcomer = Browser(app.base_url)
    response = newcomer.log_in(other.email, DEFAULT_PASSWORD)
    assert response.status == 302 and response.header("Location") == reverse("roadmap:dashboard")
    assert newcomer.get(reverse("roadmap:dashboard")).status == 200
    # and logging out works
    assert browser.post(reverse("account_logout")).status == 302

    # when: Redis is back (empty: it keeps nothing on disk)
    own_redis.start()
    wait_for(lambda: json.loads(browser.get(reverse("health")).body)["cache"] == "ok", 10)

    # then: the one who logged out is logged out, the newcomer is still in
    response = browser.get(reverse("roadmap:dashboard"))
    assert response.status == 302 and response.header("Location").startswith("/accounts/login/")
    assert newcomer.get(reverse("roadmap:dashboard")).status == 200
    assert "Traceback" not in app.log()


@pytest.mark.parametrize(
    ("copy_seconds", "comes_back"), [(2, False), (3600, True)], ids=["bounded", "control"]
)
def test_a_log_out_during_a_network_split_stays_logged_out(
    live_app, own_redis, copy_seconds, comes_back
):
    """Redis unreachable but keeping its data (CLIENT PAUSE) while the learner logs out: the
    session row goes, the stale copy in Redis cannot be deleted. The copy's lifetime is capped
    (SESSION_CACHE_SECONDS, 60 in production) so it cannot bring the session back after the
    split; the control shows what an uncapped copy would do."""
    # given: a learner logged in, their session copied to Redis
    learner, _milestones = learner_on_a_path()
    app = live_app(REDIS_URL=own_redis.url(), SESSION_CACHE_SECONDS=str(copy_seconds))
    browser = Browser(app.base_url)
    assert browser.log_in(learner.email, DEFAULT_PASSWORD).status == 302
    assert browser.get(reverse("roadmap:dashboard")).status == 200
    cookie = dict(browser.cookies)

    # when: Redis stops answering for a few seconds, and the learner logs out meanwhile
    own_redis.pause(4)
    assert browser.post(reverse("account_logout")).status == 302
    time.sleep(max(0.0, 4.5 - 1.0))
    wait_for(lambda: json.loads(browser.get(reverse("health")).body)["cache"] == "ok", 10)

    # then: the old session cookie is worth nothing (unless the copy outlives the split)
    thief = Browser(app.base_url)
    thief.cookies = cookie
    response = thief.get(reverse("roadmap:dashboard"))
    assert (response.status == 200) is comes_back, response.status


# --- Reminders with the broker down -------------------------------------------------------------


def due_learners(n: int) -> list[User]:
    """n learners due a daily digest now (hour 0) in a zone where 31 minutes from now is still
    the same local day, so a later dispatcher run looks for the same digest."""
    now = timezone.now()
    zone = next(
        z
        for z in ("UTC", "Asia/Tokyo", "America/New_York", "Asia/Kolkata", "Pacific/Auckland")
        if 1 <= now.astimezone(zoneinfo.ZoneInfo(z)).hour <= 22
    )
    path = build_roadmap(steps=1, milestones_per_step=2, slug="digest")
    users = [
        User.objects.create(
            email=f"due{i}@example.com",
            timezone=zone,
            digest_frequency=DigestFrequency.DAILY,
            digest_hour=0,
            nudges_enabled=False,
        )
        for i in range(n)
    ]
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users
    )
    Enrollment.objects.bulk_create(Enrollment(learner=u, path=path) for u in users)
    return users


def dispatch(broker: str, *, minutes_later: float = 0) -> dict:
    """One run of the beat dispatcher's task, in a process of its own on `broker`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careerpath.settings.test",
        "DATABASE_URL": database_url_for_test_db(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.proof.dispatch_once", str(minutes_later)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def worker_on(transactional_db, tmp_path):
    """Factory: a real Celery worker on the given broker, writing its mail to tmp_path/mail."""
    workers: list[WorkerProcess] = []
    (tmp_path / "mail").mkdir()

    def start(broker: str) -> WorkerProcess:
        worker = WorkerProcess(
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
            mail_dir=tmp_path / "mail",
            log_path=tmp_path / f"worker-{len(workers)}.log",
            extra_env={"CELERY_BROKER_URL": broker},
        )
        workers.append(worker.start(concurrency=1))
        return worker

    yield start
    for worker in workers:
        worker.stop()


def sent() -> int:
    return ReminderDelivery.objects.filter(status=DeliveryStatus.SENT).count()


def test_reminders_claimed_while_the_broker_is_down_go_out_once_it_is_back(
    transactional_db, own_redis, worker_on
):
    # given: learners due a digest, and the broker down when the dispatcher runs
    learners = due_learners(3)
    own_redis.stop()

    # when: the dispatcher claims their digests but cannot queue the batch
    first = dispatch(own_redis.url())

    # then: the claims are kept, nothing is sent
    assert first["state"] == "FAILURE" and "OperationalError" in first["result"], first
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.CLAIMED).count() == 3

    # when: Redis is back, a worker runs, and beat's next runs come (15 and 30 minutes later)
    own_redis.start()
    worker = worker_on(own_redis.url())
    dispatch(own_redis.url(), minutes_later=15)
    time.sleep(2)
    assert sent() == 0  # a claim younger than 30 minutes may still be in a queue: left alone
    dispatch(own_redis.url(), minutes_later=31)

    # then: each digest goes out, once
    wait_for(lambda: sent() == 3, timeout=60)
    time.sleep(1)
    assert Counter(m["To"] for m in worker.sent_messages()) == Counter(
        {u.email: 1 for u in learners}
    )
    assert ReminderDelivery.objects.count() == 3


def test_reminders_queued_then_lost_with_a_redis_restart_go_out_once(
    transactional_db, own_redis, worker_on
):
    # given: learners due a digest; the dispatcher queues the batch, no worker is running
    learners = due_learners(2)
    assert dispatch(own_redis.url())["state"] == "SUCCESS"

    # when: Redis restarts before a worker took the message (it keeps nothing on disk)
    own_redis.stop()
    own_redis.start()
    worker = worker_on(own_redis.url())
    time.sleep(3)
    assert sent() == 0

    # and beat's run half an hour later
    dispatch(own_redis.url(), minutes_later=31)

    # then
    wait_for(lambda: sent() == 2, timeout=60)
    time.sleep(1)
    assert Counter(m["To"] for m in worker.sent_messages()) == Counter(
        {u.email: 1 for u in learners}
    )


# --- The database restarted ---------------------------------------------------------------------


@needs_postgresql
def test_the_app_recovers_from_a_database_restart_without_a_restart(live_app):
    # given: the app reaching PostgreSQL through a proxy, a learner logged in, and every
    # worker holding a database connection (CONN_MAX_AGE keeps them between requests)
    learner, milestones = learner_on_a_path()
    db = urlsplit(database_url_for_test_db())
    proxy = TcpProxy(db.hostname, db.port or 5432).start()
    through_proxy = urlunsplit(db._replace(netloc=f"{db.username}@127.0.0.1:{proxy.port}"))
    app = live_app(database=through_proxy, workers=2)
    browser = Browser(app.base_url)
    assert browser.log_in(learner.email, DEFAULT_PASSWORD).status == 302
    for _ in range(10):
        assert browser.get(reverse("roadmap:dashboard")).status == 200
    try:
        # when: the database goes away: connections dropped, new ones refused
        proxy.cut()

        # then: the app answers (errors, not hangs), and says why on /health/ (asked as a
        # load balancer asks, without a session)
        during = [Browser(app.base_url).get(reverse("health")) for _ in range(4)]
        assert {r.status for r in during} == {503}
        assert all(json.loads(r.body)["database"].startswith("error") for r in during)
        assert browser.get(reverse("roadmap:dashboard")).status == 500

        # when: it is back
        time.sleep(1)
        connections_before = proxy.accepted
        proxy.restore()

        # then: every request succeeds at once, through new connections, on every worker
        statuses = Counter(browser.get(reverse("roadmap:dashboard")).status for _ in range(20))
        assert statuses == Counter({200: 20}), statuses
        response = browser.post(milestones[1].get_absolute_url() + "status/", {"status": "done"})
        assert response.status == 302
        progress = MilestoneProgress.objects.get(learner=learner, milestone=milestones[1])
        assert progress.status == "done"
        assert browser.get(reverse("health")).status == 200
        # it did reconnect (before the cut, one worker may have served every request alone)
        assert proxy.accepted > connections_before
    finally:
        proxy.stop()
    assert app.process.poll() is None  # the same gunicorn, never restarted
