"""The published roadmap kept per process under the content version token
(roadmap/selectors/content_snapshot.py): every kind of edit shows on the very next page, the
pages are the same bytes as when they read the database, and no content table lacks triggers."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from roadmap.models import (
    CareerPath,
    ContentVersion,
    Course,
    Milestone,
    MilestoneResource,
    ProgressStatus,
    Step,
)
from roadmap.selectors import content_snapshot
from roadmap.services import progress as services
from roadmap.services.content import roadmap_load
from tests.accounts.factories import UserFactory
from tests.roadmap.admin_edits import admin_course_rename
from tests.roadmap.factories import (
    CourseFactory,
    EvidenceLinkFactory,
    MilestoneFactory,
    MilestoneProgressFactory,
    MilestoneResourceFactory,
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Django masks the CSRF token afresh for every response; all else must be the same bytes.
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')
MOMENT = re.compile(rb'<time datetime="[^"]+">')

# roadmap's models that are not content: a learner's own rows, and the token itself. A new model
# must be put in one list or the other (test_every_roadmap_model_is_content_or_a_learners).
NOT_CONTENT = {
    "Enrollment",
    "MilestoneProgress",
    "EvidenceLink",
    "ProgressEvent",
    "LearnerPlan",
    "PlanRevision",
    "ContentVersion",
}


@pytest.fixture(autouse=True)
def content_version(settings):
    """The token row, as the migration leaves it (a test run's flush can remove it), with a
    token no process holds content under, and the snapshot switched on."""
    settings.CONTENT_SNAPSHOT = True
    settings.DEBUG = False
    ContentVersion.objects.update_or_create(pk=1, defaults={"token": random.getrandbits(62)})


def token() -> int:
    return ContentVersion.objects.get(pk=1).token


def status_url(milestone: Milestone) -> str:
    return reverse(
        "roadmap:milestone_status",
        args=[milestone.step.path.slug, milestone.step.slug, milestone.slug],
    )


def pages(client, milestone: Milestone) -> tuple[str, str]:
    step_page = client.get(milestone.step.get_absolute_url())
    milestone_page = client.get(milestone.get_absolute_url())
    assert step_page.status_code == milestone_page.status_code == 200
    return step_page.content.decode(), milestone_page.content.decode()


@pytest.fixture
def roadmap():
    """A path of two steps with courses and resources, the milestone in the middle of its step."""
    path = build_roadmap(steps=2, milestones_per_step=3, courses_per_step=2)
    milestone = path_milestones(path)[1]
    return path, milestone


# --- The token ----------------------------------------------------------------------------------


def _write_each_way(milestone: Milestone) -> list:
    step, path = milestone.step, milestone.step.path
    course = CourseFactory()
    return [
        ("save", lambda: Milestone.objects.get(pk=milestone.pk).save()),
        ("update", lambda: Step.objects.filter(pk=step.pk).update(title="Renamed")),
        (
            "bulk_create",
            lambda: Milestone.objects.bulk_create(
                [Milestone(step=step, slug="bulk", title="Bulk")]
            ),
        ),
        ("raw SQL", lambda: _raw("UPDATE roadmap_careerpath SET title = 'R' WHERE id = %s", path)),
        ("delete", lambda: MilestoneResource.objects.filter(milestone=milestone).delete()),
        ("course added", lambda: course.steps.add(step)),
        ("course removed", lambda: course.steps.remove(step)),
        ("course edited", lambda: Course.objects.filter(pk=course.pk).update(hours=7)),
        (
            "link rows by SQL",
            lambda: _raw("DELETE FROM roadmap_course_steps WHERE step_id = %s", step),
        ),
    ]


def _raw(sql: str, obj) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, [obj.pk])


def test_every_kind_of_write_to_content_changes_the_token(roadmap):
    _, milestone = roadmap
    for name, write in _write_each_way(milestone):
        before = token()
        write()
        assert token() != before, name


def test_writes_to_a_learners_rows_leave_the_token_alone(roadmap):
    path, milestone = roadmap
    before = token()
    learner = enrolled_learner(path)
    services.milestone_status_set(learner=learner, milestone=milestone, status=ProgressStatus.DONE)
    services.milestone_notes_set(learner=learner, milestone=milestone, notes="Mine.")
    assert token() == before


# --- Every edit shows on the very next page -----------------------------------------------------


def _admin_course_edit(client, milestone: Milestone) -> str:
    course = milestone.resources.get().course
    admin_course_rename(client, course, "Edited in the admin")
    return "Edited in the admin"


def _admin_retire_sibling(client, milestone: Milestone) -> str:
    sibling = path_milestones(milestone.step.path)[0]
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.post(
        reverse("admin:roadmap_milestone_changelist"),
        {"action": "retire", "_selected_action": [sibling.pk]},
    )
    client.logout()
    assert Milestone.objects.get(pk=sibling.pk).retired_at is not None
    return "Milestone 1 of 2 in"


def _update(client, milestone: Milestone) -> str:
    Milestone.objects.filter(pk=milestone.pk).update(title="Changed by update()")
    return "Changed by update()"


def _raw_sql(client, milestone: Milestone) -> str:
    _raw("UPDATE roadmap_step SET title = 'Changed by SQL' WHERE id = %s", milestone.step)
    return "Changed by SQL"


def _resource_deleted(client, milestone: Milestone) -> str:
    MilestoneResource.objects.filter(milestone=milestone).delete()
    return "No curated resources for this milestone yet"


def _resource_added(client, milestone: Milestone) -> str:
    MilestoneResourceFactory(
        milestone=milestone, course=None, title="A new guide", url="https://g.example/"
    )
    return "A new guide"


def _course_linked(client, milestone: Milestone) -> str:
    CourseFactory(title="Newly linked course").steps.add(milestone.step)
    return "Newly linked course"


def _course_unlinked(client, milestone: Milestone) -> str:
    for course in milestone.step.courses.all():
        course.steps.remove(milestone.step)
    return "Courses for this step"  # must be gone: see NOT_SHOWN


def _milestone_added(client, milestone: Milestone) -> str:
    MilestoneFactory(step=milestone.step, title="Added by bulk", position=9)
    return "Milestone 2 of 4 in"


EDITS = {
    "admin edit": _admin_course_edit,
    "admin retire": _admin_retire_sibling,
    "QuerySet.update()": _update,
    "raw SQL UPDATE": _raw_sql,
    "delete": _resource_deleted,
    "insert": _resource_added,
    "course linked to the step": _course_linked,
    "course unlinked from the step": _course_unlinked,
    "milestone added": _milestone_added,
}
NOT_SHOWN = {"course unlinked from the step"}
ON_THE_STEP_PAGE = {
    "admin edit",
    "QuerySet.update()",
    "raw SQL UPDATE",
    "course linked to the step",
    "course unlinked from the step",
}


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("signed_in", [True, False], ids=["learner", "visitor"])
def test_an_edit_shows_on_the_very_next_page(client, roadmap, edit, signed_in):
    # given: the pages seen once, so the content is in the process's snapshot
    path, milestone = roadmap
    learner = enrolled_learner(path)
    if signed_in:
        client.force_login(learner)
    before_step, before_milestone = pages(client, milestone)

    # when: content is edited
    text = EDITS[edit](client, milestone)
    if signed_in:
        client.force_login(learner)

    # then: the very next step and milestone pages show it
    after_step, after_milestone = pages(client, Milestone.objects.get(pk=milestone.pk))
    where = after_step if edit in ON_THE_STEP_PAGE else after_milestone
    before = before_step if edit in ON_THE_STEP_PAGE else before_milestone
    if edit in NOT_SHOWN:
        assert text in before and text not in where
    else:
        assert text not in before and text in where
    if edit == "milestone added":
        assert "Added by bulk" in after_step


def test_a_loader_run_shows_on_the_very_next_page(client):
    # given: a path loaded from a data file, its pages seen
    data = {
        "version": 1,
        "path": {"slug": "loaded", "title": "Loaded path", "summary": "S.", "description": "D."},
        "courses": [
            {
                "slug": "loaded-c0",
                "title": "Course zero",
                "provider": "Example",
                "url": "https://example.com/c0",
                "cost": "free",
                "hours": 5,
                "level": "beginner",
                "steps": ["s0"],
            }
        ],
        "steps": [
            {
                "slug": "s0",
                "title": "Step zero",
                "milestones": [
                    {
                        "slug": f"m{n}",
                        "title": f"Milestone {n}",
                        "why": "Because.",
                        "how": ["First."],
                        "kind": "learn",
                        "effort_hours": 3,
                        "resources": [{"course": "loaded-c0"}],
                    }
                    for n in range(2)
                ],
            }
        ],
    }
    roadmap_load(data=data)
    client.force_login(enrolled_learner(CareerPath.objects.get(slug="loaded")))
    assert "Milestone 0" in client.get("/paths/loaded/s0/").content.decode()

    # when: the file changes a title and drops a milestone, and is loaded again
    data["steps"][0]["milestones"][0]["title"] = "Reloaded title"
    data["courses"][0]["title"] = "Course renamed"
    del data["steps"][0]["milestones"][1]
    roadmap_load(data=data)

    # then: the step page shows the new title and course, the dropped milestone is gone
    html = client.get("/paths/loaded/s0/").content.decode()
    assert "Reloaded title" in html and "Course renamed" in html and "Milestone 1" not in html
    assert client.get("/paths/loaded/s0/m1/").status_code == 404
    assert "Course renamed" in client.get("/paths/loaded/s0/m0/").content.decode()


def test_unpublishing_a_path_or_retiring_a_milestone_is_a_404_at_once(client, roadmap):
    # given: a learner who has seen the pages
    path, milestone = roadmap
    learner = enrolled_learner(path)
    client.force_login(learner)
    pages(client, milestone)
    other = path_milestones(path)[0]

    # when: the milestone is retired
    Milestone.objects.filter(pk=milestone.pk).update(retired_at=timezone.now())

    # then: its page, and changes to it, are not found; its step page lists it no more
    assert client.get(milestone.get_absolute_url()).status_code == 404
    response = client.post(status_url(milestone), {"status": "done"})
    assert response.status_code == 404
    assert milestone.title not in client.get(milestone.step.get_absolute_url()).content.decode()

    # and when the path is unpublished, nothing of it is found
    CareerPath.objects.filter(pk=path.pk).update(is_published=False)
    assert client.get(other.step.get_absolute_url()).status_code == 404
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.post(status_url(other), {"status": "done"}).status_code == 404


def test_not_found_pages_say_what_is_missing(client, roadmap):
    # the 404s of the database path, word for word
    path, milestone = roadmap
    client.force_login(enrolled_learner(path))
    stranger = UserFactory()
    for url, message in [
        ("/paths/nope/s0/", "No such career path"),
        (f"/paths/{path.slug}/nope/", "No such step"),
        (f"/paths/{path.slug}/{milestone.step.slug}/nope/", "No such milestone"),
        (f"/paths/nope/{milestone.step.slug}/{milestone.slug}/", "No such milestone"),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.context["exception"] == message, url
    client.force_login(stranger)
    response = client.post(status_url(milestone), {"status": "done"})
    assert response.status_code == 404
    assert response.context["exception"] == "No such milestone, or not enrolled in its path"


# --- The same pages, byte for byte --------------------------------------------------------------


def _rich_roadmap():
    """Two steps with courses, resources (course and plain link), a retired milestone and tools;
    a learner with progress, a target date, evidence and history on the milestone."""
    path = build_roadmap(steps=3, milestones_per_step=3, courses_per_step=2)
    milestones = path_milestones(path)
    milestone = milestones[4]
    MilestoneResourceFactory(milestone=milestone, course=None, url="https://guide.example/")
    Milestone.objects.filter(pk=milestones[3].pk).update(retired_at=timezone.now())
    Milestone.objects.filter(pk=milestone.pk).update(
        actions=[{"kind": "cv-check", "target": "", "name": ""}]
    )
    CourseFactory(title="Another course", is_free=True).steps.add(milestone.step)
    learner = enrolled_learner(path)
    today = timezone.localdate()
    for i, m in enumerate(milestones[:6]):
        MilestoneProgressFactory(
            learner=learner,
            milestone=m,
            status=list(ProgressStatus)[i % 4],
            target_date=today + dt.timedelta(days=i),
        )
    services.milestone_status_set(learner=learner, milestone=milestone, status="in_progress")
    EvidenceLinkFactory(progress=milestone.progress.get(learner=learner))
    return path, Milestone.objects.select_related("step__path").get(pk=milestone.pk), learner


def _responses(client, milestone: Milestone) -> list[bytes]:
    contents = []
    for url in [
        milestone.step.get_absolute_url(),
        milestone.get_absolute_url(),
        milestone.step.path.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        contents.append(CSRF.sub(rb"\1token", response.content))
    return contents


@pytest.mark.parametrize("who", ["visitor", "learner", "not enrolled"])
def test_the_pages_are_the_same_bytes_with_the_snapshot_and_without(client, settings, who):
    path, milestone, learner = _rich_roadmap()
    if who == "learner":
        client.force_login(learner)
    elif who == "not enrolled":
        client.force_login(UserFactory())

    settings.CONTENT_SNAPSHOT = False
    from_database = _responses(client, milestone)
    settings.CONTENT_SNAPSHOT = True
    first = _responses(client, milestone)  # reads the snapshot
    again = _responses(client, milestone)  # served from it

    assert first == from_database
    assert again == from_database


def test_a_status_change_answers_the_same_bytes_with_the_snapshot_and_without(client, settings):
    path, milestone, learner = _rich_roadmap()
    client.force_login(learner)
    answers = {}
    for on in (False, True, True):
        settings.CONTENT_SNAPSHOT = on
        for fragment in ("row", "card"):
            for status in ("done", "in_progress"):
                response = client.post(
                    status_url(milestone),
                    {"status": status, "fragment": fragment, "next": "/back/"},
                    **HTMX,
                )
                assert response.status_code == 200
                # the moment it was completed is the one thing that differs
                body = CSRF.sub(rb"\1token", response.content)
                answers.setdefault((fragment, status), set()).add(MOMENT.sub(b"", body))
    assert all(len(bodies) == 1 for bodies in answers.values()), answers.keys()


# --- Switches, the slot and what it costs -------------------------------------------------------


def test_off_under_the_switch_under_debug_and_without_the_token_row(settings, roadmap):
    path, _ = roadmap
    assert content_snapshot.path_and_enrolment(path_slug=path.slug, learner=None) is not None
    settings.CONTENT_SNAPSHOT = False
    assert content_snapshot.path_and_enrolment(path_slug=path.slug, learner=None) is None
    settings.CONTENT_SNAPSHOT, settings.DEBUG = True, True
    assert content_snapshot.path_and_enrolment(path_slug=path.slug, learner=None) is None
    settings.DEBUG = False
    ContentVersion.objects.all().delete()
    assert content_snapshot.path_and_enrolment(path_slug=path.slug, learner=None) is None


def test_without_the_token_row_every_page_reads_the_database(client, roadmap):
    # given: no token row (as after a flush)
    path, milestone = roadmap
    ContentVersion.objects.all().delete()
    pages(client, milestone)

    # when: content changes (the triggers find no row to update)
    Milestone.objects.filter(pk=milestone.pk).update(title="Seen at once")

    # then: the next page shows it all the same
    assert "Seen at once" in pages(client, milestone)[1]


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_reading_the_snapshot_takes_seven_queries_whatever_the_size(
    steps, per_step, django_assert_max_num_queries
):
    # two paths, so the read is of every published path at once
    build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=3)
    path = build_roadmap(steps=2, milestones_per_step=2)

    # the token (with the enrolment), paths, steps, milestones, courses, resources, the token
    # again (to keep the snapshot only if nothing changed meanwhile)
    with django_assert_max_num_queries(7):
        published, enrolled = content_snapshot.path_and_enrolment(path_slug=path.slug, learner=None)
    assert [s.pk for s in published.steps] == list(
        Step.objects.filter(path=path).order_by("position").values_list("pk", flat=True)
    )
    with django_assert_max_num_queries(1):
        assert content_snapshot.path_and_enrolment(path_slug=path.slug, learner=None)[0] is (
            published
        )


def test_one_slot_holds_the_latest_token(roadmap):
    path, milestone = roadmap
    content_snapshot_read()
    first = content_snapshot.content_snapshot(token())
    assert content_snapshot.content_snapshot(token()) is first

    Milestone.objects.filter(pk=milestone.pk).update(title="New")
    second = content_snapshot.content_snapshot(token())
    assert second is not first and second.token == token()
    assert content_snapshot._held is second
    assert second.paths[path.slug].milestone_by_slugs[
        (milestone.step.slug, milestone.slug)
    ].title == ("New")


def test_content_changed_during_the_read_is_not_kept(monkeypatch, roadmap):
    # given: an edit committed between the snapshot's reads
    path, milestone = roadmap
    read = content_snapshot._read

    def read_then_edit(token):
        snapshot = read(token)
        Milestone.objects.filter(pk=milestone.pk).update(title="Meanwhile")
        return snapshot

    monkeypatch.setattr(content_snapshot, "_read", read_then_edit)
    before = token()

    # when: the snapshot is read for the token seen before the edit
    snapshot = content_snapshot.content_snapshot(before)

    # then: it serves that request, but is not kept
    assert snapshot.token == before
    assert content_snapshot._held is not snapshot


def _state_of(snapshot) -> dict:
    """Every shared object's attributes and loaded relations, to see that no page changes them."""
    objects = [
        obj
        for published in snapshot.paths.values()
        for obj in (
            published.path,
            *published.steps,
            *(m for ms in published.milestones.values() for m in ms),
            *(c for cs in published.courses.values() for c in cs),
            *(r for rs in published.resources.values() for r in rs),
        )
    ]
    return {
        (type(obj).__name__, id(obj)): (
            {k: v for k, v in vars(obj).items() if k != "_state"},
            {k: id(v) for k, v in obj._state.fields_cache.items()},
        )
        for obj in objects
    }


def test_pages_leave_the_shared_objects_as_they_found_them(client, settings):
    # given: the snapshot as read
    path, milestone, learner = _rich_roadmap()
    client.force_login(learner)
    content_snapshot_read()
    snapshot = content_snapshot._held
    before = _state_of(snapshot)

    # when: every page and change that uses it
    _responses(client, milestone)
    for fragment in ("row", "card", ""):
        client.post(status_url(milestone), {"status": "done", "fragment": fragment}, **HTMX)
    for name, data in [
        ("roadmap:milestone_notes", {"notes": "Noted."}),
        ("roadmap:milestone_target_date", {"target_date": "2030-01-01"}),
        ("roadmap:milestone_evidence_add", {"url": "https://work.example/", "label": "Work"}),
    ]:
        client.post(reverse(name, args=[path.slug, milestone.step.slug, milestone.slug]), data)
    client.logout()
    _responses(client, milestone)

    # then: the same snapshot, unchanged
    assert content_snapshot._held is snapshot
    assert _state_of(snapshot) == before


# --- Every content table has its triggers -------------------------------------------------------


def _content_tables() -> set[str]:
    tables = set()
    for model in content_snapshot.CONTENT_MODELS:
        tables.add(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            tables.add(field.remote_field.through._meta.db_table)
    return tables


def _trigger_events() -> dict[str, set[str]]:
    """Per table, the writes on which a trigger changes the content version."""
    events: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # tgtype's bits: 4 insert, 8 delete, 16 update, 32 truncate
            cursor.execute(
                "SELECT c.relname, t.tgtype FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' "
                "AND p.proname = 'roadmap_content_changed'"
            )
            bits = {4: "INSERT", 8: "DELETE", 16: "UPDATE", 32: "TRUNCATE"}
            for table, kind in cursor.fetchall():
                events.setdefault(table, set()).update(n for b, n in bits.items() if kind & b)
        else:
            cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            for table, sql in cursor.fetchall():
                match = re.search(r"AFTER (INSERT|UPDATE|DELETE) ON", sql)
                if match and "UPDATE roadmap_contentversion SET token" in sql:
                    events.setdefault(table, set()).add(match.group(1))
    return events


def test_every_content_table_has_triggers_for_every_kind_of_write():
    wanted = {"INSERT", "UPDATE", "DELETE"}
    if connection.vendor == "postgresql":
        wanted.add("TRUNCATE")
    events = _trigger_events()
    missing = {t: wanted - events.get(t, set()) for t in _content_tables()}
    assert not {t: e for t, e in missing.items() if e}, (
        "A content table without triggers would show stale pages: create them with "
        "roadmap.content_triggers.content_triggers_create in a migration."
    )


def test_every_roadmap_model_is_content_or_a_learners():
    names = {m.__name__ for m in content_snapshot.CONTENT_MODELS}
    for model in apps.get_app_config("roadmap").get_models():
        assert model.__name__ in names | NOT_CONTENT, (
            f"{model.__name__}: content (CONTENT_MODELS, with triggers) or a learner's own rows "
            "(NOT_CONTENT here)?"
        )


def test_content_refers_only_to_content():
    # a relation from content to a table without triggers would go stale in the snapshot
    content = set(content_snapshot.CONTENT_MODELS)
    for model in content:
        for field in model._meta.get_fields():
            if field.is_relation and (field.many_to_one or field.many_to_many) and field.concrete:
                assert field.related_model in content, f"{model.__name__}.{field.name}"
