"""The learner's reads made as prepared statements (roadmap/selectors/rows.py): the objects are
the ORM's, field by field and type by type, on whichever database the tests run; each read
keeps to the learner (and milestone) it is asked for, in the ORM's order."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, signals
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from roadmap.models import EvidenceLink, MilestoneProgress, ProgressEvent, ProgressStatus
from roadmap.selectors.paths import milestone_state, milestone_state_and_evidence
from roadmap.selectors.progress import (
    activity_by_local_day,
    learner_events,
    learner_step_progress,
    milestone_events,
)
from roadmap.selectors.rows import model_columns, model_objects, plain_model_objects
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    EvidenceLinkFactory,
    MilestoneProgressFactory,
    ProgressEventFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db


def fields(obj) -> list[tuple[str, object, type]]:
    """Every concrete field's value and type, as a page or a save() would see them."""
    return [
        (f.attname, getattr(obj, f.attname), type(getattr(obj, f.attname)))
        for f in obj._meta.concrete_fields
    ]


@pytest.fixture
def milestones():
    return path_milestones(build_roadmap(steps=1, milestones_per_step=3))


def full_progress(learner, milestone, **extra) -> MilestoneProgress:
    """A row with every kind of field set: dates, times, JSON, a boolean, text."""
    now = timezone.now()
    return MilestoneProgressFactory(
        learner=learner,
        milestone=milestone,
        status=ProgressStatus.DONE,
        started_at=now - dt.timedelta(days=3, microseconds=7),
        completed_at=now,
        target_date=dt.date(2026, 12, 24),
        notes="Notes with “quotes” and\na second line",
        prior_learning=True,
        plan_week=dt.date(2026, 11, 30),
        plan_hours=[2.5, 1],
        planned_at=now,
        **extra,
    )


def test_the_progress_row_and_its_evidence_are_the_orms_in_one_query(
    milestones, django_assert_num_queries
):
    # given: a learner's row with two links (made out of order), another learner's row and link
    # on the same milestone, and the learner's row on another milestone
    learner = enrolled_learner(milestones[0].step.path)
    progress = full_progress(learner, milestones[0])
    later = EvidenceLinkFactory(progress=progress, url="https://example.com/later", label="")
    earlier = EvidenceLinkFactory(progress=progress, url="https://example.com/earlier")
    EvidenceLink.objects.filter(pk=earlier.pk).update(
        created_at=later.created_at - dt.timedelta(hours=1)
    )
    EvidenceLinkFactory(progress=full_progress(UserFactory(), milestones[0]))
    full_progress(learner, milestones[1])

    # when
    with django_assert_num_queries(1):
        state, evidence = milestone_state_and_evidence(learner=learner, milestone=milestones[0])

    # then: the same row and links as the ORM reads, in its order (EvidenceLink's ordering)
    assert fields(state.progress) == fields(MilestoneProgress.objects.get(pk=progress.pk))
    assert [fields(e) for e in evidence] == [fields(e) for e in progress.evidence.all()]
    assert [e.pk for e in evidence] == [earlier.pk, later.pk]
    assert state.milestone is milestones[0]
    # and a read object saves as the ORM's would
    state.progress.notes = "changed"
    state.progress.save()
    assert MilestoneProgress.objects.get(pk=progress.pk).plan_hours == [2.5, 1]


def test_a_row_without_evidence_no_row_and_a_visitor(milestones, django_assert_num_queries):
    learner = enrolled_learner(milestones[0].step.path)
    progress = full_progress(learner, milestones[0])

    with django_assert_num_queries(1):
        state, evidence = milestone_state_and_evidence(learner=learner, milestone=milestones[0])
    assert state.progress.pk == progress.pk and evidence == []

    # someone else's row is not the learner's
    assert milestone_state(learner=UserFactory(), milestone=milestones[0]).progress is None
    assert milestone_state(learner=learner, milestone=milestones[1]).progress is None

    class Visitor:
        is_authenticated = False

    with django_assert_num_queries(0):
        state, evidence = milestone_state_and_evidence(learner=Visitor(), milestone=milestones[0])
    assert state.progress is None and state.status == ProgressStatus.NOT_STARTED and evidence == []


