"""The step and milestone pages' content fragments (core/fragments.py): the same bytes as the
pages rendered without them, for learners with different progress seen one after the other;
an admin's edit on the very next page; none kept when the pages read the database."""

from __future__ import annotations

import random
import re

import pytest

from core import fragments
from roadmap.models import ContentVersion, Milestone, ProgressStatus
from roadmap.services import progress as services
from tests.accounts.factories import UserFactory
from tests.roadmap.admin_edits import admin_course_rename
from tests.roadmap.factories import (
    EvidenceLinkFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

# Django masks the CSRF token afresh for every response; all else must be the same bytes.
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


@pytest.fixture(autouse=True)
def content_version(settings):
    """The token row with a token no process holds content under, and the snapshot on."""
    settings.CONTENT_SNAPSHOT = True
    settings.DEBUG = False
    ContentVersion.objects.update_or_create(pk=1, defaults={"token": random.getrandbits(62)})


@pytest.fixture
def roadmap():
    path = build_roadmap(steps=2, milestones_per_step=3, courses_per_step=2)
    return path, path_milestones(path)[1]


def _pages(client, milestone: Milestone) -> list[bytes]:
    contents = []
    for url in [milestone.step.get_absolute_url(), milestone.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
        contents.append(CSRF.sub(rb"\1token", response.content))
    return contents


def test_two_learners_pages_are_the_bytes_rendered_without_fragments(client, settings, roadmap):
    # given: a learner well under way (done, in progress, evidence, a target date), one who has
    # not begun, one not enrolled, and a visitor
    path, milestone = roadmap
    busy = enrolled_learner(path, email="busy@example.com")
    milestones = path_milestones(path)
    services.milestone_status_set(learner=busy, milestone=milestones[0], status="done")
    services.milestone_status_set(
        learner=busy, milestone=milestone, status=ProgressStatus.IN_PROGRESS
    )
    EvidenceLinkFactory(progress=busy.milestone_progress.get(milestone=milestone))
    starting = enrolled_learner(path, email="starting@example.com")
    outsider = UserFactory(email="outsider@example.com")
    who = {"busy": busy, "starting": starting, "outsider": outsider, "visitor": None}

    def pages_of(name: str) -> list[bytes]:
        client.logout()
        if who[name] is not None:
            client.force_login(who[name])
        return _pages(client, milestone)

    settings.CONTENT_SNAPSHOT = False  # no content version: every fragment rendered afresh
    without = {name: pages_of(name) for name in who}
    assert fragments.held() == 0

    # when: each sees the pages with the fragments kept, the first filling them
    settings.CONTENT_SNAPSHOT = True
    first = {name: pages_of(name) for name in who}
    again = {name: pages_of(name) for name in who}  # all from held

    # then: every page is what it was without them (and each hit was rendered again and
    # compared, as `verify` is on)
    assert fragments.held() == 8  # the step page's three, the milestone page's five
    assert first == without
    assert again == without
    assert b"busy@example.com" not in b"".join(without["starting"])


def test_a_course_renamed_in_the_admin_shows_on_the_very_next_step_page(client, roadmap):
    # given: the step page seen, its course table held
    path, milestone = roadmap
    learner = enrolled_learner(path)
    client.force_login(learner)
    before, _ = _pages(client, milestone)
    course = milestone.step.courses.order_by("title").first()
    assert course.title.encode() in before and fragments.held()

    # when: an admin renames the course
    admin_course_rename(client, course, "Renamed in the admin")

    # then: the learner's next step page and milestone page show the new title
    client.force_login(learner)
    step_page, milestone_page = _pages(client, milestone)
    assert b"Renamed in the admin" in step_page
    assert course.title.encode() not in step_page
