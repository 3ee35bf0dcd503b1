"""The digest and the nudges: what they say, to whom, once; the preview shows the same email."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import DigestFrequency
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import dispatch as reminder_dispatch
from reminders.services import layouts, preview, registry, sending
from roadmap.models import ProgressStatus, ReminderKind
from roadmap.selectors import learner_overview
from roadmap.selectors import reminders as selectors
from tests.roadmap.factories import ProgressEventFactory, build_roadmap
from tests.roadmap.reminder_helpers import learner_on, milestones_of, outbox_for, progress

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)  # Tuesday, 12:00 in London and UTC


@pytest.fixture
def path():
    path = build_roadmap(steps=2, milestones_per_step=3)
    path.title = "AI Project Manager"
    path.save()
    return path


def dispatch_and_send(now=NOW, capture=None) -> reminder_dispatch.DispatchSummary:
    """The command's in-process dispatch: claim, then send each page right away."""

    def deliver(ids):
        sending.reminder_deliveries_send(delivery_ids=ids, now=now)

    with time_machine.travel(now, tick=False), capture(execute=True):
        return reminder_dispatch.reminders_dispatch(now=now, deliver=deliver)


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks):
    return lambda now=NOW: dispatch_and_send(now, django_capture_on_commit_callbacks)


def test_digest_says_what_happened_what_is_late_and_what_is_next(path, dispatch):
    # given: a daily learner; one milestone done yesterday, one overdue, one due in 3 days
    m = milestones_of(path)
    m[2].title = "Learn Scrum basics"
    m[2].save()
    learner = learner_on(path, hour=9, display_name="Ada")
    progress(learner, m[0], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(hours=20))
    progress(learner, m[1], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(days=5))
    progress(learner, m[2], ProgressStatus.NOT_STARTED, target_date=dt.date(2026, 3, 8))
    progress(learner, m[3], target_date=dt.date(2026, 3, 13))
    for days in (0, 1, 2):
        ProgressEventFactory(learner=learner, milestone=m[0], occurred_at=NOW - dt.timedelta(days))

    # when
    dispatch()

    # then: one digest with a specific subject, both parts, links back, unsubscribe headers
    [email] = outbox_for(learner.email, "digest")
    assert email.subject == "1 milestone done since yesterday · 1 overdue: Learn Scrum basics"
    text = email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Hello Ada," in text and "Hello Ada," in html
    assert "You finished 1 milestone since your last digest." in text
    assert "Your streak: 3 days in a row." in text
    assert "Overall: 33% complete" in text  # 2 of 6, from the shared percent rule
    assert "AI Project Manager: 33% (2/6)" in text
    assert " 67%  Step 1" in text and "  0%  Step 2" in text
    assert "Learn Scrum basics (was due Sun 8 Mar)" in text
    assert "Due in the next 7 days:" in text and "(Fri 13 Mar)" in text
    assert f"Your next action: {m[3].title}" in text  # in progress beats not started
    milestone_url = "http://testserver" + m[2].get_absolute_url()
    assert milestone_url in text and f'href="{milestone_url}"' in html
    assert "http://testserver/dashboard/" in text
    unsubscribe = email.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/reminders/unsubscribe/digest/")
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = ReminderDelivery.objects.get(learner=learner, kind=ReminderKind.DIGEST)
    assert email.extra_headers["Message-ID"] == f"<reminder-{delivery.pk}@testserver>"
    assert (delivery.kind, delivery.period_key) == ("digest", "digest:daily:2026-03-10")
    assert (delivery.status, delivery.attempts, delivery.subject) == ("sent", 1, email.subject)
    assert 'style="' not in html  # the preview page shows it under the strict CSP


