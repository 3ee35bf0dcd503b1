"""The step page after its speed-up: a fixed, small number of queries at any size, and rows
that say and offer exactly what the shared partials (status_badge, target_badge,
status_controls) would, on the page and in the row an htmx status change swaps in."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roadmap.models import Milestone, MilestoneKind, ProgressStatus
from roadmap.presenters import browsing as browsing_pages
from roadmap.selectors import paths as path_selectors
from roadmap.selectors.progress import MilestoneState
from roadmap.services import progress as services
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    MilestoneProgressFactory,
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)
from tests.roadmap.markup import TOKEN, squash

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def row_of(html: str, milestone: Milestone) -> str:
    match = re.search(
        rf'<li class="milestone-row[^"]*" id="milestone-{milestone.pk}">.*?</li>', html, re.S
    )
    assert match, f"no row for milestone {milestone.pk}"
    return squash(match.group(0))


def _progress_on_every_milestone(learner, path, today: dt.date) -> None:
    statuses = list(ProgressStatus)
    for i, m in enumerate(path_milestones(path)):
        MilestoneProgressFactory(
            learner=learner,
            milestone=m,
            status=statuses[i % len(statuses)],
            target_date=today + dt.timedelta(days=(i % 13) - 4),
        )


# --- Queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("steps", "per_step"), [(4, 5), (12, 40)], ids=["20", "480"])
def test_the_step_page_reads_twice_for_a_learner_whatever_the_size(
    client, steps, per_step, django_assert_max_num_queries
):
    # given: an enrolled learner with progress and a target date on every milestone, and the
    # content in the process's snapshot (as after the first page since the last edit)
    path = build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=3)
    learner = enrolled_learner(path)
    _progress_on_every_milestone(learner, path, timezone.localdate())
    client.force_login(learner)
    step = path_milestones(path)[-1].step
    content_snapshot_read()

    # when / then: session + user, then the content version with the enrolment, the progress
    with django_assert_max_num_queries(2 + 2):
        response = client.get(step.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="status-controls"') == per_step


@pytest.mark.parametrize(("steps", "per_step"), [(4, 5), (12, 40)], ids=["20", "480"])
def test_the_step_page_reads_once_for_a_visitor_or_a_learner_not_enrolled(
    client, steps, per_step, django_assert_max_num_queries
):
    path = build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=3)
    step = path_milestones(path)[-1].step
    content_snapshot_read()

    # the content version (with the enrolment); the content from the snapshot
    with django_assert_max_num_queries(1):
        assert client.get(step.get_absolute_url()).status_code == 200

    client.force_login(UserFactory())
    with django_assert_max_num_queries(2 + 1):
        html = client.get(step.get_absolute_url()).content.decode()
    assert "Enrol in" in html
    assert "status-controls" not in html


@pytest.mark.parametrize("per_step", [5, 60])
def test_an_htmx_status_change_reads_nothing_after_its_write(client, per_step):
    path = build_roadmap(steps=3, milestones_per_step=per_step)
    learner = enrolled_learner(path)
    client.force_login(learner)
    milestone, sibling = path_milestones(path)[:2]
    services.milestone_status_set(learner=learner, milestone=sibling, status="done")
    content_snapshot_read()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            milestone.get_absolute_url() + "status/", {"status": "done", "fragment": "row"}, **HTMX
        )

    # then: after the write (its last statement records the event), nothing: the statement that
    # wrote the row read the learner's other rows on the step (on PostgreSQL the whole change is
    # one statement, _STATUS_CHANGE_ALONE), and the step's milestones come from the content
    # snapshot
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    writes_event = (
        "roadmap_progressevent",
        services._STATUS_WRITE.name,
        services._STATUS_CHANGE_ALONE.name,
    )
    last_write = max(i for i, q in enumerate(sql) if any(w in q for w in writes_event))
    reads = [q for q in sql[last_write + 1 :] if not re.match(r"(RELEASE )?SAVEPOINT|COMMIT", q)]
    assert reads == []
    # and the answer's progress bar counts the learner's other rows on the step
    assert f"2 of {per_step} done" in response.content.decode()


def test_unknown_or_unpublished_paths_and_steps_are_not_found(client):
    path = build_roadmap(steps=2, milestones_per_step=1, slug="p")
    assert client.get("/paths/p/s0/").status_code == 200
    assert client.get("/paths/p/nope/").status_code == 404
    assert client.get("/paths/nope/s0/").status_code == 404
    path.is_published = False
    path.save()
    assert client.get("/paths/p/s0/").status_code == 404


# --- Rows say what the shared partials say ------------------------------------------------------


@pytest.mark.parametrize("status", [s.value for s in ProgressStatus])
@pytest.mark.parametrize("days", [None, -30, -1, 0, 1, 7, 8, 40])
def test_a_row_matches_the_shared_badge_and_controls(status, days):
    # given: a milestone in `status`, its target `days` away (or none)
    path = build_roadmap(steps=1, milestones_per_step=1)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[0]
    today = dt.date(2026, 3, 10)
    MilestoneProgressFactory(
        learner=learner,
        milestone=milestone,
        status=status,
        target_date=None if days is None else today + dt.timedelta(days=days),
    )
    row = browsing_pages.step_progress(learner=learner, step=milestone.step).milestones[0]
    plain = MilestoneState(milestone=row.milestone, progress=row.progress)
    request = RequestFactory().get("/")
    context = {"state": plain, "today": today, "next": "/back/"}

    # when: the row, and the shared partials for the same state
    html = squash(
        render_to_string(
            "roadmap/partials/milestone_row.html",
            {"state": row, "is_enrolled": True, "next": "/back/", "today": today},
            request=request,
        )
    )
    badge = squash(render_to_string("roadmap/partials/status_badge.html", context))
    target = squash(render_to_string("roadmap/partials/target_badge.html", context))
    controls = squash(
        render_to_string(
            "roadmap/partials/status_controls.html",
            {**context, "fragment": "row", "target": "closest .milestone-row"},
            request=request,
        )
    )

    # then: the row prints the same badges and the same form
    assert f"{badge} {target}" in html
    assert controls in html
    assert (days is not None and status in ("not_started", "in_progress")) == bool(target)


def test_a_row_shows_the_milestone_its_kind_and_effort():
    path = build_roadmap(steps=1, milestones_per_step=2)
    first, second = path_milestones(path)
    Milestone.objects.filter(pk=first.pk).update(kind=MilestoneKind.CERTIFY, effort_hours=1)
    rows = browsing_pages.step_progress(learner=None, step=first.step).milestones

    html = squash(
        render_to_string(
            "roadmap/partials/milestone_row.html", {"state": rows[0], "is_enrolled": False}
        )
    )
    assert f'<a href="{first.get_absolute_url()}">{first.title}</a>' in html
    assert "Certify · about 1 hour</p>" in html
    assert "status-controls" not in html
    assert "about 4 hours" in render_to_string(
        "roadmap/partials/milestone_row.html", {"state": rows[1], "is_enrolled": False}
    )
    assert rows[1].status_url == second.get_absolute_url() + "status/"


def test_the_row_a_status_change_swaps_in_is_the_pages_row(client):
    # given: a learner on a step page, one milestone with a target date
    path = build_roadmap(steps=2, milestones_per_step=3)
    learner = enrolled_learner(path)
    client.force_login(learner)
    milestone = path_milestones(path)[1]
    services.milestone_target_date_set(
        learner=learner,
        milestone=milestone,
        target_date=timezone.localdate() + dt.timedelta(days=3),
        today=timezone.localdate(),
    )
    step_url = milestone.step.get_absolute_url()

    # when: its status changes by htmx, and the page is loaded again
    swap = client.post(
        milestone.get_absolute_url() + "status/",
        {"status": "in_progress", "fragment": "row", "next": step_url},
        **HTMX,
    ).content.decode()
    page = client.get(step_url).content.decode()

    # then: the swapped row is the page's row, and the progress bar is sent out of band
    assert row_of(swap, milestone) == row_of(page, milestone)
    assert "badge-due" in row_of(page, milestone)
    assert 'hx-swap-oob="true"' in swap


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("not_started", ["in_progress: Start", "done: Mark done", "skipped: Skip"]),
        ("in_progress", ["done: Mark done", "skipped: Skip", "not_started: Reset"]),
        ("done", ["in_progress: Mark in progress", "not_started: Reset"]),
        ("skipped", ["in_progress: Mark in progress", "done: Mark done", "not_started: Reset"]),
    ],
)
def test_each_status_offers_the_other_moves_on_the_step_row_and_the_milestone_card(status, offered):
    # given
    path = build_roadmap(steps=1, milestones_per_step=1)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[0]
    MilestoneProgressFactory(learner=learner, milestone=milestone, status=status)
    row = browsing_pages.step_progress(learner=learner, step=milestone.step).milestones[0]
    request = RequestFactory().get("/")
    today = dt.date(2026, 3, 10)

    # when
    html = {
        "row": render_to_string(
            "roadmap/partials/milestone_row.html",
            {"state": row, "is_enrolled": True, "today": today},
            request=request,
        ),
        "card": render_to_string(
            "roadmap/partials/status_controls.html",
            {"state": MilestoneState(milestone=milestone, progress=row.progress)},
            request=request,
        ),
    }

    # then
    for where, page in html.items():
        buttons = re.findall(r'<button[^>]* value="(\w+)"[^>]*>([^<]+)<', page)
        assert [f"{value}: {label}" for value, label in buttons] == offered, where


def test_a_progress_change_finds_its_milestone_and_the_enrolment_in_one_query(
    django_assert_num_queries,
):
    # given
    path = build_roadmap(steps=2, milestones_per_step=3)
    learner, stranger = enrolled_learner(path), UserFactory()
    milestone = path_milestones(path)[4]
    content_snapshot_read()
    slugs = {
        "path_slug": path.slug,
        "step_slug": milestone.step.slug,
        "milestone_slug": milestone.slug,
    }

    # when / then: the enrolled learner gets it, with its step and path, in one query
    with django_assert_num_queries(1):
        found = path_selectors.enrolled_milestone(learner=learner, **slugs)
        assert (found, found.step.path) == (milestone, path)

    # and anyone else gets a 404, in one query too
    with django_assert_num_queries(1), pytest.raises(Http404):
        path_selectors.enrolled_milestone(learner=stranger, **slugs)


def test_a_planned_learners_row_after_a_status_change_is_the_step_pages_row(client):
    """The answer is drawn from the rows the change's own statement read, re-planned in place:
    a row the re-plan moves to another week must show that week, as the step page then does."""
    from roadmap.services.plan import plan_settings_set

    # given: a learner with a plan of 2 hours a week, so the milestones spread over weeks
    path = build_roadmap(steps=2, milestones_per_step=4)
    learner = enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=2, weekdays=[0, 1, 2, 3, 4])
    client.force_login(learner)
    first, second = path_milestones(path)[:2]
    step_url = first.step.get_absolute_url()
    content_snapshot_read()
    week = re.compile(r"planned: week of [^<]*|$")
    weeks_seen = {week.search(exact_row_of(client.get(step_url), second)).group()}

    for milestone, status in [(second, "done"), (first, "done"), (second, "not_started")]:
        # when
        answer = client.post(
            milestone.get_absolute_url() + "status/",
            {"status": status, "fragment": "row", "next": step_url},
            **HTMX,
        )
        page = client.get(step_url)

        # then: the answer's row is the step page's row, byte for byte but for the CSRF token
        assert exact_row_of(answer, milestone) == exact_row_of(page, milestone)
        weeks_seen.add(week.search(exact_row_of(page, second)).group())
    # the second row did change weeks (and lost its week when done), so the comparison means it
    assert len(weeks_seen) == 3


def exact_row_of(response, milestone) -> str:
    """The milestone's row in a step page or a status change's answer, without the CSRF token."""
    html = response.content.decode()
    found = re.search(
        rf'<li class="milestone-row[^"]*" id="milestone-{milestone.pk}">.*?</li>', html, re.S
    )
    return TOKEN.sub("", found.group())


def test_the_row_and_progress_a_status_change_draws_are_the_step_pages():
    # given: a learner with every status and target dates on a step's milestones
    today = timezone.localdate()
    path = build_roadmap(steps=2, milestones_per_step=5)
    learner = enrolled_learner(path)
    _progress_on_every_milestone(learner, path, today)
    step = path_milestones(path)[0].step
    milestones = [m for m in path_milestones(path) if m.step_id == step.pk]
    rows = {p.milestone_id: p for p in learner.milestone_progress.filter(milestone__step=step)}
    whole = browsing_pages.step_progress(learner=learner, step=step, rows=rows)

    for milestone in milestones:
        # when: a status change re-draws the row of each milestone in turn
        row, progress = browsing_pages.changed_step_row(
            learner=learner, step=step, milestone=milestone, rows=rows
        )

        # then: the row is the step page's row for it, and the counts are the page's
        assert row == next(s for s in whole.milestones if s.milestone.pk == milestone.pk)
        counts = (progress.total, progress.done, progress.skipped, progress.in_progress)
        assert counts == (whole.total, whole.done, whole.skipped, whole.in_progress)
        assert progress.percent == whole.percent
        html = render_to_string(
            "roadmap/partials/step_progress.html",
            {"progress": progress, "oob": True},
            using="jinja2",
        )
        assert html == render_to_string(
            "roadmap/partials/step_progress.html", {"progress": whole, "oob": True}, using="jinja2"
        )

    # and a milestone of another step is not found on this one
    elsewhere = next(m for m in path_milestones(path) if m.step_id != step.pk)
    with pytest.raises(Http404):
        browsing_pages.changed_step_row(learner=learner, step=step, milestone=elsewhere, rows=rows)
