"""A status change as one statement on PostgreSQL (services._STATUS_CHANGE_ALONE), in autocommit.

For a learner without a plan the whole change (the row locked, changed or made, its event, the
learner's rows on the step) is one statement: no BEGIN, no COMMIT, no locked read before it. Its
rule for the row's times is written in SQL from _status_times, as the transaction's is in Python:
here the two are compared for every case that decides them, and the statement is held to what
the transaction guarantees: the newest row under concurrent writers, a plan's lock first, nothing
half-written."""

import datetime as dt
import itertools
import threading

import pytest
from django.db import DatabaseError, connection, connections

from roadmap.models import MilestoneProgress, ProgressEvent, ProgressStatus
from roadmap.services import progress as services
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones
from tests.roadmap.lock_waits import statement_waits_on_lock

POSTGRESQL = connection.vendor == "postgresql"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not POSTGRESQL, reason="the one statement is PostgreSQL's"),
]

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
STATUSES = list(ProgressStatus.values)
# Who the row, the event and the answer belong to, and when it was stored: not the rule's.
NOT_THE_RULES = {"id", "learner_id", "updated_at"}


def fields(row: MilestoneProgress) -> dict:
    return {
        f.attname: getattr(row, f.attname)
        for f in MilestoneProgress._meta.concrete_fields
        if f.attname not in NOT_THE_RULES
    }


def events(learner) -> list[tuple]:
    return list(
        ProgressEvent.objects.filter(learner=learner)
        .order_by("id")
        .values_list("milestone_id", "kind", "from_status", "to_status", "detail", "occurred_at")
    )


# Each row a learner can have before a change (None: no row yet): its status, whether it has a
# start, a completion and prior learning.
BEFORE = [None] + [
    {
        "status": status,
        "started_at": T0 - dt.timedelta(days=3) if started else None,
        "completed_at": T0 - dt.timedelta(days=1) if completed else None,
        "prior_learning": prior,
    }
    for status, started, completed, prior in itertools.product(
        STATUSES, [False, True], [False, True], [False, True]
    )
]


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "plain"])
def test_the_one_statement_changes_a_row_as_the_transaction_does_in_every_case(prepared, settings):
    """Every row before (none, each status with and without a start, a completion, prior
    learning) × every status × prior learning asked or not: the one statement (prepared, or
    sent as it is behind a pooler) and the transaction store the same row, answer it and the
    same step rows, and record the same events (none when the status is the same); another
    learner's rows are never answered."""
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    path = build_roadmap(steps=1, milestones_per_step=3)
    milestone, sibling, _third = path_milestones(path)
    stranger = enrolled_learner(path)
    MilestoneProgress.objects.create(learner=stranger, milestone=milestone, status="done")
    MilestoneProgress.objects.create(learner=stranger, milestone=sibling, status="skipped")
    cases = list(itertools.product(BEFORE, STATUSES, [False, True]))
    assert len(cases) == 264
    for n, (before, status, prior_learning) in enumerate(cases):
        now = T0 + dt.timedelta(minutes=n)
        answers, stored, recorded, updated = [], [], [], []
        for path_taken in ("alone", "transaction"):
            learner = enrolled_learner(path)
            MilestoneProgress.objects.create(learner=learner, milestone=sibling, status="done")
            if before is not None:
                MilestoneProgress.objects.create(learner=learner, milestone=milestone, **before)
            stamp = MilestoneProgress.objects.filter(learner=learner, milestone=milestone).first()
            arguments = {
                "learner": learner,
                "milestone": milestone,
                "status": status,
                "now": now,
                "prior_learning": prior_learning,
            }
            if path_taken == "alone":
                change = services._status_change_alone(**arguments)
                assert change is not None, (before, status)  # no plan: it always writes
            else:
                change = services._status_change_in_transaction(**arguments, replan=True)
            row = MilestoneProgress.objects.get(learner=learner, milestone=milestone)
            assert {**fields(change.progress), "pk": change.progress.pk} == {
                **fields(row),
                "pk": row.pk,
            }
            assert change.progress.updated_at == row.updated_at
            assert change.step_rows[milestone.pk] is change.progress
            assert {r.learner_id for r in change.step_rows.values()} == {learner.pk}
            answers.append({k: fields(v) for k, v in change.step_rows.items()})
            stored.append(fields(row))
            recorded.append([e[:4] + e[5:] for e in events(learner)])
            updated.append(stamp is None or row.updated_at != stamp.updated_at)
        assert answers[0] == answers[1], (before, status, prior_learning)
        assert stored[0] == stored[1], (before, status, prior_learning)
        assert recorded[0] == recorded[1], (before, status, prior_learning)
        assert updated[0] == updated[1], (before, status, prior_learning)
    # the stranger's rows are as they were, with no events
    assert sorted(
        MilestoneProgress.objects.filter(learner=stranger).values_list("status", flat=True)
    ) == ["done", "skipped"]
    assert events(stranger) == []


