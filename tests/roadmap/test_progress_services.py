"""Writes to a learner's progress: what each service changes, records and refuses."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmap.models import (
    Enrollment,
    EvidenceLink,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
)
from roadmap.services import progress as services
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    CareerPathFactory,
    EvidenceLinkFactory,
    MilestoneFactory,
    MilestoneProgressFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)
from tests.roadmap.lock_waits import statement_waits_on_lock

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
TODAY = T0.date()


def events(learner) -> list[tuple]:
    return list(
        ProgressEvent.objects.filter(learner=learner)
        .order_by("occurred_at", "id")
        .values_list("kind", "from_status", "to_status", "detail")
    )


# --- Enrolment ---


def test_enrolling_twice_keeps_one_enrolment_and_a_learner_can_follow_several_paths():
    # given
    learner = UserFactory()
    first, second = CareerPathFactory(), CareerPathFactory()

    # when
    a = services.path_enrol(learner=learner, path=first)
    again = services.path_enrol(learner=learner, path=first)
    services.path_enrol(learner=learner, path=second)

    # then
    assert a.pk == again.pk
    assert Enrollment.objects.filter(learner=learner).count() == 2


def test_an_unpublished_path_cannot_be_joined():
    learner = UserFactory()
    draft = CareerPathFactory(is_published=False)

    with pytest.raises(ValidationError):
        services.path_enrol(learner=learner, path=draft)

    assert not Enrollment.objects.filter(learner=learner).exists()


# --- Status ---


def test_status_changes_set_and_clear_timestamps_and_record_each_change():
    # given
    learner, milestone = UserFactory(), MilestoneFactory()
    later = T0 + dt.timedelta(days=2)

    # when: started, then done two days later
    started = services.milestone_status_set(
        learner=learner, milestone=milestone, status=ProgressStatus.IN_PROGRESS, now=T0
    )
    done = services.milestone_status_set(
        learner=learner, milestone=milestone, status=ProgressStatus.DONE, now=later
    )

    # then: started_at is the first start, completed_at the completion
    assert started.pk == done.pk
    assert (done.status, done.started_at, done.completed_at) == (ProgressStatus.DONE, T0, later)

    # when: back to in progress (it was not really finished)
    reopened = services.milestone_status_set(
        learner=learner, milestone=milestone, status=ProgressStatus.IN_PROGRESS, now=later
    )

    # then: no longer completed, but still started when it first was
    assert (reopened.started_at, reopened.completed_at) == (T0, None)
    assert events(learner) == [
        ("status", "not_started", "in_progress", ""),
        ("status", "in_progress", "done", ""),
        ("status", "done", "in_progress", ""),
    ]
    assert MilestoneProgress.objects.filter(learner=learner).count() == 1


def test_done_straight_from_not_started_sets_both_timestamps():
    learner, milestone = UserFactory(), MilestoneFactory()

    progress = services.milestone_status_set(
        learner=learner, milestone=milestone, status=ProgressStatus.DONE, now=T0
    )

    assert (progress.started_at, progress.completed_at) == (T0, T0)


def test_reset_to_not_started_clears_both_timestamps_and_skip_keeps_the_start():
    # given: a milestone that was started
    learner, milestone = UserFactory(), MilestoneFactory()
    services.milestone_status_set(
        learner=learner, milestone=milestone, status=ProgressStatus.IN_PROGRESS, now=T0
    )

    # when: skipped
    skipped = services.milestone_status_set(
        learner=learner, milestone=milestone, status=ProgressStatus.SKIPPED, now=T0
    )
    # then
    assert (skipped.started_at, skipped.completed_at) == (T0, None)

    # when: reset
    reset = services.milestone_status_set(
        learner=learner, milestone=milestone, status=ProgressStatus.NOT_STARTED, now=T0
    )
    # then
    assert (reset.status, reset.started_at, reset.completed_at) == ("not_started", None, None)


def test_setting_the_same_status_again_records_nothing():
    learner, milestone = UserFactory(), MilestoneFactory()
    services.milestone_status_set(learner=learner, milestone=milestone, status="done", now=T0)

    again = services.milestone_status_set(
        learner=learner, milestone=milestone, status="done", now=T0 + dt.timedelta(days=1)
    )

    assert again.completed_at == T0
    assert len(events(learner)) == 1


def test_a_change_to_an_existing_row_is_one_statement_on_postgresql():
    # given
    learner, milestone = UserFactory(), MilestoneFactory()
    services.milestone_status_set(learner=learner, milestone=milestone, status="in_progress")

    # when
    with CaptureQueriesContext(connection) as captured:
        services.milestone_status_set(learner=learner, milestone=milestone, status="done")

    # then: on PostgreSQL one statement locks the row, updates it and records the event, in
    # autocommit (no savepoint, no transaction of its own); elsewhere one read (locked where
    # the database has row locks) and one update of the row, then the event
    statements = [q["sql"] for q in captured.captured_queries]
    if connection.vendor == "postgresql":
        assert len(statements) == 1
        assert statements[0].startswith(f"EXECUTE {services._STATUS_CHANGE_ALONE.name}(")
        assert "FOR UPDATE OF p)" in services._STATUS_CHANGE_ALONE.sql
    else:
        locked_read = (
            services._LOCKED_PLAN_ROW_AND_STEP
            if connection.features.has_select_for_update
            else services._ROW_AND_STEP_UNLOCKED
        )
        progress_sql = [
            sql
            for sql in statements
            if "roadmap_milestoneprogress" in sql or locked_read.name in sql
        ]
        assert len(progress_sql) == 2
        assert progress_sql[0].startswith(("WITH target AS", f"EXECUTE {locked_read.name}("))
        assert progress_sql[1].startswith("UPDATE")
        assert len([sql for sql in statements if "SAVEPOINT" not in sql]) == 4
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"
    assert events(learner)[-1] == ("status", "in_progress", "done", "")


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "plain"])
def test_each_status_change_stores_the_row_it_answers_and_its_event_as_it_happened(
    prepared, settings
):
    """On PostgreSQL the row's update and its event are one statement of our own SQL
    (services._STATUS_WRITE; prepared, or sent as it is behind a pooler), elsewhere the ORM's
    save() and create(): each stores exactly the object the service answers with, and the
    event, with prior learning set and cleared."""
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    learner, milestone = UserFactory(), MilestoneFactory()
    other = MilestoneProgressFactory(milestone=milestone, status="in_progress")
    moves = [
        (ProgressStatus.IN_PROGRESS, False, ""),
        (ProgressStatus.DONE, True, services.PRIOR_LEARNING),
        (ProgressStatus.SKIPPED, False, ""),
        (ProgressStatus.DONE, False, ""),
        (ProgressStatus.NOT_STARTED, False, ""),
    ]
    previous, updated = "not_started", None
    for n, (status, prior_learning, detail) in enumerate(moves):
        now = T0 + dt.timedelta(hours=n)

        answered = services.milestone_status_set(
            learner=learner,
            milestone=milestone,
            status=status,
            now=now,
            prior_learning=prior_learning,
        )

        stored = MilestoneProgress.objects.get(pk=answered.pk)
        assert {f.attname: getattr(stored, f.attname) for f in MilestoneProgress._meta.fields} == {
            f.attname: getattr(answered, f.attname) for f in MilestoneProgress._meta.fields
        }
        assert (stored.status, stored.prior_learning) == (status, prior_learning)
        assert updated is None or stored.updated_at > updated
        updated = stored.updated_at
        event = ProgressEvent.objects.filter(learner=learner).order_by("id").last()
        assert (
            event.milestone_id,
            event.kind,
            event.from_status,
            event.to_status,
            event.detail,
            event.occurred_at,
        ) == (milestone.pk, "status", previous, status, detail, now)
        previous = status
    assert ProgressEvent.objects.filter(learner=learner).count() == len(moves)
    # another learner's row on the same milestone is untouched, and has no events
    other_after = MilestoneProgress.objects.get(pk=other.pk)
    assert (other_after.status, other_after.updated_at) == ("in_progress", other.updated_at)
    assert not ProgressEvent.objects.filter(learner=other.learner).exists()


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "plain"])
def test_the_locked_read_answers_the_plan_and_the_rows_as_the_orm_reads_them(prepared, settings):
    """The plan's columns and the rows' share one statement on PostgreSQL (each row NULL in the
    other's columns), prepared or not: each object is the ORM's, field by field, type by type
    and state included (they are made without Model.__init__, and a re-plan saves them); no
    plan gives None."""
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    from django.db import transaction

    from roadmap.models import LearnerPlan
    from roadmap.services.plan import plan_settings_set

    path = build_roadmap(steps=2, milestones_per_step=3)
    learner, unplanned = enrolled_learner(path), enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
    milestone = path_milestones(path)[1]
    for who in (learner, unplanned):
        services.milestone_status_set(
            learner=who, milestone=path_milestones(path)[0], status="done"
        )

    def whole(obj) -> dict:
        """All an object holds: its fields with their types, and its state, as a save() finds
        them."""
        held = {k: (v, type(v)) for k, v in obj.__dict__.items() if k != "_state"}
        state = obj._state
        return {**held, "_state": (type(state), state.adding, state.db, dict(state.__dict__))}

    with transaction.atomic():
        progress, plan, step_rows = services._locked_progress_and_step_rows(
            learner=learner, milestone=milestone
        )
        assert whole(plan) == whole(LearnerPlan.objects.get(learner=learner))
        orm_rows = MilestoneProgress.objects.filter(learner=learner, milestone__step=milestone.step)
        assert {k: whole(v) for k, v in step_rows.items()} == {
            r.milestone_id: whole(r) for r in orm_rows
        }
        assert len(step_rows) == 3  # each of the step's milestones has a row (the plan made it)
        assert step_rows[milestone.pk] is progress
        _progress, no_plan, rows = services._locked_progress_and_step_rows(
            learner=unplanned, milestone=milestone
        )
        assert no_plan is None
        assert {r.learner_id for r in rows.values()} == {unplanned.pk}


def test_a_status_change_makes_the_objects_it_read_without_model_init(count_model_inits):
    """The locked read's plan and rows are made by plain_model_objects, not through
    Model.__init__ (its per-field descriptors were a quarter of the read's Python); only a row
    that does not exist yet is made by the ORM."""
    from roadmap.models import LearnerPlan
    from roadmap.services.plan import plan_settings_set

    path = build_roadmap(steps=1, milestones_per_step=4)
    learner = enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
    milestones = path_milestones(path)
    services.milestone_status_set(learner=learner, milestone=milestones[0], status="done")
    made = count_model_inits()

    # when: a change on a row the plan made, unchanged and then changed
    services.milestone_status_set(learner=learner, milestone=milestones[1], status="not_started")
    locked_read_only = list(made)
    services.milestone_status_set(learner=learner, milestone=milestones[1], status="in_progress")

    # then: neither the plan (read by the ORM where there are no row locks) nor a row was made
    # by __init__ in the read; the re-plan may make its own
    planned_by_orm = [] if connection.features.has_select_for_update else [LearnerPlan]
    assert locked_read_only == planned_by_orm
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestones[1]).status == (
        "in_progress"
    )


def test_an_unknown_status_is_refused_and_changes_nothing():
    learner, milestone = UserFactory(), MilestoneFactory()

    with pytest.raises(ValidationError):
        services.milestone_status_set(learner=learner, milestone=milestone, status="finished")

    assert not MilestoneProgress.objects.filter(learner=learner).exists()
    assert events(learner) == []


def test_one_learners_status_never_touches_anothers():
    milestone = MilestoneFactory()
    ada, bob = UserFactory(), UserFactory()
    MilestoneProgressFactory(learner=bob, milestone=milestone, status=ProgressStatus.IN_PROGRESS)

    services.milestone_status_set(learner=ada, milestone=milestone, status="done")

    assert MilestoneProgress.objects.get(learner=bob).status == ProgressStatus.IN_PROGRESS
    assert events(bob) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)
@pytest.mark.parametrize("row_exists", [False, True], ids=["new-row", "existing-row"])
def test_two_simultaneous_clicks_make_one_row_and_one_event(row_exists):
    # given: a learner who double-clicks "Mark done" (with or without a progress row yet)
    learner, milestone = UserFactory(), MilestoneFactory()
    if row_exists:
        MilestoneProgressFactory(
            learner=learner, milestone=milestone, status=ProgressStatus.NOT_STARTED
        )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def click():
        try:
            barrier.wait()
            services.milestone_status_set(learner=learner, milestone=milestone, status="done")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert MilestoneProgress.objects.filter(learner=learner, milestone=milestone).count() == 1
    assert events(learner) == [("status", "not_started", "done", "")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)
def test_a_planned_learners_simultaneous_changes_queue_instead_of_deadlocking():
    """A re-plan rewrites many of the learner's rows under the plan's lock, so each progress
    write takes the plan's lock before its own row's: two quick changes of two milestones (two
    tabs, two rows clicked at once) run one after the other. Taken the other way round, each
    held its row and waited for the other's: PostgreSQL broke the deadlock with an error."""
    from roadmap.services.plan import plan_settings_set

    path = build_roadmap(steps=2, milestones_per_step=4)
    learner = enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
    first, second = path_milestones(path)[:2]
    errors: list[BaseException] = []

    def change(milestone, status, barrier):
        try:
            barrier.wait()
            services.milestone_status_set(learner=learner, milestone=milestone, status=status)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when: ten times, both at once
    for status in ["in_progress", "done"] * 5:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=change, args=(m, status, barrier)) for m in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then: every change went through
    assert errors == []
    rows = MilestoneProgress.objects.filter(learner=learner, milestone__in=[first, second])
    assert {row.status for row in rows} == {"done"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)
def test_a_change_waiting_for_the_plan_holds_no_lock_on_its_row():
    """The plan's lock and the row's are taken by one statement; the plan's comes first. While
    another transaction holds the plan, a status change waits without holding its row, so a
    re-plan (which locks the plan and then rewrites the learner's rows) can always finish."""
    from django.db import connections

    from roadmap.models import LearnerPlan
    from roadmap.services.plan import plan_settings_set

    path = build_roadmap(steps=1, milestones_per_step=3)
    learner = enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
    milestone = path_milestones(path)[0]
    row = MilestoneProgress.objects.get(learner=learner, milestone=milestone)
    errors: list[BaseException] = []
    changed = threading.Event()

    def change():
        try:
            services.milestone_status_set(learner=learner, milestone=milestone, status="done")
            changed.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # given: another connection holds the learner's plan, as a re-plan would
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {LearnerPlan._meta.db_table} WHERE learner_id = %s FOR UPDATE",
                [learner.pk],
            )
        # when: the status change starts, and waits for the plan
        thread = threading.Thread(target=change)
        thread.start()
        with holder.cursor() as cursor:
            waits = statement_waits_on_lock(cursor, "roadmap_locked_plan_row_and_step")
            assert waits, "the status change never waited for the plan"
            assert not changed.is_set()
            # then: its row is free; the holder locks it at once (NOWAIT fails if taken)
            cursor.execute(
                f"SELECT id FROM {MilestoneProgress._meta.db_table} WHERE id = %s"
                " FOR UPDATE NOWAIT",
                [row.pk],
            )
        holder.rollback()
    finally:
        holder.close()
    thread.join(timeout=10)

    # and once the plan is free, the change goes through
    assert errors == []
    assert changed.is_set()
    assert MilestoneProgress.objects.get(pk=row.pk).status == "done"


