"""Exactly once through a real Celery worker process on the real broker: fan-out, duplicates,
and a worker killed mid-batch."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import DigestFrequency, User
from certifications.models import LearnerCertification
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import dispatch as reminder_dispatch
from reminders.tasks import _queue_batch, dispatch_reminders, send_reminder_batch
from roadmap.models import Enrollment
from tests.celery_worker import broker_is_redis, wait_for
from tests.certifications.factories import CertificationFactory
from tests.roadmap.factories import build_roadmap

pytestmark = pytest.mark.worker

LEARNERS = 200
EXPIRY_LEARNERS = 60
VISIBILITY_TIMEOUT = 5


def due_learners(n: int) -> list[User]:
    """n verified learners enrolled on one path, due a daily digest whatever the time (hour 0)."""
    path = build_roadmap(steps=2, milestones_per_step=3)
    users = User.objects.bulk_create(
        User(
            email=f"fanout{i}@example.com",
            display_name=f"Learner {i}",
            digest_frequency=DigestFrequency.DAILY,
            digest_hour=0,
            nudges_enabled=False,
        )
        for i in range(n)
    )
    users = list(User.objects.filter(email__startswith="fanout").order_by("pk"))
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users
    )
    Enrollment.objects.bulk_create(Enrollment(learner=u, path=path) for u in users)
    return users


def sent_count() -> int:
    return ReminderDelivery.objects.filter(status=DeliveryStatus.SENT).count()


def mails_by_recipient(*workers) -> Counter:
    # All workers of a test share one mail dir; read it once.
    return Counter(m["To"] for m in workers[0].sent_messages())


def succeeded(workers, task_name: str) -> int:
    """How many runs of the task the workers' logs report as finished."""
    return sum(
        1
        for w in workers
        for line in w.log().splitlines()
        if f"Task {task_name}[" in line and " succeeded in " in line
    )


def test_two_hundred_learners_get_exactly_one_digest_each(start_worker):
    # given: 200 learners due now, and two worker processes consuming the queue
    learners = due_learners(LEARNERS)
    # One pool process per worker: their mail files then never share a name.
    workers = [start_worker(concurrency=1), start_worker(concurrency=1)]

    # when: beat fires the dispatcher twice by mistake, and while the batch is being sent the
    # same batch is delivered twice more (as a redelivered message would be)
    dispatch_reminders.delay()
    dispatch_reminders.delay()
    ids = wait_for(lambda: list(ReminderDelivery.objects.values_list("pk", flat=True)), timeout=60)
    send_reminder_batch.delay(ids)
    send_reminder_batch.delay(ids)
    wait_for(lambda: sent_count() == LEARNERS, timeout=90)
    wait_for(lambda: succeeded(workers, "reminders.tasks.send_reminder_batch") >= 3, timeout=60)
    wait_for(lambda: succeeded(workers, "reminders.tasks.dispatch_reminders") >= 2, timeout=60)

    # then: one delivery row and one email per learner, no more
    assert ReminderDelivery.objects.count() == LEARNERS
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
    mails = mails_by_recipient(*workers)
    assert mails == Counter({learner.email: 1 for learner in learners}), workers[0].log()
    message_ids = [m["Message-ID"] for m in workers[0].sent_messages()]
    assert len(set(message_ids)) == LEARNERS
    assert all(
        m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        for m in workers[0].sent_messages()
    )

    # when: the dispatcher runs again later the same day
    dispatch_reminders.delay()
    wait_for(lambda: succeeded(workers, "reminders.tasks.dispatch_reminders") >= 3, timeout=60)
    time.sleep(1)

    # then: nothing new
    assert ReminderDelivery.objects.count() == LEARNERS
    assert sum(mails_by_recipient(*workers).values()) == LEARNERS


