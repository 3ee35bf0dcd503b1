"""The step and milestone pages' first read in one statement (roadmap/selectors/rows.py
`step_page_rows`, `milestone_page_rows`): the content version, the enrolment and the learner's
rows, the same as the two reads they replace (content_snapshot's version with the enrolment, then
the learner's rows on the step or milestone), found by the address's slugs and kept to its path,
its step, its milestone and its learner; with prepared statements on and off."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from roadmap.models import ContentVersion, EvidenceLink, Milestone, MilestoneProgress
from roadmap.selectors.paths import milestone_state_and_evidence
from roadmap.selectors.progress import learner_step_progress, milestone_events
from roadmap.selectors.rows import milestone_page_rows, step_page_rows
from tests.roadmap.factories import (
    EvidenceLinkFactory,
    MilestoneProgressFactory,
    ProgressEventFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)
from tests.roadmap.test_prepared_reads import fields, full_progress

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["prepared", "plain"])
def prepared(request, settings):
    settings.DATABASE_PREPARED_STATEMENTS = request.param
    return request.param


@pytest.fixture
def token_row():
    ContentVersion.objects.update_or_create(pk=1, defaults={"token": random.getrandbits(62)})


def current_token() -> int:
    """The version now: any content write (a milestone made here) changes it."""
    return ContentVersion.objects.get(pk=1).token


@pytest.fixture
def roadmaps():
    """Two paths whose steps and milestones have the same slugs (s0, s0-m0, ...)."""
    return build_roadmap(steps=2, milestones_per_step=3), build_roadmap(
        steps=2, milestones_per_step=3
    )


def _rows_everywhere(learner, *paths) -> None:
    for path in paths:
        for milestone in path_milestones(path):
            row = full_progress(learner, milestone)
            EvidenceLinkFactory(progress=row, url=f"https://example.com/{milestone.pk}")


def test_the_step_pages_read_is_the_version_the_enrolment_and_the_steps_rows(
    roadmaps, token_row, prepared, django_assert_num_queries
):
    # given: a learner enrolled in the first path with rows on every milestone of both, a
    # retired milestone's row on the step, and another learner's rows on the same step
    path, other_path = roadmaps
    learner = enrolled_learner(path)
    _rows_everywhere(learner, path, other_path)
    step = path.steps.order_by("position").last()
    retired = Milestone.objects.create(
        step=step, slug="gone", title="Gone", position=9, retired_at=timezone.now()
    )
    MilestoneProgressFactory(learner=learner, milestone=retired, status="done")
    someone = enrolled_learner(path)
    _rows_everywhere(someone, path)

    # when
    with django_assert_num_queries(1):
        read_token, enrolled, rows = step_page_rows(
            learner=learner, path_slug=path.slug, step_slug=step.slug
        )

    # then: what the two reads it replaces give, row by row and field by field
    expected = learner_step_progress(learner=learner, step=step)
    assert (read_token, enrolled) == (current_token(), True)
    assert sorted(rows) == sorted(expected) and len(rows) == 4  # three active, one retired
    for milestone_id, row in rows.items():
        assert row.learner_id == learner.pk and row.milestone.step_id == step.pk
        assert fields(row) == fields(expected[milestone_id])


def test_the_step_pages_read_for_others(roadmaps, token_row, prepared, django_assert_num_queries):
    path, other_path = roadmaps
    learner = enrolled_learner(path)
    _rows_everywhere(learner, path, other_path)
    step_slug = path.steps.order_by("position").first().slug

    # a path the learner is not enrolled in, though they have rows on it (they left it)
    read_token, enrolled, rows = step_page_rows(
        learner=learner, path_slug=other_path.slug, step_slug=step_slug
    )
    assert (read_token, enrolled) == (current_token(), False)
    assert {r.milestone.step.path_id for r in rows.values()} == {other_path.pk}
    # a visitor, an anonymous user, a learner with no rows, a step or path that is not there
    for who in (None, AnonymousUser(), enrolled_learner(path)):
        with django_assert_num_queries(1):
            read = step_page_rows(learner=who, path_slug=path.slug, step_slug=step_slug)
        assert read == (current_token(), who is not None and who.is_authenticated, {})
    for path_slug, slug in ((path.slug, "nowhere"), ("nowhere", step_slug)):
        assert step_page_rows(learner=learner, path_slug=path_slug, step_slug=slug)[1:] == (
            path_slug == path.slug,
            {},
        )
    # no token row (after a flush): None, for the page to read the database
    ContentVersion.objects.all().delete()
    assert step_page_rows(learner=learner, path_slug=path.slug, step_slug=step_slug)[0] is None


def test_the_milestone_pages_read_is_the_version_the_enrolment_the_row_and_its_evidence(
    roadmaps, token_row, prepared, django_assert_num_queries
):
    # given: the learner's row on a milestone with three links made out of order, rows with
    # links on the same-slug milestones of the other path and step, another learner's row
    path, other_path = roadmaps
    learner = enrolled_learner(path)
    _rows_everywhere(learner, path, other_path)
    milestone = path_milestones(path)[4]
    row = MilestoneProgress.objects.get(learner=learner, milestone=milestone)
    for n, days in enumerate([3, 9, 1]):
        link = EvidenceLinkFactory(progress=row, url=f"https://example.com/{n}", label="")
        created = timezone.now() - dt.timedelta(days=days)
        EvidenceLink.objects.filter(pk=link.pk).update(created_at=created)
    someone = enrolled_learner(path)
    _rows_everywhere(someone, path)
    # five events on it (two at the same time: the later id first), more than are asked for,
    # and events on the other path's same-slug milestone and by the other learner
    at = timezone.now().replace(microsecond=0)
    for minutes in (5, 1, 1, 9, 3):
        ProgressEventFactory(
            learner=learner, milestone=milestone, occurred_at=at - dt.timedelta(minutes=minutes)
        )
    same_slug = next(m for m in path_milestones(other_path) if m.slug == milestone.slug)
    ProgressEventFactory(learner=learner, milestone=same_slug, occurred_at=at)
    ProgressEventFactory(learner=someone, milestone=milestone, occurred_at=at)

    # when
    with django_assert_num_queries(1):
        read_token, enrolled, progress, evidence, events = milestone_page_rows(
            events=3,
            learner=learner,
            path_slug=path.slug,
            step_slug=milestone.step.slug,
            milestone_slug=milestone.slug,
        )

    # then
    state, expected = milestone_state_and_evidence(learner=learner, milestone=milestone)
    assert (read_token, enrolled) == (current_token(), True)
    assert fields(progress) == fields(state.progress)
    assert [fields(e) for e in evidence] == [fields(e) for e in expected]
    assert len(evidence) == 4 and {e.progress_id for e in evidence} == {row.pk}
    expected_events = milestone_events(learner=learner, milestone=milestone, limit=3)
    assert [fields(e) for e in events] == [fields(e) for e in expected_events]
    assert len(events) == 3 and events[0].occurred_at == events[1].occurred_at
    assert events[0].pk > events[1].pk


def test_the_milestone_pages_read_for_others(roadmaps, token_row, prepared):
    path, other_path = roadmaps
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[1]
    slugs = {"step_slug": milestone.step.slug, "milestone_slug": milestone.slug}
    # a row without links: the row, no links
    full_progress(learner, milestone)
    read = milestone_page_rows(events=3, learner=learner, path_slug=path.slug, **slugs)
    assert (
        read[:2] == (current_token(), True)
        and read[2].milestone_id == milestone.pk
        and read[3] == read[4] == []
    )
    # on a path the learner left, their row there is read (the page shows it to no one)
    left = path_milestones(other_path)[1]
    full_progress(learner, left)
    read = milestone_page_rows(events=3, learner=learner, path_slug=other_path.slug, **slugs)
    assert read[:2] == (current_token(), False) and read[2].milestone_id == left.pk
    # a visitor, an anonymous user, a learner without a row; a step or milestone not there
    for who in (None, AnonymousUser()):
        read = milestone_page_rows(events=3, learner=who, path_slug=path.slug, **slugs)
        assert read == (current_token(), False, None, [], [])
    read = milestone_page_rows(
        events=3, learner=enrolled_learner(path), path_slug=path.slug, **slugs
    )
    assert read == (current_token(), True, None, [], [])
    for wrong in ({"milestone_slug": "nowhere"}, {"step_slug": "nowhere"}):
        read = milestone_page_rows(
            events=3, learner=learner, path_slug=path.slug, **{**slugs, **wrong}
        )
        assert read == (current_token(), True, None, [], [])
    ContentVersion.objects.all().delete()
    assert milestone_page_rows(events=3, learner=learner, path_slug=path.slug, **slugs)[0] is None


def test_the_pages_reads_make_their_objects_without_model_init(
    roadmaps, token_row, prepared, count_model_inits
):
    """step_page_rows and milestone_page_rows make the rows, links and events by
    plain_model_objects, not through Model.__init__ (its per-field descriptors and signals);
    the objects are still the ORM's, state included: they save and know their database."""
    path, _other = roadmaps
    learner = enrolled_learner(path)
    _rows_everywhere(learner, path)
    milestone = path_milestones(path)[1]
    ProgressEventFactory(learner=learner, milestone=milestone)
    made = count_model_inits()

    _token, _enrolled, rows = step_page_rows(
        learner=learner, path_slug=path.slug, step_slug=milestone.step.slug
    )
    *_read, progress, evidence, events = milestone_page_rows(
        events=3,
        learner=learner,
        path_slug=path.slug,
        step_slug=milestone.step.slug,
        milestone_slug=milestone.slug,
    )

    assert made == []
    assert len(rows) == 3 and len(evidence) == 1 and len(events) == 1
    for obj in [*rows.values(), progress, *evidence, *events]:
        assert obj._state.adding is False and obj._state.db == "default"
    progress.notes = "saved from the page's object"
    progress.save(update_fields=["notes"])
    assert MilestoneProgress.objects.get(pk=progress.pk).notes == "saved from the page's object"