def test_weekly_digest_counts_since_the_previous_digest(path, dispatch):
    # given: a weekly learner whose last digest went out 3 days ago; one done before, one after
    m = milestones_of(path)
    learner = learner_on(path, frequency=DigestFrequency.WEEKLY, weekday=1, hour=9)
    ReminderDelivery.objects.create(
        learner=learner,
        kind=ReminderKind.DIGEST,
        period_key="digest:weekly:2026-W10",
        status=DeliveryStatus.SENT,
        claimed_at=NOW - dt.timedelta(days=3),
        sent_at=NOW - dt.timedelta(days=3),
    )
    progress(learner, m[0], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(days=4))
    progress(learner, m[1], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(days=1))
    progress(learner, m[5], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(days=2))

    # when
    dispatch()

    # then
    [email] = outbox_for(learner.email)
    assert email.subject == "2 milestones done this week"
    assert "You get this digest every week." in email.body


def test_quiet_digest_subject_names_the_percent_and_next_action(path, dispatch):
    # given: nothing done recently, nothing dated
    m = milestones_of(path)
    learner = learner_on(path, hour=0)
    progress(learner, m[0], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(days=30))
    # when
    dispatch()
    # then
    [email] = outbox_for(learner.email)
    assert email.subject == f"17% done · next: {m[1].title}"
    assert "No milestones finished since your last digest" in email.body


def test_a_learner_with_nothing_to_say_gets_no_digest(path, dispatch):
    # given: a learner who finished (or skipped) every milestone
    learner = learner_on(path, hour=0)
    for i, milestone in enumerate(milestones_of(path)):
        status = ProgressStatus.SKIPPED if i == 0 else ProgressStatus.DONE
        progress(learner, milestone, status, completed_at=NOW - dt.timedelta(days=1))
    # when
    dispatch()
    # then: no email, and the period is recorded as skipped so it is not re-examined
    assert outbox_for(learner.email) == []
    assert ReminderDelivery.objects.get(learner=learner).status == DeliveryStatus.SKIPPED


def test_dispatching_and_sending_twice_sends_once(path, dispatch):
    # given: three due learners
    learners = [learner_on(path, hour=0) for _ in range(3)]
    # when: the dispatcher runs twice (two beats), and the batch is delivered twice (a retry)
    first = dispatch()
    second = dispatch(NOW + dt.timedelta(minutes=15))
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    again = sending.reminder_deliveries_send(delivery_ids=ids)
    # then
    assert (first.count("digest"), second.count("digest")) == (3, 0)
    assert again.sent == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(learner.email for learner in learners)


def test_a_learner_who_unsubscribed_after_the_claim_is_not_sent(path):
    # given: a claimed digest, then the learner turns the digest off before the batch runs
    learner = learner_on(path, hour=0)
    with time_machine.travel(NOW, tick=False):
        reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    learner.digest_frequency = DigestFrequency.OFF
    learner.save()
    # when
    report = sending.reminder_deliveries_send(
        delivery_ids=ReminderDelivery.objects.values_list("pk", flat=True), now=NOW
    )
    # then
    assert report.skipped and not report.sent
    assert mail.outbox == []


def test_due_and_overdue_nudges(path, dispatch):
    # given: a learner in Auckland; 10 March 12:00 UTC is 11 March 01:00 there
    m = milestones_of(path)
    learner = learner_on(path, timezone="Pacific/Auckland", hour=0, nudge_days_ahead=3)
    learner.digest_frequency = DigestFrequency.OFF
    learner.save()
    progress(learner, m[0], target_date=dt.date(2026, 3, 14))
    progress(learner, m[1], ProgressStatus.NOT_STARTED, target_date=dt.date(2026, 3, 10))
    # when
    dispatch()
    # then: one email each, about that milestone
    subjects = sorted(e.subject for e in outbox_for(learner.email))
    assert subjects == [
        f"Due in 3 days: {m[0].title}",
        f"Missed target date (Tue 10 Mar): {m[1].title}",
    ]
    due = next(e for e in mail.outbox if e.subject.startswith("Due"))
    assert "http://testserver" + m[0].get_absolute_url() in due.body
    assert "/reminders/unsubscribe/nudges/" in due.extra_headers["List-Unsubscribe"]
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_nudge_for_a_milestone_done_meanwhile_is_skipped(path):
    # given: a claimed nudge, then the learner finishes the milestone
    m = milestones_of(path)
    learner = learner_on(path, hour=0)
    row = progress(learner, m[0], target_date=dt.date(2026, 3, 11))
    with time_machine.travel(NOW, tick=False):
        reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    row.status = ProgressStatus.DONE
    row.save()
    # when
    ids = ReminderDelivery.objects.filter(kind=ReminderKind.NUDGE_DUE).values_list("pk", flat=True)
    report = sending.reminder_deliveries_send(delivery_ids=ids, now=NOW)
    # then
    assert len(report.skipped) == 1 and mail.outbox == []