def test_events_are_the_orms_newest_first_within_the_limit(milestones, django_assert_num_queries):
    # given: events on two milestones, two at the same moment (ordered by id then), and
    # another learner's
    learner = UserFactory()
    moment = timezone.now() - dt.timedelta(days=2)
    for n, milestone in enumerate(milestones * 3):
        ProgressEventFactory(
            learner=learner,
            milestone=milestone,
            occurred_at=moment if n in (0, 3) else moment + dt.timedelta(minutes=n),
            detail=f"detail {n}",
        )
    ProgressEventFactory(learner=UserFactory(), milestone=milestones[0])

    # when
    with django_assert_num_queries(2):
        recent = learner_events(learner=learner, limit=4)
        on_one = milestone_events(learner=learner, milestone=milestones[0], limit=20)

    # then
    orm = ProgressEvent.objects.filter(learner=learner)
    assert [fields(e) for e in recent] == [fields(e) for e in orm[:4]]
    assert [fields(e) for e in on_one] == [fields(e) for e in orm.filter(milestone=milestones[0])]
    assert len(on_one) == 3
    assert all(timezone.is_aware(e.occurred_at) for e in recent)


def test_every_field_of_a_model_is_read(milestones):
    # model_objects() takes the columns in the model's own field order: a user read whole
    # through plain SQL comes out as the ORM's object
    user = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {model_columns(User, 'u')} FROM {User._meta.db_table} u WHERE u.id = %s",
            [user.pk],
        )
        rows = cursor.fetchall()
    assert [fields(u) for u in model_objects(User, rows)] == [fields(User.objects.get(pk=user.pk))]


def test_a_steps_progress_is_the_learners_on_that_step_alone(django_assert_num_queries):
    # given: rows on two steps, and another learner's on the first
    path = build_roadmap(steps=2, milestones_per_step=2)
    learner = enrolled_learner(path)
    first, _second, third, _fourth = path_milestones(path)
    mine = [full_progress(learner, first), full_progress(learner, third)]
    full_progress(UserFactory(), first)

    # when
    with django_assert_num_queries(1):
        on_step = learner_step_progress(learner=learner, step=first.step)

    # then
    assert list(on_step) == [first.pk]
    assert fields(on_step[first.pk]) == fields(MilestoneProgress.objects.get(pk=mine[0].pk))


@pytest.mark.parametrize(
    "zone", ["Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kolkata", "UTC", "Europe/London"]
)
def test_the_heatmaps_counts_by_local_day_are_the_orms(zone, milestones):
    # given: events around local midnights and a daylight-saving change, and another learner's
    learner = UserFactory(timezone=zone)
    moment = dt.datetime(2026, 3, 28, 9, 30, tzinfo=dt.UTC)
    for hours in range(0, 24 * 5, 5):
        ProgressEventFactory(
            learner=learner, milestone=milestones[0], occurred_at=moment + dt.timedelta(hours=hours)
        )
    ProgressEventFactory(learner=UserFactory(), milestone=milestones[0], occurred_at=moment)
    since = dt.date(2026, 3, 29)
    local = zoneinfo.ZoneInfo(zone)

    # when
    counts = activity_by_local_day(learner=learner, since=since, zone=local)

    # then: as the ORM groups them (TruncDate in the zone), from local midnight of `since`
    start = dt.datetime.combine(since, dt.time.min, tzinfo=local)
    orm = (
        ProgressEvent.objects.filter(learner=learner, occurred_at__gte=start)
        .annotate(day=TruncDate("occurred_at", tzinfo=local))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert counts == {row["day"]: row["n"] for row in orm}
    assert all(type(day) is dt.date for day in counts) and min(counts) == since


def whole(obj) -> dict:
    """All an object holds: its fields and its state, as a save() or a copy would find them."""
    held = {k: (v, type(v)) for k, v in obj.__dict__.items() if k != "_state"}
    state = obj._state
    return {**held, "_state": (type(state), state.adding, state.db, dict(state.__dict__))}


def test_plain_model_objects_hold_what_the_orms_objects_hold(milestones):
    # given: a progress row with every kind of field set, and events
    learner = enrolled_learner(milestones[0].step.path)
    full_progress(learner, milestones[0])
    ProgressEventFactory(learner=learner, milestone=milestones[1], detail="a detail")
    reads = [
        (MilestoneProgress, MilestoneProgress._meta.db_table),
        (ProgressEvent, ProgressEvent._meta.db_table),
    ]
    for model, table in reads:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {model_columns(model, 't')} FROM {table} t WHERE t.learner_id = %s",
                [learner.pk],
            )
            rows = cursor.fetchall()

        # when
        made = plain_model_objects(model, rows)

        # then: the same fields, values, types and state as model_objects' and the ORM's
        assert len(made) == 1
        assert [whole(o) for o in made] == [whole(o) for o in model_objects(model, rows)]
        assert [whole(o) for o in made] == [whole(o) for o in model.objects.filter(learner=learner)]
        assert made[0]._state.adding is False
        assert fields(made[0]) == fields(model.objects.get(pk=made[0].pk))


