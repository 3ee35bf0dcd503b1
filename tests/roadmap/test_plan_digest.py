"""roadmap.selectors.plan.plan_digest_section: the digest's "this week's plan" data (the lead
wires it into the digest)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from roadmap.models import ProgressStatus
from roadmap.reminders.digest import digest_preview
from roadmap.selectors.plan import learner_plan, plan_digest_section
from roadmap.selectors.progress import learner_overview
from roadmap.services import plan as plan_services
from roadmap.services import progress as services
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)


def section_at(learner, now):
    with time_machine.travel(now, tick=False):
        today = now.date()
        overview = learner_overview(learner=learner, today=today)
        return plan_digest_section(
            learner=learner, overview=overview, plan=learner_plan(learner=learner)
        )


def test_no_plan_no_section():
    learner = enrolled_learner(build_roadmap(steps=1, milestones_per_step=2))
    assert section_at(learner, MONDAY) is None


def test_this_weeks_plan_last_weeks_goal_and_the_replan_offer_after_two_weeks_behind():
    # given: 4 hours a week; four 4-hour milestones; the first done in week 0
    path = build_roadmap(steps=1, milestones_per_step=4, courses_per_step=0)
    learner = enrolled_learner(path)
    m = path_milestones(path)
    plan_services.plan_settings_set(
        learner=learner, hours_per_week=4, weekdays=range(7), now=MONDAY
    )
    services.milestone_status_set(
        learner=learner, milestone=m[0], status=ProgressStatus.DONE, now=MONDAY + dt.timedelta(1)
    )

    # when: the Monday after
    week1 = section_at(learner, MONDAY + dt.timedelta(weeks=1))

    # then: this week's planned milestone, last week's goal met, nothing behind
    assert [p["title"] for p in week1["planned"]] == [m[1].title]
    assert week1["planned_hours"] == 4
    assert week1["last_week_goal"] == {
        "kind": "hours",
        "target": 4,
        "done": 4,
        "met": True,
        "counted": True,
    }
    assert (week1["weeks_behind"], week1["offer_replan"]) == (0, False)

    # when: two weeks later, nothing more done
    week3 = section_at(learner, MONDAY + dt.timedelta(weeks=3))

    # then: behind since week 1, two weeks: the digest offers the re-plan
    assert week3["last_week_goal"]["met"] is False
    assert (week3["weeks_behind"], week3["offer_replan"]) == (2, True)
    assert section_at(learner, MONDAY + dt.timedelta(weeks=2))["offer_replan"] is False


def test_the_digest_email_shows_this_weeks_plan_and_offers_the_replan_when_behind():
    # given: the same plan as above, the first milestone done in week 0
    path = build_roadmap(steps=1, milestones_per_step=4, courses_per_step=0)
    learner = enrolled_learner(path)
    m = path_milestones(path)
    plan_services.plan_settings_set(
        learner=learner, hours_per_week=4, weekdays=range(7), now=MONDAY
    )
    services.milestone_status_set(
        learner=learner, milestone=m[0], status=ProgressStatus.DONE, now=MONDAY + dt.timedelta(1)
    )

    # when: the digest of the Monday after, and of two weeks later
    week1 = digest_preview(learner=learner, now=MONDAY + dt.timedelta(weeks=1))
    week3 = digest_preview(learner=learner, now=MONDAY + dt.timedelta(weeks=3))

    # then: this week's planned milestone and last week's goal; the re-plan only when behind
    assert "This week's plan: 4 hours" in week1.text
    assert m[1].title in week1.text.split("This week's plan")[1]
    assert "Last week's goal met" in week1.text
    assert "Re-plan from this week" not in week1.text
    assert "Re-plan from this week" in week3.text
    assert "/plan/" in week3.html


def test_a_learner_without_a_plan_gets_the_digest_without_the_plan_section():
    learner = enrolled_learner(build_roadmap(steps=1, milestones_per_step=2))

    email = digest_preview(learner=learner, now=MONDAY)

    assert email is not None and "This week's plan" not in email.text