def test_batched_overviews_match_the_shared_selector(path):
    # given: learners with different progress on two paths
    other = build_roadmap(steps=1, milestones_per_step=2)
    m = milestones_of(path)
    learners = [learner_on(path) for _ in range(3)]
    learner_on(other, email="x@example.com")
    from tests.roadmap.factories import CareerPathFactory, EnrollmentFactory

    EnrollmentFactory(learner=learners[1], path=other)
    EnrollmentFactory(learner=learners[2], path=CareerPathFactory())  # no milestones yet
    progress(learners[0], m[0], ProgressStatus.DONE)
    progress(learners[1], m[1], ProgressStatus.SKIPPED)
    progress(learners[1], milestones_of(other)[0], target_date=dt.date(2026, 3, 1))
    progress(learners[2], m[4], target_date=dt.date(2026, 3, 12))
    today = {learner.pk: dt.date(2026, 3, 10) for learner in learners}

    # when
    batched = selectors.learner_overviews(learners=learners, today_by_learner=today)

    # then: the same numbers, lists and order as learner_overview, learner by learner
    def summary(o):
        return (
            o.total,
            o.done,
            o.skipped,
            o.percent,
            [(p.path.pk, p.percent, [s.percent for s in p.steps]) for p in o.paths],
            [s.milestone.pk for s in o.overdue],
            [s.milestone.pk for s in o.due_soon],
            [s.milestone.pk for s in o.next_actions(3)],
        )

    for learner in learners:
        single = learner_overview(learner=learner, today=dt.date(2026, 3, 10))
        assert summary(batched[learner.pk]) == summary(single)


@pytest.mark.parametrize("size", [3, 30])
def test_a_batch_reads_in_a_fixed_number_of_queries(path, size):
    # given: `size` claimed digests
    m = milestones_of(path)
    for _ in range(size):
        learner = learner_on(path, hour=0)
        progress(learner, m[0], ProgressStatus.DONE)
        ProgressEventFactory(learner=learner, milestone=m[0], occurred_at=NOW)
    with time_machine.travel(NOW, tick=False):
        reminder_dispatch.reminders_dispatch(now=NOW, deliver=lambda ids: None)
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))

    # when
    with CaptureQueriesContext(connection) as queries:
        report = sending.reminder_deliveries_send(delivery_ids=ids, now=NOW)

    # then: reads do not grow with the batch (deliveries, three for the overviews, last digest,
    # streaks, the plans, one per digest section: certifications, applications); each email
    # costs one UPDATE, its conditional mark
    assert len(report.sent) == size
    reads = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    writes = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(reads) <= 9, [q["sql"][:80] for q in reads]
    assert len(writes) == size


def test_digest_section_providers_add_sections(path, dispatch):
    # given: another app's provider (certification expiries, say)
    learner = learner_on(path, hour=0)

    def expiries(learners, now):
        return {
            lrn.pk: [
                registry.DigestSection(
                    title="Certifications expiring",
                    items=(registry.DigestItem(text="PMP", note="expires 1 Apr"),),
                )
            ]
            for lrn in learners
        }

    registry.digest_section_provider_register(expiries)
    try:
        # when
        dispatch()
    finally:
        registry.DIGEST_SECTION_PROVIDERS.remove(expiries)
    # then
    [email] = outbox_for(learner.email)
    assert "Certifications expiring:\n  - PMP (expires 1 Apr)" in email.body
    assert "<h2>Certifications expiring</h2>" in email.alternatives[0][0]


