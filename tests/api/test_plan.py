"""GET/PATCH /api/v1/plan/ and POST /api/v1/plan/replan/: the contract scripts rely on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from roadmap import planning
from roadmap.models import LearnerPlan, MilestoneProgress, PlanRevision
from roadmap.selectors.paths import learner_today
from roadmap.services.plan import plan_settings_set

PLAN = "/api/v1/plan/"
REPLAN = "/api/v1/plan/replan/"

pytestmark = pytest.mark.django_db


def post(learner, url):
    return learner.client.post(url, HTTP_AUTHORIZATION=f"Bearer {learner.token}")


def test_a_first_patch_makes_the_plan_and_get_gives_the_contract(api_learner):
    # when
    response = api_learner.patch(PLAN, {"hours_per_week": 6, "weekdays": [0, 1, 2, 3, 4, 5, 6]})

    # then: the contract's keys; Monday weeks in the learner's zone, never over the budget,
    # every open milestone's remaining hours planned (six 4-hour milestones)
    assert response.status_code == 200, response.json()
    body = api_learner.get(PLAN).json()
    assert body == response.json()
    assert set(body) >= {"hours_per_week", "weekdays", "finish_by", "projected_finish", "weeks"}
    assert (body["hours_per_week"], body["weekdays"], body["finish_by"]) == (
        6,
        list(range(7)),
        None,
    )
    monday = planning.week_start(learner_today(api_learner.learner))
    assert body["weeks"][0]["week_start"] == monday.isoformat()
    assert all(dt.date.fromisoformat(w["week_start"]).weekday() == 0 for w in body["weeks"])
    assert all(w["planned_hours"] <= 6 for w in body["weeks"])
    planned = sum(m["planned_hours"] for w in body["weeks"] for m in w["milestones"])
    assert planned == 24
    assert set(body["weeks"][0]["milestones"][0]) == {"id", "title", "planned_hours"}
    assert body["projected_finish"] >= monday.isoformat()


@pytest.mark.parametrize(
    ("sent", "field", "message"),
    [
        ({"hours_per_week": 0}, "hours_per_week", "from 1 to 40"),
        ({"hours_per_week": 41}, "hours_per_week", "from 1 to 40"),
        ({"weekdays": []}, "weekdays", "at least one day"),
        ({"finish_by": "2000-01-01"}, "finish_by", "in the past"),
        ({"hours": 6}, "hours", "Unknown field"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api_learner, sent, field, message):
    # given: a plan of 6 hours on Mondays
    plan_settings_set(learner=api_learner.learner, hours_per_week=6, weekdays=[0])
    before = api_learner.get(PLAN).json()

    # when
    response = api_learner.patch(PLAN, sent)

    # then
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert api_learner.get(PLAN).json() == before
    assert not PlanRevision.objects.exists()


def test_without_a_plan_get_and_replan_answer_404(api_learner, other_api_learner):
    # given: someone else has a plan
    plan_settings_set(learner=other_api_learner.learner, hours_per_week=17, weekdays=[0])

    # then: nothing of it shows through to this learner
    response = api_learner.get(PLAN)
    assert response.status_code == 404
    assert "17" not in response.content.decode()
    assert post(api_learner, REPLAN).status_code == 404
    assert not LearnerPlan.objects.filter(learner=api_learner.learner).exists()


def test_replan_moves_unfinished_work_to_this_week_and_keeps_the_old_plan(api_learner):
    # given: a plan made three weeks ago, nothing done
    plan_settings_set(
        learner=api_learner.learner,
        hours_per_week=6,
        weekdays=range(7),
        now=timezone.now() - dt.timedelta(weeks=3),
    )
    assert api_learner.get(PLAN).json()["weeks"][0]["week_start"] < (
        planning.week_start(learner_today(api_learner.learner)).isoformat()
    )

    # when
    response = post(api_learner, REPLAN)

    # then
    assert response.status_code == 200
    monday = planning.week_start(learner_today(api_learner.learner))
    assert response.json()["weeks"][0]["week_start"] == monday.isoformat()
    assert PlanRevision.objects.get().reason == "replan"
    assert MilestoneProgress.objects.filter(learner=api_learner.learner).count() == 6
