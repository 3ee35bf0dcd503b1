"""The paths endpoints: the learner's enrolled paths with percent complete, and one path's steps
with each milestone's status."""

from __future__ import annotations

import pytest

from roadmap.models import ProgressStatus
from roadmap.services.progress import milestone_status_set
from tests.api.conftest import make_api_learner
from tests.roadmap.factories import CareerPathFactory, build_roadmap

pytestmark = pytest.mark.django_db


def test_paths_list_shows_enrolled_paths_with_progress(api_learner):
    # given: 2 of 6 done, 1 skipped, and a path the learner has not joined
    done, skipped, other = api_learner.milestones[:3]
    for milestone, status in [(done, "done"), (other, "done"), (skipped, "skipped")]:
        milestone_status_set(learner=api_learner.learner, milestone=milestone, status=status)
    build_roadmap(steps=1, milestones_per_step=1)

    # when
    body = api_learner.get("/api/v1/paths/").json()

    # then
    assert body["count"] == 1
    path = body["results"][0]
    assert path["slug"] == api_learner.path.slug
    assert (path["total"], path["done"], path["skipped"], path["percent"]) == (6, 2, 1, 40)
    assert path["is_complete"] is False
    assert path["url"] == "http://testserver" + api_learner.path.get_absolute_url()


def test_path_detail_has_steps_with_milestone_statuses(api_learner):
    # given
    first = api_learner.milestones[0]
    milestone_status_set(
        learner=api_learner.learner, milestone=first, status=ProgressStatus.IN_PROGRESS
    )

    # when
    body = api_learner.get(f"/api/v1/paths/{api_learner.path.slug}/").json()

    # then
    assert [s["slug"] for s in body["steps"]] == ["s0", "s1"]
    milestones = body["steps"][0]["milestones"]
    assert [m["id"] for m in milestones] == [m.pk for m in api_learner.milestones[:3]]
    assert milestones[0]["status"] == "in_progress"
    assert milestones[1] == {
        "id": api_learner.milestones[1].pk,
        "slug": api_learner.milestones[1].slug,
        "title": api_learner.milestones[1].title,
        "kind": "learn",
        "status": "not_started",
        "target_date": None,
    }


def test_a_path_the_learner_has_not_joined_is_a_404(api_learner):
    other = CareerPathFactory()
    assert api_learner.get(f"/api/v1/paths/{other.slug}/").status_code == 404
    assert api_learner.get("/api/v1/paths/no-such-path/").status_code == 404


def test_path_query_counts_do_not_grow_with_the_roadmap(db, django_assert_max_num_queries):
    for steps in (1, 10):
        learner = make_api_learner(path=build_roadmap(steps=steps, milestones_per_step=5))
        for milestone in learner.milestones[::2]:
            milestone_status_set(learner=learner.learner, milestone=milestone, status="done")
        learner.get("/api/v1/paths/")  # the token's first use is written once
        # token, enrolments, milestones, progress
        with django_assert_max_num_queries(4):
            assert learner.get("/api/v1/paths/").status_code == 200
        # token, enrolment, milestones, progress
        with django_assert_max_num_queries(4):
            assert learner.get(f"/api/v1/paths/{learner.path.slug}/").status_code == 200


@pytest.mark.parametrize("address", ["/api/v1/nothing-here/", "/api/v1/paths/a%0Ab/"])
def test_an_unknown_api_address_is_a_json_404_even_with_a_line_break(api_learner, address):
    # when: an address no operation has, also one holding a line break (%0A), which a plain
    # ".*" pattern does not match
    response = api_learner.get(address)

    # then: the API's own 404, not the site's HTML page
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
