"""The Celery tasks: the beat runs the new names; the names they had in roadmap stay accepted,
so messages queued and schedules written before a deploy still run."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from careerpath.celery import app
from reminders.models import ReminderDelivery
from reminders.services import dispatch
from reminders.tasks import DISPATCH_TASK, LEGACY_NAMES, SEND_TASK
from tests.roadmap.factories import build_roadmap
from tests.roadmap.reminder_helpers import learner_on

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def test_the_beat_runs_a_registered_task():
    task = settings.CELERY_BEAT_SCHEDULE["reminders-dispatch"]["task"]
    assert task == DISPATCH_TASK
    assert task in app.tasks and SEND_TASK in app.tasks


def test_the_first_names_are_still_registered():
    assert set(LEGACY_NAMES) == {
        "roadmap.tasks.dispatch_reminders",
        "roadmap.tasks.send_reminder_batch",
    }
    assert set(LEGACY_NAMES) <= set(app.tasks)


@pytest.mark.django_db
def test_a_batch_queued_under_its_first_name_is_sent():
    # given: two claimed digests and a message in the broker under the old name
    path = build_roadmap(steps=1, milestones_per_step=2)
    learners = [learner_on(path, hour=0) for _ in range(2)]
    with time_machine.travel(NOW, tick=False):
        dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))

    # when: a worker of the new version runs it
    with time_machine.travel(NOW, tick=False):
        result = app.tasks["roadmap.tasks.send_reminder_batch"].apply(args=[ids]).get()

    # then
    assert result == {"sent": 2, "skipped": 0, "failed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(lrn.email for lrn in learners)


@pytest.mark.django_db
def test_a_dispatch_under_its_first_name_claims(django_capture_on_commit_callbacks):
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner_on(path, hour=0)
    with time_machine.travel(NOW, tick=False):
        result = app.tasks["roadmap.tasks.dispatch_reminders"].apply().get()
    assert result["claimed"] == {"digest": 1}
    assert result["failed_kinds"] == []
