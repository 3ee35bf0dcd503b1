"""A learner's first status change on a milestone, which makes their progress row.

On PostgreSQL the row is made by one statement of our own (services._NEW_ROW: INSERT ... ON
CONFLICT DO NOTHING RETURNING), not the ORM's get_or_create() and a locked read: the row must be
the ORM's field by field, a row another transaction makes first must be waited for and used,
and the first change must cost fewer queries."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmap.models import MilestoneProgress, ProgressEvent
from roadmap.services import progress as services
from tests.roadmap.factories import (
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)
from tests.roadmap.lock_waits import statement_waits_on_lock

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
HTMX = {"HTTP_HX_REQUEST": "true"}


def whole(obj) -> dict:
    """All an object holds: its fields with their types, and its state, as a save() finds
    them."""
    held = {k: (v, type(v)) for k, v in obj.__dict__.items() if k != "_state"}
    state = obj._state
    return {**held, "_state": (type(state), state.adding, state.db, dict(state.__dict__))}


def events(learner) -> list[tuple]:
    return list(
        ProgressEvent.objects.filter(learner=learner)
        .order_by("occurred_at", "id")
        .values_list("from_status", "to_status")
    )


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "plain"])
def test_the_row_a_first_change_makes_is_the_one_the_orm_makes(prepared, settings):
    """Every column the ORM's MilestoneProgress(learner=, milestone=).save() would store (each
    field's default, updated_at now), and the object answered is the ORM's read of it, field
    by field, type by type, state included (a re-plan saves it)."""
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    path = build_roadmap(steps=1, milestones_per_step=3)
    learner, other = enrolled_learner(path), enrolled_learner(path)
    milestone = path_milestones(path)[1]
    by_orm = MilestoneProgress.objects.create(learner=other, milestone=milestone)

    before = timezone.now()
    with transaction.atomic():
        progress, _plan, step_rows = services._locked_progress_and_step_rows(
            learner=learner, milestone=milestone
        )
    after = timezone.now()

    assert step_rows == {milestone.pk: progress}
    stored = MilestoneProgress.objects.get(learner=learner, milestone=milestone)
    assert whole(progress) == whole(stored)
    # the ORM's row but for whose it is, and when
    orm_row = MilestoneProgress.objects.get(pk=by_orm.pk)
    differing = {"_state", "id", "learner_id", "updated_at"}
    assert {k: v for k, v in whole(stored).items() if k not in differing} == {
        k: v for k, v in whole(orm_row).items() if k not in differing
    }
    assert (stored.learner_id, stored.milestone_id) == (learner.pk, milestone.pk)
    assert before <= stored.updated_at <= after
    assert type(stored.updated_at) is type(orm_row.updated_at)


def test_a_first_change_makes_its_row_with_one_statement_on_postgresql():
    """The whole first change is one statement on PostgreSQL (services._STATUS_CHANGE_ALONE:
    the row made with its new status, and its event), in autocommit: no savepoint or
    transaction, no locked read. Elsewhere the ORM's statements, as before."""
    path = build_roadmap(steps=1, milestones_per_step=3)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[0]

    with CaptureQueriesContext(connection) as captured:
        services.milestone_status_set(learner=learner, milestone=milestone, status="done")

    statements = [q["sql"] for q in captured.captured_queries]
    if POSTGRESQL:
        assert len(statements) == 1
        assert statements[0].startswith(f"EXECUTE {services._STATUS_CHANGE_ALONE.name}(")
    else:
        assert not any(services._NEW_ROW.name in sql for sql in statements)
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"
    assert events(learner) == [("not_started", "done")]


def test_a_planned_learners_first_change_makes_its_row_in_the_transaction():
    """With a plan the change runs in a transaction (the plan is locked first and re-drawn):
    the one statement writes nothing, the locked read finds no row, one INSERT ... RETURNING
    makes it on PostgreSQL (services._NEW_ROW), then the change's write."""
    from roadmap.services.plan import plan_settings_set

    path = build_roadmap(steps=1, milestones_per_step=3)
    learner = enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
    milestone = path_milestones(path)[0]
    MilestoneProgress.objects.filter(learner=learner, milestone=milestone).delete()

    with CaptureQueriesContext(connection) as captured:
        services.milestone_status_set(learner=learner, milestone=milestone, status="done")

    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    if POSTGRESQL:
        assert statements[0].startswith(f"EXECUTE {services._STATUS_CHANGE_ALONE.name}(")
        assert statements[1].startswith(f"EXECUTE {services._LOCKED_PLAN_ROW_AND_STEP.name}(")
        assert statements[2].startswith(f"EXECUTE {services._NEW_ROW.name}(")
        assert statements[3].startswith(f"EXECUTE {services._STATUS_WRITE.name}(")
    else:
        assert not any(services._NEW_ROW.name in sql for sql in statements)
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"
    assert events(learner) == [("not_started", "done")]