def test_expiry_notices_go_out_once_each_through_real_workers(start_worker):
    # given: 60 learners (not enrolled: no digest) whose PMP expires in 30 days by the workers'
    # own clock, with reminders from 0:00 so the hour has come; and two worker processes
    today = timezone.localdate(timezone.now(), dt.UTC)
    users = User.objects.bulk_create(
        User(email=f"expiry{i}@example.com", digest_hour=0) for i in range(EXPIRY_LEARNERS)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users
    )
    certification = CertificationFactory(abbreviation="PMP", validity_months=36)
    LearnerCertification.objects.bulk_create(
        LearnerCertification(
            learner=u,
            certification=certification,
            status="earned",
            earned_on=today - dt.timedelta(days=1000),
            expires_on_override=today + dt.timedelta(days=30),
        )
        for u in users
    )
    workers = [start_worker(concurrency=1), start_worker(concurrency=1)]

    # when: beat fires twice, and the batch is delivered twice more
    dispatch_reminders.delay()
    dispatch_reminders.delay()
    ids = wait_for(lambda: list(ReminderDelivery.objects.values_list("pk", flat=True)), timeout=60)
    send_reminder_batch.delay(ids)
    send_reminder_batch.delay(ids)
    wait_for(lambda: sent_count() == EXPIRY_LEARNERS, timeout=90)
    wait_for(lambda: succeeded(workers, "reminders.tasks.send_reminder_batch") >= 3, timeout=60)
    wait_for(lambda: succeeded(workers, "reminders.tasks.dispatch_reminders") >= 2, timeout=60)

    # then: one notice per learner, each saying when
    assert ReminderDelivery.objects.count() == EXPIRY_LEARNERS
    assert set(ReminderDelivery.objects.values_list("kind", "status")) == {("cert_expiry", "sent")}
    assert mails_by_recipient(*workers) == Counter({u.email: 1 for u in users}), workers[0].log()
    expires = today + dt.timedelta(days=30)
    subjects = {m["Subject"] for m in workers[0].sent_messages()}
    assert subjects == {f"Your PMP expires in 30 days ({expires.day} {expires:%B %Y})"}


@pytest.mark.skipif(
    not broker_is_redis(),
    reason="needs Redis: the filesystem transport never redelivers a killed worker's message",
)
def test_a_worker_killed_mid_batch_neither_duplicates_nor_loses_a_digest(start_worker):
    # given: 200 claimed digests queued as four batches of 50, and a worker that unacked messages
    # come back from after 5 seconds
    learners = due_learners(LEARNERS)
    summary = reminder_dispatch.reminders_dispatch(
        now=timezone.now(), deliver=_queue_batch, page_size=LEARNERS // 4
    )
    assert (summary.count("digest"), summary.batches) == (LEARNERS, 4)
    first = start_worker(concurrency=1, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    wait_for(lambda: sent_count() >= 10, timeout=60)

    # when: the worker is SIGKILLed mid-batch. To kill it between two emails (not in the
    # millisecond between an accepted email and its commit, which no design can close), the
    # test holds the unsent rows' locks so the worker waits at its next claim, then kills it.
    with transaction.atomic():
        ReminderDelivery.objects.filter(status=DeliveryStatus.CLAIMED).update(
            attempts=F("attempts")
        )
        stable = _wait_until_stable(lambda: sum(mails_by_recipient(first).values()))
        first.kill()
    sent_before_kill = sent_count()
    assert 0 < sent_before_kill < LEARNERS
    assert stable == sent_before_kill
    # A consumer scans for unacked messages when it starts and then only every ~100 s (kombu's
    # restore interval x throttle): start the next one once the killed batch is overdue.
    time.sleep(VISIBILITY_TIMEOUT + 1)
    second = start_worker(concurrency=1, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))

    # then: the second worker sends the rest, including the killed worker's redelivered batch
    wait_for(lambda: sent_count() == LEARNERS, timeout=120)
    time.sleep(1)
    mails = mails_by_recipient(first, second)
    assert mails == Counter({learner.email: 1 for learner in learners}), second.log()
    assert not ReminderDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def _wait_until_stable(read, quiet: float = 1.0, timeout: float = 4.0) -> int:
    """The value once it has not changed for `quiet` seconds (the worker is blocked)."""
    deadline = time.monotonic() + timeout
    value, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        current = read()
        if current != value:
            value, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return value