# --- Target date ---


def test_a_target_date_today_or_later_is_saved_and_recorded():
    learner, milestone = UserFactory(), MilestoneFactory()

    progress = services.milestone_target_date_set(
        learner=learner, milestone=milestone, target_date=TODAY, today=TODAY
    )

    assert progress.target_date == TODAY
    assert events(learner) == [("target_date", "", "", "2026-03-10")]


def test_a_target_date_in_the_past_is_refused_and_changes_nothing():
    # given: a milestone with a target date already
    learner, milestone = UserFactory(), MilestoneFactory()
    planned = TODAY + dt.timedelta(days=5)
    services.milestone_target_date_set(
        learner=learner, milestone=milestone, target_date=planned, today=TODAY
    )

    # when
    with pytest.raises(ValidationError) as error:
        services.milestone_target_date_set(
            learner=learner,
            milestone=milestone,
            target_date=TODAY - dt.timedelta(days=1),
            today=TODAY,
        )

    # then
    assert "in the past" in error.value.messages[0]
    assert MilestoneProgress.objects.get(learner=learner).target_date == planned
    assert len(events(learner)) == 1


def test_none_clears_the_target_date_and_an_unchanged_date_records_nothing():
    learner, milestone = UserFactory(), MilestoneFactory()
    planned = TODAY + dt.timedelta(days=5)
    services.milestone_target_date_set(
        learner=learner, milestone=milestone, target_date=planned, today=TODAY
    )
    services.milestone_target_date_set(
        learner=learner, milestone=milestone, target_date=planned, today=TODAY
    )

    cleared = services.milestone_target_date_set(
        learner=learner, milestone=milestone, target_date=None, today=TODAY
    )

    assert cleared.target_date is None
    assert [e[3] for e in events(learner)] == ["2026-03-15", ""]