def test_plain_model_objects_make_no_python_frame_per_field(milestones):
    """plain_model_objects looks at every field's attribute on each call without a Python frame
    per field (map(), not a generator) and works out a model's layout once: what it runs of
    rows.py is itself, _columns_of, the converters' lookup and one _converted a row, whatever
    the model's width."""
    import sys

    from roadmap.selectors import rows as rows_module

    learner = enrolled_learner(milestones[0].step.path)
    for milestone in milestones:
        full_progress(learner, milestone)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {model_columns(MilestoneProgress, 't')}"
            f" FROM {MilestoneProgress._meta.db_table} t WHERE t.learner_id = %s",
            [learner.pk],
        )
        rows = cursor.fetchall()
    plain_model_objects(MilestoneProgress, rows)  # the layout and converters, once
    ran = []

    def record(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == rows_module.__file__:
            ran.append(frame.f_code.co_name)

    sys.setprofile(record)
    try:
        made = plain_model_objects(MilestoneProgress, rows)
    finally:
        sys.setprofile(None)
    assert len(made) == 3
    assert sorted(ran) == sorted(
        ["plain_model_objects", "_columns_of", "_column_converters", *["_converted"] * 3]
    )


def test_plain_model_objects_leave_a_model_with_init_receivers_to_its_init(milestones):
    # given: a receiver of post_init on the events (as a field that needs one would add)
    learner = UserFactory()
    ProgressEventFactory(learner=learner, milestone=milestones[0])
    seen = []

    def count(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(count, sender=ProgressEvent)
    try:
        # when
        recent = learner_events(learner=learner, limit=5)
    finally:
        signals.post_init.disconnect(count, sender=ProgressEvent)

    # then: made through __init__, so the receiver saw it
    assert seen == recent and len(recent) == 1


def test_plain_model_objects_leave_a_field_with_its_own_descriptor_to_init(milestones, monkeypatch):
    # given: the events' detail behind an attribute that does more than hold the value (as a
    # file field's does)
    learner = UserFactory()
    ProgressEventFactory(learner=learner, milestone=milestones[0], detail="kept")
    set_through = []

    class Recording:
        def __get__(self, instance, owner=None):
            return self if instance is None else instance.__dict__["detail"]

        def __set__(self, instance, value):
            set_through.append(value)
            instance.__dict__["detail"] = value

    monkeypatch.setattr(ProgressEvent, "detail", Recording())

    # when
    recent = learner_events(learner=learner, limit=5)

    # then: made through __init__, which set the field through its attribute
    assert set_through == ["kept"]
    assert recent[0].detail == "kept"


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "core.postgresql",
    reason="psycopg2's typecasters and core.postgresql's cursors",
)
def test_the_pages_reads_run_no_python_typecaster_a_value(milestones):
    """The step page's, the milestone page's and the dashboard's reads take a JSON column as its
    text (model_columns' json_as_text) and their times' zone from psycopg2's factory in C
    (core/postgresql): psycopg2 calls no Python function for any value they read."""
    import sys
    from pathlib import Path

    import psycopg2

    from roadmap.selectors.progress import dashboard_reads
    from roadmap.selectors.rows import milestone_page_rows, step_page_rows

    # given: rows with every kind of field, evidence and events on the first milestone
    milestone = milestones[0]
    path, step = milestone.step.path, milestone.step
    learner = enrolled_learner(path)
    for each in milestones:
        full_progress(learner, each)
    EvidenceLinkFactory(
        progress=MilestoneProgress.objects.get(learner=learner, milestone=milestone)
    )
    for _ in range(3):
        ProgressEventFactory(learner=learner, milestone=milestone)

    def reads():
        step_read = step_page_rows(learner=learner, path_slug=path.slug, step_slug=step.slug)
        milestone_read = milestone_page_rows(
            learner=learner,
            path_slug=path.slug,
            step_slug=step.slug,
            milestone_slug=milestone.slug,
            events=5,
        )
        dashboard = dashboard_reads(
            learner=learner, since=dt.date(2020, 1, 1), zone=zoneinfo.ZoneInfo("UTC"), limit=5
        )
        return step_read, milestone_read, dashboard

    reads()  # the statements prepared, the cursor made
    psycopg2_files = str(Path(psycopg2.__file__).parent)
    called = []

    def record(frame, event, arg):
        code = frame.f_code
        if event == "call" and (
            code.co_filename.startswith(psycopg2_files)
            or code.co_name == "tzinfo_factory"
            or (code.co_name == "<lambda>" and "backends/postgresql" in code.co_filename)
        ):
            called.append((code.co_filename, code.co_name))

    # when
    sys.setprofile(record)
    try:
        step_read, milestone_read, dashboard = reads()
    finally:
        sys.setprofile(None)

    # then: none, and the values are the ORM's (a list from the JSON, aware times)
    assert called == []
    assert len(step_read[2]) == 3 and len(milestone_read[3]) == 1 and len(dashboard.events) == 3
    for row in [*step_read[2].values(), milestone_read[2], *dashboard.progress]:
        assert fields(row) == fields(MilestoneProgress.objects.get(pk=row.pk))
        assert row.plan_hours == [2.5, 1] and row.started_at.tzinfo is dt.UTC


JSON_TEXTS = [
    "[]",
    "[2.5, 1]",
    "{}",
    '{"a": [1, {"b": null}], "c": "d"}',
    '"text"',
    '"\\u00e9t\\u00e9 \\ud83d\\ude00 \\"quoted\\""',
    "été",  # not JSON
    "12345678901234567890123456789",
    "-0.0",
    "1e400",
    "NaN",
    "-Infinity",
    "true",
    "null",
    " [1]",  # whitespace before
    "[1] ",  # and after
    "[1]\n",
    "[1] [2]",  # something after
    "[1,",  # cut short
    "[1,]",
    "",
    "[" * 100_000 + "]" * 100_000,  # deeper than Python's recursion limit
]


@pytest.mark.parametrize("text", JSON_TEXTS, ids=range(len(JSON_TEXTS)))
def test_a_json_columns_text_is_what_the_fields_from_db_value_makes_of_it(text):
    """rows._converted parses a default JSONField's text with json.loads' own scanner: the
    same value (or the same error) as JSONField.from_db_value, type for type."""
    from roadmap.selectors.rows import _column_converters, _converted

    # given: the progress row's converters, its JSON column among them unconverted
    converters = _column_converters(MilestoneProgress, connections[DEFAULT_DB_ALIAS])
    field = MilestoneProgress._meta.get_field("plan_hours")
    index = MilestoneProgress._meta.concrete_fields.index(field)
    column = field.get_col(MilestoneProgress._meta.db_table)
    assert (index, None, column) in converters

    def djangos():
        return field.from_db_value(text, column, connection)

    row = [None] * len(MilestoneProgress._meta.concrete_fields)
    row[index] = text
    try:
        expected = djangos()
    except RecursionError:
        # then: as Django's, an error (the scanner's C recursion guard, Python's for Django)
        with pytest.raises(RecursionError):
            _converted(row, converters, connection)
        return

    # when
    parsed = _converted(row, converters, connection)[index]

    # then: equal, and of the same types all the way down (a float is not an int, NaN is NaN)
    assert repr(parsed) == repr(expected)
    assert json.dumps(parsed) == json.dumps(expected)


def test_none_and_a_value_not_text_are_what_from_db_value_makes_of_them():
    from roadmap.selectors.rows import _column_converters, _converted

    converters = _column_converters(MilestoneProgress, connections[DEFAULT_DB_ALIAS])
    field = MilestoneProgress._meta.get_field("plan_hours")
    index = MilestoneProgress._meta.concrete_fields.index(field)
    for value in (None, b"[1]", 3):
        row = [None] * len(MilestoneProgress._meta.concrete_fields)
        row[index] = value
        column = field.get_col(MilestoneProgress._meta.db_table)
        try:
            expected = field.from_db_value(value, column, connection)
        except TypeError:
            with pytest.raises(TypeError):
                _converted(row, converters, connection)
            continue
        assert _converted(row, converters, connection)[index] == expected
