"""api.parsers: a body nested too deep or holding a NUL character is a JSON 400 and
changes nothing."""

from __future__ import annotations

import json

import pytest

from api.parsers import MAX_DEPTH
from roadmap.models import MilestoneProgress

pytestmark = pytest.mark.django_db


def milestone_url(api_learner) -> str:
    return f"/api/v1/milestones/{api_learner.milestones[0].pk}/"


def test_deeply_nested_json_is_a_json_400(api_learner):
    # when: the body of the issue, "[" a hundred thousand times
    response = api_learner.patch(milestone_url(api_learner), "[" * 100_000)

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested" in response.json()["detail"]


def test_json_just_past_the_depth_limit_is_refused_and_at_it_is_parsed(api_learner):
    # given
    def nested(depth: int) -> str:
        return '{"notes": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"

    # when
    too_deep = api_learner.patch(milestone_url(api_learner), nested(MAX_DEPTH + 1))
    at_limit = api_learner.patch(milestone_url(api_learner), nested(MAX_DEPTH))

    # then: the one at the limit is read, and refused by the serializer (notes is text)
    assert too_deep.status_code == 400 and "nested" in too_deep.json()["detail"]
    assert at_limit.status_code == 400 and "notes" in at_limit.json()
    assert not MilestoneProgress.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{"notes": "a\u0000b"}, {"no\u0000tes": "x"}, {"notes": "ok", "status": ["\u0000"]}],
)
def test_a_nul_anywhere_in_a_json_body_is_a_json_400(api_learner, body):
    # when
    response = api_learner.patch(milestone_url(api_learner), json.dumps(body))

    # then
    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]
    assert not MilestoneProgress.objects.exists()