@pytest.mark.parametrize("has_row", [False, True], ids=["no-row", "row"])
def test_with_a_plan_the_one_statement_writes_nothing_and_the_transaction_re_plans(has_row):
    """A plan is locked before the row and re-drawn after the change, in its transaction: the
    one statement leaves the row, its events and the plan's weeks alone and answers None; the
    service then changes it in a transaction, and a planned row's plan is re-drawn."""
    from roadmap.services.plan import plan_settings_set

    path = build_roadmap(steps=2, milestones_per_step=3)
    learner = enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
    milestone = path_milestones(path)[0]
    if not has_row:
        MilestoneProgress.objects.filter(learner=learner, milestone=milestone).delete()
    rows_before = list(MilestoneProgress.objects.filter(learner=learner).order_by("id").values())
    events_before = events(learner)

    assert (
        services._status_change_alone(
            learner=learner, milestone=milestone, status="done", now=T0, prior_learning=False
        )
        is None
    )
    assert list(MilestoneProgress.objects.filter(learner=learner).order_by("id").values()) == (
        rows_before
    )
    assert events(learner) == events_before

    services.milestone_status_set(learner=learner, milestone=milestone, status="done", now=T0)
    row = MilestoneProgress.objects.get(learner=learner, milestone=milestone)
    assert (row.status, row.completed_at) == ("done", T0)
    assert [e[2:4] for e in events(learner)] == [("not_started", "done")]
    # a planned row's change re-drew the plan: the open milestones moved up into the done one's
    # hours (a row made now was in no plan: nothing to re-draw, as before)
    replanned = MilestoneProgress.objects.filter(learner=learner, planned_at=T0)
    assert replanned.exclude(milestone=milestone).exists() is has_row


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("theirs", "mine", "expected"),
    [
        # another transaction starts the work meanwhile: the change is from its status, and
        # keeps its start
        ("in_progress", "done", [("not_started", "in_progress"), ("in_progress", "done")]),
        # it made the change already: nothing more to change or record
        ("done", "done", [("not_started", "done")]),
    ],
    ids=["changed-meanwhile", "same-change-meanwhile"],
)
def test_the_one_statement_waits_for_a_writer_and_changes_the_newest_row(theirs, mine, expected):
    """Two tabs: a transaction holds the learner's row, changed but not committed. The one
    statement waits for it, then locks and reads the row as committed (READ COMMITTED's newest
    version), so the event's from_status and the start it keeps are the other's."""
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[0]
    MilestoneProgress.objects.create(learner=learner, milestone=milestone)
    errors: list[BaseException] = []
    done = threading.Event()

    def change():
        try:
            services.milestone_status_set(learner=learner, milestone=milestone, status=mine)
            done.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    thread = threading.Thread(target=change)
    try:
        started = T0 - dt.timedelta(days=2)
        services_connection = connection
        assert services_connection is not holder
        with holder.cursor() as cursor:
            cursor.execute(
                f"UPDATE {MilestoneProgress._meta.db_table} SET status = %s, started_at = %s"
                " WHERE learner_id = %s AND milestone_id = %s",
                [theirs, started, learner.pk, milestone.pk],
            )
            cursor.execute(
                f"INSERT INTO {ProgressEvent._meta.db_table} (learner_id, milestone_id, kind,"
                " from_status, to_status, detail, occurred_at) VALUES (%s, %s, 'status',"
                " 'not_started', %s, '', %s)",
                [learner.pk, milestone.pk, theirs, T0 - dt.timedelta(days=2)],
            )
        thread.start()
        with holder.cursor() as cursor:
            waits = statement_waits_on_lock(cursor, services._STATUS_CHANGE_ALONE.name)
        assert waits, "the change never waited for the other writer"
        assert not done.is_set()
        holder.commit()
    finally:
        holder.close()
        thread.join(10)

    assert errors == []
    row = MilestoneProgress.objects.get(learner=learner, milestone=milestone)
    assert (row.status, row.started_at) == (mine, started)
    assert [e[2:4] for e in events(learner)] == expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("has_row", [False, True], ids=["first-change", "row"])
def test_a_change_whose_event_fails_leaves_nothing_written(has_row):
    """The one statement is all or nothing: when recording the event fails (here a trigger of
    the test's refuses it, as a full disk or a dying connection would stop it), the row is
    neither made nor changed."""
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[0]
    if has_row:
        MilestoneProgress.objects.create(learner=learner, milestone=milestone, status="skipped")
    rows_before = list(MilestoneProgress.objects.filter(learner=learner).values())
    table = ProgressEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS"
            " $$BEGIN RAISE EXCEPTION 'refused'; END$$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_event BEFORE INSERT ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION test_refuse_event()"
        )
    try:
        with pytest.raises(DatabaseError, match="refused"):
            services.milestone_status_set(learner=learner, milestone=milestone, status="done")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER test_refuse_event ON {table}")
            cursor.execute("DROP FUNCTION test_refuse_event()")

    assert list(MilestoneProgress.objects.filter(learner=learner).values()) == rows_before
    assert events(learner) == []