def test_a_first_change_on_a_milestone_someone_else_has_a_row_on_makes_the_learners_own():
    """The conflict the statement ignores is the learner's own row on the milestone only:
    another learner's row on it neither stops the insert nor is answered or changed."""
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner, other = enrolled_learner(path), enrolled_learner(path)
    milestone = path_milestones(path)[0]
    theirs = MilestoneProgress.objects.create(learner=other, milestone=milestone, status="skipped")

    answered = services.milestone_status_set(
        learner=learner, milestone=milestone, status="in_progress"
    )

    assert answered.pk != theirs.pk and answered.learner_id == learner.pk
    rows = MilestoneProgress.objects.filter(milestone=milestone).order_by("learner_id")
    assert [(r.learner_id, r.status) for r in rows] == sorted(
        [(learner.pk, "in_progress"), (other.pk, "skipped")]
    )
    assert events(other) == []


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_a_first_change_by_htmx_runs_a_fixed_number_of_queries(
    client, steps, per_step, django_assert_num_queries
):
    """Session, user, the content version with the enrolment; then the write. On PostgreSQL one
    statement makes the row with its new status and records the event (1 for the write; was 5:
    savepoint, the plan and the row locked, the row made, its update with its event, release;
    9 before with get_or_create and a second locked read); elsewhere the ORM's (plan, row,
    get_or_create's 4, the locked read, update, event: 11 with the savepoint and release)."""
    path = build_roadmap(steps=steps, milestones_per_step=per_step)
    learner = enrolled_learner(path)
    client.force_login(learner)
    milestone = path_milestones(path)[per_step + 1]
    content_snapshot_read()
    address = reverse(
        "roadmap:milestone_status",
        kwargs={
            "path_slug": path.slug,
            "step_slug": milestone.step.slug,
            "milestone_slug": milestone.slug,
        },
    )

    write = 1 if POSTGRESQL else 11
    with django_assert_num_queries(3 + write):
        response = client.post(address, {"status": "done", "fragment": "row"}, **HTMX)

    assert response.status_code == 200
    assert f'id="milestone-{milestone.pk}"' in response.content.decode()
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not POSTGRESQL, reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
def test_a_first_change_waits_for_another_transaction_making_the_same_row(first_commits):
    """Two connections make the same learner's row on the same milestone (two tabs; no plan,
    so nothing else queues them). The second's INSERT waits on the unique index for the first
    transaction: if it commits, the second's one statement makes nothing and the change runs
    in a transaction on the first's row, read locked; if it rolls back, the second's statement
    makes the row. One row either way, no error."""
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[0]
    made, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    second_done = threading.Event()

    def first():
        try:
            with transaction.atomic():
                services.milestone_status_set(
                    learner=learner, milestone=milestone, status="in_progress"
                )
                made.set()
                release.wait(10)
                if not first_commits:
                    transaction.set_rollback(True)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            made.set()
            connection.close()

    def second():
        try:
            services.milestone_status_set(learner=learner, milestone=milestone, status="done")
            second_done.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert made.wait(10)
    two = threading.Thread(target=second)
    two.start()
    watcher = connections.create_connection("default")
    try:
        with watcher.cursor() as cursor:
            waits = statement_waits_on_lock(cursor, services._STATUS_CHANGE_ALONE.name)
        assert waits, "the second change never waited for the first's row"
        assert not second_done.is_set()
    finally:
        release.set()
        watcher.close()
        one.join(10)
        two.join(10)

    assert errors == []
    rows = MilestoneProgress.objects.filter(learner=learner, milestone=milestone)
    assert [r.status for r in rows] == ["done"]
    if first_commits:
        assert events(learner) == [("not_started", "in_progress"), ("in_progress", "done")]
    else:
        assert events(learner) == [("not_started", "done")]
