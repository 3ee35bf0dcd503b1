"""One learner's data never stops anyone else's reminders: a failure to select, render or send
for one learner fails that one delivery (kept, retried, in the delivery log) and nothing else."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from certifications import reminders as cert_reminders
from certifications.reminders import CERT_EXPIRY
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import dispatch as reminder_dispatch
from reminders.services import registry, sending
from reminders.tasks import SEND_MAX_RETRIES, send_reminder_batch
from roadmap.models import ReminderKind
from tests.certifications.factories import LearnerCertificationFactory, pmp
from tests.roadmap.factories import build_roadmap
from tests.roadmap.reminder_helpers import learner_on, outbox_for

pytestmark = pytest.mark.django_db

EARNED = dt.date(2024, 3, 13)
EXPIRES = dt.date(2027, 3, 12)  # a PMP earned on EARNED: 36 months, last valid day
NOW = dt.datetime.combine(EXPIRES - dt.timedelta(days=30), dt.time(12), dt.UTC)


@pytest.fixture
def path():
    return build_roadmap(steps=2, milestones_per_step=3)


def poison(learner):
    """The row of issue #13: a custom certification valid for 100,000 months, earned."""
    return LearnerCertificationFactory(
        learner=learner,
        certification=None,
        custom_name="Forever",
        status="earned",
        earned_on=EARNED,
        custom_validity_months=100_000,
    )


def with_expiring_pmp(learner):
    return LearnerCertificationFactory(
        learner=learner, certification=pmp(), status="earned", earned_on=EARNED
    )


def dispatch_and_send(capture, now=NOW) -> reminder_dispatch.DispatchSummary:
    def deliver(ids):
        sending.reminder_deliveries_send(delivery_ids=ids, now=now)

    with time_machine.travel(now, tick=False), capture(execute=True):
        return reminder_dispatch.reminders_dispatch(now=now, deliver=deliver)


def claim_only(now=NOW) -> list[int]:
    with time_machine.travel(now, tick=False):
        reminder_dispatch.reminders_dispatch(now=now, deliver=lambda ids: None)
    return list(ReminderDelivery.objects.order_by("pk").values_list("pk", flat=True))


def test_a_batch_with_one_poisoned_learner_sends_everyone_else_exactly_one_email(
    path, django_capture_on_commit_callbacks
):
    # given: four learners due a digest and an expiry notice; the second holds the absurd row
    learners = [learner_on(path, hour=0) for _ in range(4)]
    for learner in learners:
        with_expiring_pmp(learner)
    poison(learners[1])

    # when: the dispatcher claims and sends in-process, as sendreminders does
    summary = dispatch_and_send(django_capture_on_commit_callbacks)

    # then: everyone, the poisoned learner too (the row counts as never expiring), gets one
    # digest and one notice
    assert (summary.count("digest"), summary.count("cert_expiry")) == (4, 4)
    for learner in learners:
        assert len(outbox_for(learner.email, "digest")) == 1
        assert len(outbox_for(learner.email, "cert")) == 1
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_dispatch_with_a_poisoned_learner_still_claims_everyone_elses_notices(path):
    # given: three learners with an expiring PMP, the first also holding the absurd row
    learners = [learner_on(path, hour=0) for _ in range(3)]
    for learner in learners:
        with_expiring_pmp(learner)
    poison(learners[0])

    # when
    claim_only()

    # then
    claimed = set(
        ReminderDelivery.objects.filter(kind=CERT_EXPIRY).values_list("learner_id", flat=True)
    )
    assert claimed == {learner.pk for learner in learners}


def test_a_render_failure_for_one_learner_fails_only_that_delivery_and_is_retried(path):
    # given: five claimed digests and a digest section whose data breaks for one learner
    learners = [learner_on(path, hour=0) for _ in range(5)]
    ids = claim_only()
    broken = learners[2]

    def fragile(batch, now):
        if any(learner.pk == broken.pk for learner in batch):
            raise ValueError("year 10359 is out of range")
        return {}

    registry.digest_section_provider_register(fragile)
    try:
        # when: the batch task runs (eagerly: its retries run at once, countdowns aside)
        send_reminder_batch.apply(args=[ids])
    finally:
        registry.DIGEST_SECTION_PROVIDERS.remove(fragile)

    # then: the four others got exactly one digest each; the broken one none
    for learner in learners:
        assert len(outbox_for(learner.email)) == (0 if learner == broken else 1)
    # and its delivery is failed, with the error for the delivery log, after every retry
    failed = ReminderDelivery.objects.get(learner=broken)
    assert failed.status == DeliveryStatus.FAILED
    assert failed.attempts == SEND_MAX_RETRIES + 1
    assert "ValueError: year 10359 is out of range" in failed.error
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4

    # when: the data is mended and the retry runs again
    report = sending.reminder_deliveries_send(delivery_ids=ids, now=NOW)

    # then: it goes out, once
    assert report.sent == [failed.pk]
    assert len(mail.outbox) == 5


def test_a_failing_kind_does_not_stop_the_dispatch_of_the_others(path, monkeypatch):
    # given: a learner due a digest and a notice, and a kind whose selection crashes midway
    learner = learner_on(path, hour=0)
    with_expiring_pmp(learner)

    def due(*, now, page_size):
        yield [registry.DueReminder(learner_id=learner.pk, kind="broken", period_key="b:1")]
        raise ValueError("year 10359 is out of range")

    source = registry.ReminderKindSpec(
        name="broken", label="Broken", opt_out="nudges", due=due, render=lambda **kwargs: {}
    )
    # (first in the registry, so the others are dispatched after it failed)
    monkeypatch.setattr(registry, "KINDS", {"broken": source, **registry.KINDS})

    # when
    with time_machine.travel(NOW, tick=False):
        summary = reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)

    # then: the page selected before the crash is claimed, every other kind too, and the
    # failure is reported
    kinds = set(ReminderDelivery.objects.values_list("kind", flat=True))
    assert kinds == {"broken", ReminderKind.DIGEST, CERT_EXPIRY}
    assert summary.failed_kinds == ["broken"]


def test_a_tracker_whose_expiry_cannot_be_computed_is_skipped_not_fatal(path, monkeypatch):
    # given: three learners with an expiring PMP; computing the second one's expiry raises
    # (any error a stored row could still cause)
    learners = [learner_on(path, hour=0) for _ in range(3)]
    trackers = [with_expiring_pmp(learner) for learner in learners]
    real = cert_reminders.expiry_notice

    def fragile(tracked, *, today):
        if tracked.pk == trackers[1].pk:
            raise OverflowError("date value out of range")
        return real(tracked, today=today)

    monkeypatch.setattr(cert_reminders, "expiry_notice", fragile)

    # when
    claim_only()

    # then: the others' notices are claimed
    claimed = set(
        ReminderDelivery.objects.filter(kind=CERT_EXPIRY).values_list("learner_id", flat=True)
    )
    assert claimed == {learners[0].pk, learners[2].pk}