# --- Notes ---


def test_notes_are_saved_and_the_event_does_not_repeat_them():
    learner, milestone = UserFactory(), MilestoneFactory()

    progress = services.milestone_notes_set(
        learner=learner, milestone=milestone, notes="  Ask Sam about the data contract.  "
    )
    services.milestone_notes_set(
        learner=learner, milestone=milestone, notes="Ask Sam about the data contract."
    )

    assert progress.notes == "Ask Sam about the data contract."
    assert events(learner) == [("notes", "", "", "")]


def test_notes_that_are_too_long_are_refused():
    learner, milestone = UserFactory(), MilestoneFactory()

    with pytest.raises(ValidationError):
        services.milestone_notes_set(learner=learner, milestone=milestone, notes="x" * 10_001)

    assert events(learner) == []


# --- Evidence ---


@pytest.mark.parametrize("url", ["https://github.com/ada/model-card", "http://example.com/cert"])
def test_an_http_or_https_evidence_link_is_added(url):
    learner, milestone = UserFactory(), MilestoneFactory()

    link = services.milestone_evidence_add(
        learner=learner, milestone=milestone, url=url, label="Model card"
    )

    assert (link.url, link.label, link.progress.learner_id) == (url, "Model card", learner.pk)
    assert events(learner) == [("evidence", "", "", f"added {url}")]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.com/file",
        "example.com/no-scheme",
        "data:text/html,hi",
        "",
        "https://" + "a" * 500 + ".com",
    ],
)
def test_an_evidence_link_that_is_not_http_is_refused_and_changes_nothing(url):
    learner, milestone = UserFactory(), MilestoneFactory()

    with pytest.raises(ValidationError):
        services.milestone_evidence_add(learner=learner, milestone=milestone, url=url)

    assert not EvidenceLink.objects.exists()
    assert events(learner) == []


def test_a_learner_removes_their_own_evidence_but_not_someone_elses():
    # given
    ada, bob = UserFactory(), UserFactory()
    adas = EvidenceLinkFactory(progress__learner=ada)
    bobs = EvidenceLinkFactory(progress__learner=bob)

    # when: Ada tries Bob's link
    with pytest.raises(EvidenceLink.DoesNotExist):
        services.milestone_evidence_remove(learner=ada, evidence_id=bobs.pk)

    # then: it is still there, and nothing was recorded
    assert EvidenceLink.objects.filter(pk=bobs.pk).exists()
    assert events(ada) == []

    # when: she removes her own
    services.milestone_evidence_remove(learner=ada, evidence_id=adas.pk)

    # then
    assert not EvidenceLink.objects.filter(pk=adas.pk).exists()
    assert events(ada) == [("evidence", "", "", f"removed {adas.url}")]
