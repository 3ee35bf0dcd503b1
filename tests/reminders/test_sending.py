"""Sending a batch: each email once, a failure recorded on its row and retried with backoff,
an interrupted batch keeping exactly what it sent."""

import datetime as dt
import smtplib
import socket

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection

from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import dispatch as reminder_dispatch
from reminders.services import sending
from reminders.tasks import SEND_MAX_RETRIES, send_reminder_batch
from tests.roadmap.factories import build_roadmap
from tests.roadmap.reminder_helpers import learner_on

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)  # Tuesday, 12:00 in London and UTC


@pytest.fixture
def path():
    path = build_roadmap(steps=2, milestones_per_step=3)
    path.title = "AI Project Manager"
    path.save()
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket closes


def test_smtp_failure_is_recorded_retried_with_backoff_and_then_sent(path, settings):
    # given: two claimed digests and an SMTP server that refuses connections
    learners = [learner_on(path, hour=0) for _ in range(2)]
    with time_machine.travel(NOW, tick=False):
        reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    # when: the task runs (eagerly here: the retry chain runs at once, countdowns aside)
    send_reminder_batch.apply(args=[ids])

    # then: both rows failed, every attempt counted, the error kept for the admin
    for delivery in ReminderDelivery.objects.all():
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.attempts == SEND_MAX_RETRIES + 1
        assert "ConnectionRefusedError" in delivery.error
    assert [sending.retry_countdown(n) for n in range(6)] == [60, 120, 240, 480, 960, 1800]
    assert sending.retry_countdown(10) == 1800

    # when: the mail server is back and a retry runs
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_reminder_batch.apply(args=[ids])

    # then: each learner gets exactly one email
    assert sorted(m.to[0] for m in mail.outbox) == sorted(learner.email for learner in learners)
    assert set(ReminderDelivery.objects.values_list("status", "error")) == {("sent", "")}


class _Interrupt(BaseException):
    """Stands in for a worker's soft time limit: not an ordinary send failure."""


class _FlakyBackend(locmem.EmailBackend):
    """Fails (or is interrupted) at the messages to chosen addresses; sends the rest."""

    fail_for: set[str] = set()
    interrupt_at: str = ""

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] == self.interrupt_at:
                raise _Interrupt
            if message.to[0] in self.fail_for:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)  # as in a worker: PostgreSQL's one-round-trip path
def test_a_failed_send_in_a_batch_is_recorded_and_the_others_are_kept(path):
    # given: five claimed digests, the mail server refusing the third address
    learners = [learner_on(path, hour=0) for _ in range(5)]
    with time_machine.travel(NOW, tick=False):
        reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    ids = list(ReminderDelivery.objects.order_by("pk").values_list("pk", flat=True))
    backend = _FlakyBackend()
    backend.fail_for = {learners[2].email}

    # when
    report = sending.reminder_deliveries_send(delivery_ids=ids, now=NOW, mail_connection=backend)

    # then: the third failed with its reason, the others were sent and are recorded as sent
    # (committed: read back on a fresh connection)
    assert (len(report.sent), len(report.failed)) == (4, 1)
    connection.close()
    rows = dict(ReminderDelivery.objects.values_list("learner_id", "status"))
    assert [rows[learner.pk] for learner in learners] == ["sent", "sent", "failed", "sent", "sent"]
    failed = ReminderDelivery.objects.get(status="failed")
    assert "SMTPRecipientsRefused" in failed.error and failed.attempts == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        learner.email for i, learner in enumerate(learners) if i != 2
    )

    # when: the retry, with the mail server accepting it now
    backend.fail_for = set()
    report = sending.reminder_deliveries_send(delivery_ids=ids, now=NOW, mail_connection=backend)

    # then: only the failed one goes out
    assert report.sent == [failed.pk]
    assert len(mail.outbox) == 5
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_batch_interrupted_mid_send_keeps_what_it_sent_and_nothing_else(path):
    # given: five claimed digests, and the worker interrupted (say, its time limit) while
    # sending the fourth
    learners = [learner_on(path, hour=0) for _ in range(5)]
    with time_machine.travel(NOW, tick=False):
        reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    ids = list(ReminderDelivery.objects.order_by("pk").values_list("pk", flat=True))
    backend = _FlakyBackend()
    backend.interrupt_at = learners[3].email

    # when
    with pytest.raises(_Interrupt):
        sending.reminder_deliveries_send(delivery_ids=ids, now=NOW, mail_connection=backend)

    # then: the three sent are recorded as sent, the rest are still to send
    connection.close()
    rows = dict(ReminderDelivery.objects.values_list("learner_id", "status"))
    assert [rows[learner.pk] for learner in learners] == [
        "sent",
        "sent",
        "sent",
        "claimed",
        "claimed",
    ]
    assert len(mail.outbox) == 3

    # when: the batch runs again
    backend.interrupt_at = ""
    sending.reminder_deliveries_send(delivery_ids=ids, now=NOW, mail_connection=backend)

    # then: one email per learner in all
    assert sorted(m.to[0] for m in mail.outbox) == sorted(learner.email for learner in learners)


@pytest.mark.django_db(transaction=True)
def test_a_batch_interrupted_between_two_emails_keeps_the_last_one_sent(path, monkeypatch):
    # given: four claimed digests, and the worker interrupted after sending the second, before
    # it turns to the third
    learners = [learner_on(path, hour=0) for _ in range(4)]
    with time_machine.travel(NOW, tick=False):
        reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    ids = list(ReminderDelivery.objects.order_by("pk").values_list("pk", flat=True))
    render = sending.deliveries_render

    class Interrupting:
        @property
        def subject(self):
            raise _Interrupt

    def render_then_interrupt(*, deliveries, now):
        emails = render(deliveries=deliveries, now=now)
        emails[ids[2]] = Interrupting()
        return emails

    monkeypatch.setattr(sending, "deliveries_render", render_then_interrupt)

    # when
    with pytest.raises(_Interrupt):
        sending.reminder_deliveries_send(delivery_ids=ids, now=NOW)

    # then: both emails sent are recorded as sent (the second's mark committed on the way out)
    connection.close()
    statuses = list(ReminderDelivery.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["sent", "sent", "claimed", "claimed"]
    assert [m.to[0] for m in mail.outbox] == [learners[0].email, learners[1].email]
