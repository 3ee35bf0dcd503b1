"""The plan's pages: onboarding after enrolment, the Plan page, the dashboard's "this week" panel,
falling behind and Re-plan from this week, and the planned week on rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmap import planning
from roadmap.models import LearnerPlan, MilestoneProgress, PlanRevision, ProgressStatus
from roadmap.services import plan as plan_services
from roadmap.services import progress as services
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("roadmap:dashboard")
PLAN = reverse("roadmap:plan")


@pytest.fixture
def path():
    return build_roadmap(steps=2, milestones_per_step=3, courses_per_step=0)


def test_onboarding_after_enrolment_prior_learning_time_and_the_plan(client, path):
    # given: a new learner, and a 500-hour degree milestone in the second step
    degree = path_milestones(path)[3]
    degree.effort_hours = 500
    degree.title = "A relevant degree or equivalent experience"
    degree.save()
    learner = UserFactory()
    client.force_login(learner)

    # when: they enrol
    response = client.post(reverse("roadmap:path_enrol", args=[path.slug]), follow=True)

    # then: the first screen, one step, points to the degree
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("roadmap:plan_setup_prior", args=[0])
    assert "What do you already have?" in html
    assert 'id="big-milestone-hint"' in html and degree.title in html

    # when: nothing on the first step; the degree on the second, with evidence
    client.post(reverse("roadmap:plan_setup_prior", args=[0]), {})
    response = client.post(
        reverse("roadmap:plan_setup_prior", args=[1]),
        {f"have-{degree.pk}": "1", f"evidence-{degree.pk}": "https://example.com/diploma"},
    )
    assert response.url == reverse("roadmap:plan_setup_time")
    response = client.post(
        reverse("roadmap:plan_setup_time"), {"hours_per_week": "6", "weekdays": ["0", "2", "4"]}
    )

    # then: the plan is made without the degree, and the Plan page shows it
    assert response.url == reverse("roadmap:plan_setup_dates")
    progress = MilestoneProgress.objects.get(learner=learner, milestone=degree)
    assert progress.prior_learning and progress.status == ProgressStatus.DONE
    assert progress.evidence.get().url == "https://example.com/diploma"
    plan = LearnerPlan.objects.get(learner=learner)
    assert (plan.hours_per_week, plan.weekdays) == (6, "024")
    page = client.get(PLAN).content.decode()
    assert "6 hours a week · 20 hours of work left" in page
    assert 'id="plan-weeks"' in page


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"hours_per_week": "0", "weekdays": ["0"]}, "from 1 to 40"),
        ({"hours_per_week": "41", "weekdays": ["0"]}, "from 1 to 40"),
        ({"hours_per_week": "6"}, "Choose at least one day"),
        ({"hours_per_week": "6", "weekdays": ["0"], "finish_by": "2000-01-01"}, "in the past"),
    ],
)
def test_bad_plan_settings_say_why_and_change_nothing(client, path, posted, message):
    learner = enrolled_learner(path)
    client.force_login(learner)

    response = client.post(PLAN, posted, follow=True)

    assert response.status_code == 200
    assert "Nothing changed" in response.content.decode()
    assert message in response.content.decode()
    assert not LearnerPlan.objects.exists()


def test_a_finish_by_date_shows_the_hours_a_week_it_takes_and_warns_above_forty(client, path):
    learner = enrolled_learner(path)
    client.force_login(learner)
    today = timezone.localdate()
    milestones = path_milestones(path)
    milestones[0].effort_hours = 400
    milestones[0].save()

    client.post(
        PLAN,
        {
            "hours_per_week": "6",
            "weekdays": ["0", "1", "2", "3", "4", "5", "6"],
            "finish_by": (today + dt.timedelta(days=30)).isoformat(),
        },
    )

    page = client.get(PLAN).content.decode()
    assert 'id="finish-by-need"' in page
    assert "more than 40 hours a week" in page


def test_another_learners_milestone_is_refused_as_a_fixed_date(client, path):
    learner = enrolled_learner(path)
    plan_services.plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0])
    other_path = build_roadmap(steps=1, milestones_per_step=1, slug="other", courses_per_step=0)
    enrolled_learner(other_path)
    foreign = path_milestones(other_path)[0]
    client.force_login(learner)

    response = client.post(
        reverse("roadmap:plan_anchor"),
        {"milestone": foreign.pk, "due": "2030-01-01"},
        follow=True,
    )

    assert "not on a path you follow" in response.content.decode()
    assert (
        not MilestoneProgress.objects.filter(milestone=foreign)
        .exclude(learner__enrollments__path=other_path)
        .exists()
    )


def test_the_dashboard_panel_changes_as_work_is_done(client, path):
    # given: a plan of 6 hours a week made today
    learner = enrolled_learner(path)
    plan_services.plan_settings_set(learner=learner, hours_per_week=6, weekdays=range(7))
    client.force_login(learner)
    m = path_milestones(path)
    html = client.get(DASHBOARD).content.decode()
    assert 'id="this-week"' in html
    assert html.index('id="this-week"') < html.index('id="stat-overall"')  # the first panel
    assert "0 of 6 hours done" in html

    # when: the first milestone is done
    services.milestone_status_set(learner=learner, milestone=m[0], status=ProgressStatus.DONE)

    # then
    html = client.get(DASHBOARD).content.decode()
    assert "4 of 6 hours done" in html

    # when: more is done than the week's goal
    services.milestone_status_set(learner=learner, milestone=m[1], status=ProgressStatus.DONE)
    services.milestone_status_set(learner=learner, milestone=m[2], status=ProgressStatus.DONE)

    # then: the goal is said as a goal, not as "12 of 6"
    html = client.get(DASHBOARD).content.decode()
    assert " of 6 hours done" not in html
    assert re.search(r"\d+ hours done · goal 6", html)
    assert "Goal met" in html


def test_falling_behind_and_replanning_from_this_week(client, path):
    # given: a plan made three weeks ago, nothing done since
    learner = enrolled_learner(path)
    three_weeks_ago = timezone.now() - dt.timedelta(weeks=3)
    plan_services.plan_settings_set(
        learner=learner, hours_per_week=6, weekdays=range(7), now=three_weeks_ago
    )
    client.force_login(learner)

    # when
    html = client.get(DASHBOARD).content.decode()

    # then: the dashboard says so and offers the re-plan
    assert "You are falling behind." in html
    assert 'id="replan-button"' in html

    # when: one click
    response = client.post(reverse("roadmap:plan_replan"), follow=True)

    # then: all work from this week on, the old plan in the history
    html = response.content.decode()
    assert "Re-planned from this week" in html
    assert "You are falling behind." not in html
    this_monday = planning.week_start(timezone.localdate())
    rows = MilestoneProgress.objects.filter(learner=learner)
    assert min(r.plan_week for r in rows) == this_monday
    assert PlanRevision.objects.filter(learner=learner, reason="replan").count() == 1
    assert "Earlier plans" in client.get(PLAN).content.decode()


def test_replanning_without_a_plan_says_so(client, path):
    client.force_login(enrolled_learner(path))
    response = client.post(reverse("roadmap:plan_replan"), follow=True)
    assert "You have no plan yet" in response.content.decode()


def test_a_learners_plan_page_shows_only_their_own_plan(client, path):
    mine = enrolled_learner(path)
    other = enrolled_learner(path)
    plan_services.plan_settings_set(learner=other, hours_per_week=17, weekdays=[0])
    client.force_login(mine)

    page = client.get(PLAN).content.decode()

    assert "17 hours a week" not in page
    assert "Make my plan" in page


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_the_dashboard_with_a_plan_keeps_its_query_pin(
    client, settings, steps, per_step, django_assert_max_num_queries
):
    # given: a fresh render (no page cache) of a learner with a plan and some work done
    settings.DASHBOARD_CACHE_SECONDS = 0
    big = build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=0)
    learner = enrolled_learner(big)
    plan_services.plan_settings_set(learner=learner, hours_per_week=10, weekdays=range(7))
    for milestone in path_milestones(big)[:3]:
        services.milestone_status_set(
            learner=learner, milestone=milestone, status=ProgressStatus.DONE
        )
    client.force_login(learner)

    # when / then: session, user, stamp (with the plan's settings), five reads
    with django_assert_max_num_queries(8):
        response = client.get(DASHBOARD)
    assert 'id="this-week-planned"' in response.content.decode()


def test_rows_show_the_planned_week(client, path):
    learner = enrolled_learner(path)
    plan_services.plan_settings_set(learner=learner, hours_per_week=6, weekdays=range(7))
    client.force_login(learner)
    step = path_milestones(path)[0].step
    monday = planning.week_start(timezone.localdate())

    html = client.get(step.get_absolute_url()).content.decode()
    outline = client.get(path.get_absolute_url()).content.decode()

    assert f"planned: week of {monday:%-d %b}" in html
    assert f"planned: week of {monday:%-d %b}" in outline


def test_a_weekly_goal_in_milestones(client, path):
    learner = enrolled_learner(path)
    client.force_login(learner)
    client.post(
        PLAN,
        {
            "hours_per_week": "6",
            "weekdays": ["0", "1", "2", "3", "4", "5", "6"],
            "goal_kind": "milestones",
            "goal_milestones": "2",
        },
    )
    services.milestone_status_set(
        learner=learner, milestone=path_milestones(path)[0], status=ProgressStatus.DONE
    )

    html = client.get(DASHBOARD).content.decode()

    assert "1 of 2 milestones done" in html


def test_a_status_change_redoes_the_plan_in_a_fixed_number_of_queries(client):
    # given: planned learners on a path of 30 and of 300 milestones
    counts = []
    for steps, per_step in ((6, 5), (10, 30)):
        big = build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=0)
        learner = enrolled_learner(big)
        plan_services.plan_settings_set(learner=learner, hours_per_week=10, weekdays=range(7))
        client.force_login(learner)
        milestone = path_milestones(big)[0]
        content_snapshot_read()

        # when: an in-place status change
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                milestone.get_absolute_url() + "status/",
                {"status": "done", "fragment": "row"},
                HTTP_HX_REQUEST="true",
            )
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))

    # then: the same count at both sizes: the plain change's 10 (the learner's plan locked
    # before the progress row), and the re-plan's eight (its savepoint and release, the plan's
    # row again, the enrolments with the content version, the progress rows, the exam anchors,
    # one update of the changed rows, the plan saved); the milestones come from the snapshot
    assert counts[0] == counts[1] <= 10 + 8, counts


def test_a_change_of_plan_settings_alone_shows_on_the_cached_dashboard_at_once(client, path):
    # given: the dashboard cached with an hours goal
    learner = enrolled_learner(path)
    plan_services.plan_settings_set(learner=learner, hours_per_week=6, weekdays=range(7))
    client.force_login(learner)
    assert "0 of 6 hours done" in client.get(DASHBOARD).content.decode()

    # when: only the goal changes (no progress row does)
    plan_services.plan_settings_set(
        learner=learner,
        hours_per_week=6,
        weekdays=range(7),
        goal_kind="milestones",
        goal_milestones=3,
    )

    # then: the plan's row is in the page's stamp
    assert "0 of 3 milestones done" in client.get(DASHBOARD).content.decode()