def test_preview_renders_the_same_email_the_sender_sends(path, dispatch):
    # given
    m = milestones_of(path)
    learner = learner_on(path, hour=0)
    progress(learner, m[0], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(hours=3))
    # when
    with time_machine.travel(NOW, tick=False):
        previewed = preview.reminder_preview(learner=learner, now=NOW)
    dispatch()
    # then: identical apart from the per-delivery Message-ID
    [email] = outbox_for(learner.email)
    assert (previewed.subject, previewed.text, previewed.html) == (
        email.subject,
        email.body,
        email.alternatives[0][0],
    )


@pytest.mark.django_db(transaction=True)  # as in production: each page commits, then sends
def test_sendreminders_command_dry_run_and_real_run(path):
    # given
    learner = learner_on(path, hour=9, email="cmd@example.com", timezone="Europe/London")
    out = StringIO()
    # when: a dry run at 9:00 London time
    call_command("sendreminders", "--dry-run", "--now", "2026-03-10T09:00:00+00:00", stdout=out)
    # then: it says who would get what, and changes nothing
    assert "cmd@example.com\tdigest\tdigest:daily:2026-03-10" in out.getvalue()
    assert "1 digest(s), 0 nudge(s)" in out.getvalue()
    assert not ReminderDelivery.objects.exists() and mail.outbox == []

    # when: the real run (in-process, no broker)
    out = StringIO()
    call_command("sendreminders", "--now", "2026-03-10T09:00:00", stdout=out)
    # then
    assert "sent 1," in out.getvalue()
    assert [m.to for m in mail.outbox] == [[learner.email]]
    assert timezone.is_aware(ReminderDelivery.objects.get().sent_at)


def test_layouts_write_exactly_what_the_templates_render(path, dispatch, monkeypatch):
    # given: learners whose digests take different shapes (lists empty or not, of several
    # lengths, notes or none, sections or none), two of the same shape, and text that needs
    # escaping in HTML
    m = milestones_of(path)
    m[0].title = 'Read "Scrum & <Kanban>" — it\'s short'
    m[0].save()
    busy = learner_on(path, hour=0, display_name="Zoë <b>&</b>")
    progress(busy, m[0], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(hours=3))
    progress(busy, m[1], ProgressStatus.DONE, completed_at=NOW - dt.timedelta(hours=5))
    progress(busy, m[2], target_date=dt.date(2026, 3, 1))
    progress(busy, m[3], ProgressStatus.NOT_STARTED, target_date=dt.date(2026, 3, 12))
    for _ in range(2):
        learner_on(path, hour=0)
    late = learner_on(path, hour=0)
    progress(late, m[4], target_date=dt.date(2026, 3, 2))

    def sections(learners, now):
        return {
            busy.pk: [
                registry.DigestSection(
                    title="Applications & <follow-ups>",
                    items=(
                        registry.DigestItem(text="Call ACME", url="https://x.test/?a=1&b=2"),
                        registry.DigestItem(text='Email "Beta"', note="due 'today'"),
                    ),
                )
            ]
        }

    monkeypatch.setattr(registry, "DIGEST_SECTION_PROVIDERS", [sections])
    compared = []
    layout_render = layouts.Layouts.render

    def both(self, templates, context):
        ours = layout_render(self, templates, context)
        compared.append((ours, [template.render(context) for template in templates]))
        return ours

    monkeypatch.setattr(layouts.Layouts, "render", both)

    # when: the digests are sent (twice over: the second run reuses the shapes seen)
    dispatch()
    ReminderDelivery.objects.all().delete()
    dispatch()

    # then: every text and HTML part is the template's own rendering
    assert len(compared) == 8
    assert all(ours == theirs for ours, theirs in compared)
    html = outbox_for(busy.email)[0].alternatives[0][0]
    assert "Zoë &lt;b&gt;&amp;&lt;/b&gt;" in html and "Call ACME" in html
    assert "Hello Zoë <b>&</b>," in outbox_for(busy.email)[0].body
