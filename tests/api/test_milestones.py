"""The milestones endpoints: the learner's milestones with progress, changed through the
roadmap's services (history recorded), with clear 400s and nothing changed on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from roadmap.models import MilestoneProgress, ProgressEvent, ProgressStatus
from roadmap.services.progress import milestone_evidence_add, milestone_status_set
from tests.api.conftest import make_api_learner
from tests.roadmap.factories import build_roadmap

pytestmark = pytest.mark.django_db

LIST = "/api/v1/milestones/"


def detail(milestone) -> str:
    return f"/api/v1/milestones/{milestone.pk}/"


def test_list_shows_the_learners_milestones_in_order_with_progress(api_learner):
    # given
    first, second = api_learner.milestones[:2]
    milestone_status_set(
        learner=api_learner.learner, milestone=second, status=ProgressStatus.IN_PROGRESS
    )
    milestone_evidence_add(
        learner=api_learner.learner, milestone=second, url="https://example.com/e", label="E"
    )

    # when
    response = api_learner.get(LIST)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 6 and body["next"] is None
    results = body["results"]
    assert [m["id"] for m in results] == [m.pk for m in api_learner.milestones]
    assert results[0]["status"] == "not_started" and results[0]["started_at"] is None
    assert results[0]["notes"] == "" and results[0]["evidence"] == []
    assert results[1]["status"] == "in_progress" and results[1]["started_at"]
    assert results[1]["evidence"][0]["url"] == "https://example.com/e"
    assert results[1]["path"] == api_learner.path.slug
    assert results[1]["url"] == "http://testserver" + second.get_absolute_url()


def test_list_filters_by_status_and_path(api_learner):
    # given: one milestone done, and a second path
    done = api_learner.milestones[0]
    milestone_status_set(learner=api_learner.learner, milestone=done, status=ProgressStatus.DONE)
    other_path = build_roadmap(steps=1, milestones_per_step=2)
    api_learner.learner.enrollments.create(path=other_path)

    # when / then
    assert [m["id"] for m in api_learner.get(LIST, status="done").json()["results"]] == [done.pk]
    assert api_learner.get(LIST, status="not_started").json()["count"] == 5 + 2
    assert api_learner.get(LIST, path=other_path.slug).json()["count"] == 2
    assert api_learner.get(LIST, path="no-such-path").json()["count"] == 0


def test_an_unknown_status_filter_is_a_clear_400(api_learner):
    response = api_learner.get(LIST, status="finished")
    assert response.status_code == 400
    assert response.json() == {
        "status": [
            "“finished” is not a status: use one of not_started, in_progress, done, skipped."
        ]
    }


def test_lists_are_paginated(api_learner):
    response = api_learner.get(LIST, page_size=4)
    body = response.json()
    assert body["count"] == 6 and len(body["results"]) == 4
    assert body["next"].endswith("page=2&page_size=4")
    assert len(api_learner.get(LIST, page_size=4, page=2).json()["results"]) == 2
    assert api_learner.get(LIST, page=9).status_code == 404


def test_patch_changes_status_target_date_and_notes_through_the_services(api_learner):
    # given
    milestone = api_learner.milestones[1]
    target = timezone.localdate() + dt.timedelta(days=10)

    # when
    response = api_learner.patch(
        detail(milestone),
        {"status": "in_progress", "target_date": target.isoformat(), "notes": "  Read ch. 2  "},
    )

    # then: the new state comes back, and is stored
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["target_date"], body["notes"]) == (
        "in_progress",
        target.isoformat(),
        "Read ch. 2",
    )
    progress = MilestoneProgress.objects.get(learner=api_learner.learner, milestone=milestone)
    assert (progress.status, progress.target_date) == (ProgressStatus.IN_PROGRESS, target)
    # and the history has one event per change, as on the site
    kinds = sorted(
        ProgressEvent.objects.filter(learner=api_learner.learner).values_list("kind", flat=True)
    )
    assert kinds == ["notes", "status", "target_date"]


def test_a_null_target_date_clears_it(api_learner):
    milestone = api_learner.milestones[0]
    api_learner.patch(detail(milestone), {"target_date": timezone.localdate().isoformat()})
    response = api_learner.patch(detail(milestone), {"target_date": None})
    assert response.status_code == 200 and response.json()["target_date"] is None


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"status": "finished"}, {"status": ['"finished" is not a valid choice.']}),
        ({"target_date": "tomorrow"}, {"target_date": None}),
        (
            {"notes": "x" * 10_001},
            {"notes": ["Ensure this field has no more than 10000 characters."]},
        ),
        ({"colour": "blue"}, {"colour": ["Unknown field."]}),
        (
            {},
            {"non_field_errors": ["Send at least one of: status, target_date, notes."]},
        ),
        (["status", "done"], {"non_field_errors": None}),
    ],
)
def test_bad_input_is_a_clear_400_and_changes_nothing(api_learner, data, errors):
    # given
    milestone = api_learner.milestones[0]

    # when
    response = api_learner.patch(detail(milestone), data)

    # then
    assert response.status_code == 400
    body = response.json()
    assert set(body) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert body[field] == messages
    assert not MilestoneProgress.objects.exists()
    assert not ProgressEvent.objects.exists()


def test_a_past_target_date_is_refused_and_the_status_in_the_same_request_is_not_applied(
    api_learner,
):
    # given
    milestone = api_learner.milestones[0]
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    # when
    response = api_learner.patch(
        detail(milestone), {"status": "done", "target_date": yesterday.isoformat()}
    )

    # then: a message about the date, and the status change rolled back with it
    assert response.status_code == 400
    assert list(response.json()) == ["target_date"]
    assert "is in the past. Choose today or a later date." in response.json()["target_date"][0]
    assert not MilestoneProgress.objects.filter(status=ProgressStatus.DONE).exists()
    assert not ProgressEvent.objects.exists()


def test_malformed_json_is_a_400(api_learner):
    response = api_learner.patch(detail(api_learner.milestones[0]), "{not json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_query_counts_do_not_grow_with_the_roadmap(db, django_assert_max_num_queries):
    # given: a learner on a small path, then one on a path ten times the size
    for steps in (1, 10):
        learner = make_api_learner(path=build_roadmap(steps=steps, milestones_per_step=5))
        for milestone in learner.milestones:
            milestone_status_set(
                learner=learner.learner, milestone=milestone, status=ProgressStatus.IN_PROGRESS
            )
            milestone_evidence_add(
                learner=learner.learner, milestone=milestone, url="https://example.com/x"
            )
        learner.get(LIST)  # the token's first use is written once

        # then: token, count, page, progress, evidence
        with django_assert_max_num_queries(5):
            assert learner.get(LIST, page_size=200).status_code == 200
        with django_assert_max_num_queries(4):
            assert learner.get(detail(learner.milestones[-1])).status_code == 200


def test_times_are_in_utc_for_a_session_in_another_timezone(api_learner):
    # given: a learner in Tokyo using the API from the browser
    api_learner.learner.timezone = "Asia/Tokyo"
    api_learner.learner.save(update_fields=["timezone"])
    milestone = api_learner.milestones[0]
    milestone_status_set(learner=api_learner.learner, milestone=milestone, status="in_progress")
    api_learner.client.force_login(api_learner.learner)

    # when
    by_session = api_learner.client.get(detail(milestone)).json()
    by_token = api_learner.get(detail(milestone)).json()

    # then
    assert by_session["started_at"].endswith("Z")
    assert by_session["started_at"] == by_token["started_at"]
