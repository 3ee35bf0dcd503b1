"""roadmap/services/plan.py: plan settings, (re)planning in one pass, anchors, prior learning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.transaction import TransactionManagementError

from certifications.models import CertStatus, LearnerCertification
from certifications.services import learner_certification_status_set
from roadmap.models import (
    LearnerPlan,
    MilestoneProgress,
    PlanRevision,
    ProgressStatus,
)
from roadmap.services import plan as plan_services
from roadmap.services import progress as services
from tests.certifications.factories import CertificationFactory
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, noon UTC; the learners below are on UTC unless said otherwise.
MONDAY = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
WEEK0 = MONDAY.date()


def week(n: int) -> dt.date:
    return WEEK0 + dt.timedelta(weeks=n)


def rows(learner) -> dict[int, MilestoneProgress]:
    return {p.milestone_id: p for p in MilestoneProgress.objects.filter(learner=learner)}


@pytest.fixture
def learner_and_milestones():
    # two steps of three 4-hour milestones (build_roadmap's effort)
    path = build_roadmap(steps=2, milestones_per_step=3, courses_per_step=0)
    learner = enrolled_learner(path)
    return learner, path_milestones(path)


def make_plan(learner, hours=6, weekdays=(0, 1, 2, 3, 4), now=MONDAY, **extra):
    return plan_services.plan_settings_set(
        learner=learner, hours_per_week=hours, weekdays=weekdays, now=now, **extra
    )


def test_a_plan_stores_each_milestones_weeks_within_the_budget(learner_and_milestones):
    learner, m = learner_and_milestones

    # when: 6 hours a week from a Monday, 24 hours of work
    plan = make_plan(learner)

    # then: on the rows, in path order, 4 weeks of 6 hours, every open hour planned
    progress = rows(learner)
    assert plan.starts_on == WEEK0 and plan.weekday_list == [0, 1, 2, 3, 4]
    assert [(progress[x.pk].plan_week, progress[x.pk].plan_hours) for x in m] == [
        (week(0), [4.0]),
        (week(0), [2.0, 2.0]),
        (week(1), [4.0]),
        (week(2), [4.0]),
        (week(2), [2.0, 2.0]),
        (week(3), [4.0]),
    ]
    per_week: dict[dt.date, float] = {}
    for row in progress.values():
        for day, hours in row.plan_weeks:
            per_week[day] = per_week.get(day, 0) + hours
    assert per_week == {week(n): 6.0 for n in range(4)}
    assert all(r.planned_at == MONDAY for r in progress.values())
    assert PlanRevision.objects.count() == 0  # nothing to keep yet


@pytest.mark.parametrize(
    ("settings_given", "message"),
    [
        ({"hours": 0}, "from 1 to 40"),
        ({"hours": 41}, "from 1 to 40"),
        ({"weekdays": ()}, "at least one day"),
        ({"finish_by": WEEK0 - dt.timedelta(days=1)}, "is in the past"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_change_nothing(
    learner_and_milestones, settings_given, message
):
    # given: a plan of 6 hours a week
    learner, _m = learner_and_milestones
    make_plan(learner)
    before = {k: (r.plan_week, r.plan_hours, r.updated_at) for k, r in rows(learner).items()}

    # when
    args = {"hours": 10, "weekdays": (0,), **settings_given}
    with pytest.raises(ValidationError, match=message):
        make_plan(learner, now=MONDAY + dt.timedelta(days=8), **args)

    # then
    plan = LearnerPlan.objects.get(learner=learner)
    assert (plan.hours_per_week, plan.weekdays, plan.finish_by) == (6, "01234", None)
    assert {
        k: (r.plan_week, r.plan_hours, r.updated_at) for k, r in rows(learner).items()
    } == before
    assert PlanRevision.objects.count() == 0


def test_bad_settings_for_a_new_plan_make_no_plan(learner_and_milestones):
    learner, _m = learner_and_milestones
    with pytest.raises(ValidationError):
        make_plan(learner, hours=0)
    assert not LearnerPlan.objects.exists()
    assert not MilestoneProgress.objects.exists()


def test_progress_redoes_the_plan_and_finishing_early_moves_work_up(learner_and_milestones):
    # given
    learner, m = learner_and_milestones
    make_plan(learner)

    # when: the third milestone (planned in week 1) is done on Tuesday of week 0
    services.milestone_status_set(
        learner=learner,
        milestone=m[2],
        status=ProgressStatus.DONE,
        now=MONDAY + dt.timedelta(days=1),
    )

    # then: 20 hours left from Tuesday (this week holds 4 of its 5 study days' share = 4.5 h)
    progress = rows(learner)
    assert progress[m[2].pk].plan_week == week(1)  # done work keeps its planned week
    assert progress[m[0].pk].plan_hours == [4.0]
    assert progress[m[1].pk].plan_hours == [0.5, 3.5]
    assert progress[m[3].pk].plan_week == week(1)
    assert PlanRevision.objects.count() == 0


def test_unfinished_work_of_past_weeks_stays_behind_until_a_replan(learner_and_milestones):
    # given: a plan made in week 0, and nothing done by Wednesday of week 2
    learner, m = learner_and_milestones
    make_plan(learner)
    later = MONDAY + dt.timedelta(weeks=2, days=2)

    # when: a change in week 2 redoes the plan
    services.milestone_status_set(
        learner=learner, milestone=m[5], status=ProgressStatus.IN_PROGRESS, now=later
    )

    # then: the milestones planned only in weeks 0 and 1 stay there (behind)
    progress = rows(learner)
    assert [progress[x.pk].plan_week for x in m[:3]] == [week(0), week(0), week(1)]

    # when: re-plan from this week
    plan_services.plan_replan(learner=learner, now=later)

    # then: every open milestone from week 2 on, progress kept, the old plan in the history
    progress = rows(learner)
    assert min(r.plan_week for r in progress.values()) == week(2)
    assert progress[m[5].pk].status == ProgressStatus.IN_PROGRESS
    revision = PlanRevision.objects.get()
    assert revision.reason == "replan"
    assert revision.previous["weeks"][0] == {
        "week_start": week(0).isoformat(),
        "milestones": [[m[0].pk, 4.0], [m[1].pk, 2.0]],
    }
    assert LearnerPlan.objects.get().starts_on == week(2)


def test_replanning_reads_a_fixed_number_of_queries_whatever_the_size(
    django_assert_max_num_queries,
):
    for steps in (1, 8):
        path = build_roadmap(steps=steps, milestones_per_step=6, courses_per_step=0)
        learner = enrolled_learner(path)
        make_plan(learner)
        for milestone in path_milestones(path)[:2]:
            services.milestone_status_set(
                learner=learner, milestone=milestone, status=ProgressStatus.DONE, now=MONDAY
            )

        # savepoint, lock, enrolments, milestones, progress, revision, anchors, update, plan,
        # release
        with django_assert_max_num_queries(10):
            plan_services.plan_replan(learner=learner, now=MONDAY)


def test_a_booked_exam_pulls_its_milestones_before_it(learner_and_milestones):
    # given: the last milestone is the certification's; its exam on Wednesday of week 1
    learner, m = learner_and_milestones
    make_plan(learner)
    certification = CertificationFactory()
    certification.milestones.add(m[5])
    tracked = LearnerCertification.objects.create(learner=learner, certification=certification)

    # when
    learner_certification_status_set(
        tracked=tracked,
        status=CertStatus.EXAM_BOOKED,
        exam_date=week(1) + dt.timedelta(2),
        today=WEEK0,
    )

    # then: its study is planned by the Tuesday's week
    assert rows(learner)[m[5].pk].plan_last_week <= week(1)
    assert LearnerPlan.objects.get().missed_anchors == []


def test_an_exam_too_soon_is_reported(learner_and_milestones):
    # given: 24 hours of work, and the exam of the first milestone's certification tomorrow
    learner, m = learner_and_milestones
    for milestone in m[1:]:
        milestone.effort_hours = 1
        milestone.save()
    m[0].effort_hours = 30
    m[0].save()
    make_plan(learner)
    certification = CertificationFactory()
    certification.milestones.add(m[0])
    tracked = LearnerCertification.objects.create(learner=learner, certification=certification)

    learner_certification_status_set(
        tracked=tracked,
        status=CertStatus.EXAM_BOOKED,
        exam_date=WEEK0 + dt.timedelta(days=3),
        today=WEEK0,
    )

    [missed] = LearnerPlan.objects.get().missed_anchors
    assert missed["milestone_id"] == m[0].pk
    assert missed["due"] == (WEEK0 + dt.timedelta(days=2)).isoformat()


def test_a_recompute_writes_the_plans_row_only_when_its_missed_anchors_change(
    learner_and_milestones,
):
    # given: the first milestone's exam too soon, so the plan reports it
    learner, m = learner_and_milestones
    m[0].effort_hours = 30
    m[0].save()
    make_plan(learner)
    certification = CertificationFactory()
    certification.milestones.add(m[0])
    tracked = LearnerCertification.objects.create(learner=learner, certification=certification)
    learner_certification_status_set(
        tracked=tracked,
        status=CertStatus.EXAM_BOOKED,
        exam_date=WEEK0 + dt.timedelta(days=3),
        today=WEEK0,
    )
    reported = LearnerPlan.objects.get()
    assert [a["milestone_id"] for a in reported.missed_anchors] == [m[0].pk]

    # when: progress elsewhere re-plans, and the report stays the same
    services.milestone_status_set(
        learner=learner,
        milestone=m[3],
        status=ProgressStatus.IN_PROGRESS,
        now=MONDAY + dt.timedelta(hours=1),
    )

    # then: the rows have new weeks, the plan's row is as it was
    assert rows(learner)[m[3].pk].planned_at == MONDAY + dt.timedelta(hours=1)
    unchanged = LearnerPlan.objects.get()
    assert unchanged.updated_at == reported.updated_at
    assert unchanged.missed_anchors == reported.missed_anchors

    # when: the exam is no longer booked
    learner_certification_status_set(tracked=tracked, status=CertStatus.STUDYING, today=WEEK0)

    # then: the report is gone, and the row says when it changed
    cleared = LearnerPlan.objects.get()
    assert cleared.missed_anchors == []
    assert cleared.updated_at > reported.updated_at


@pytest.mark.django_db(transaction=True)
def test_a_recompute_with_a_plan_already_locked_needs_the_callers_transaction(
    learner_and_milestones,
):
    # given: a plan read outside any transaction, so it holds no lock
    learner, _m = learner_and_milestones
    plan = make_plan(learner)

    # when / then
    with pytest.raises(TransactionManagementError):
        plan_services.plan_recompute_locked(learner=learner, plan=plan, now=MONDAY)


def test_another_learners_milestone_is_no_anchor(learner_and_milestones):
    # given: someone else's path
    learner, _m = learner_and_milestones
    other = build_roadmap(steps=1, milestones_per_step=1, slug="other", courses_per_step=0)
    enrolled_learner(other)
    foreign = path_milestones(other)[0]

    # when / then
    with pytest.raises(ValidationError, match="not on a path you follow"):
        plan_services.plan_anchor_set(
            learner=learner, milestone_id=foreign.pk, due=week(3), now=MONDAY
        )
    assert not MilestoneProgress.objects.filter(milestone=foreign, learner=learner).exists()


def test_an_own_target_date_is_an_anchor(learner_and_milestones):
    learner, m = learner_and_milestones
    make_plan(learner)
    plan_services.plan_anchor_set(
        learner=learner, milestone_id=m[5].pk, due=week(0) + dt.timedelta(4), now=MONDAY
    )
    assert rows(learner)[m[5].pk].plan_week == week(0)


def test_prior_learning_is_done_with_its_evidence_and_leaves_the_plan(learner_and_milestones):
    # given
    learner, m = learner_and_milestones
    make_plan(learner)

    # when: "I already have" the first two, one with a link
    plan_services.milestones_prior_learning_set(
        learner=learner, have={m[0].pk: "https://example.com/degree", m[1].pk: ""}, now=MONDAY
    )

    # then
    progress = rows(learner)
    assert [progress[x.pk].prior_learning for x in m[:3]] == [True, True, False]
    assert progress[m[0].pk].status == ProgressStatus.DONE
    assert [e.url for e in progress[m[0].pk].evidence.all()] == ["https://example.com/degree"]
    assert progress[m[2].pk].plan_week == week(0)  # the plan now starts at the third

    # and going back from done clears the record of prior learning
    services.milestone_status_set(learner=learner, milestone=m[0], status="in_progress", now=MONDAY)
    assert not rows(learner)[m[0].pk].prior_learning


def test_prior_learning_with_a_bad_link_changes_nothing(learner_and_milestones):
    learner, m = learner_and_milestones
    with pytest.raises(ValidationError, match="not a web address"):
        plan_services.milestones_prior_learning_set(
            learner=learner, have={m[0].pk: "", m[1].pk: "javascript:alert(1)"}, now=MONDAY
        )
    assert not MilestoneProgress.objects.exists()


def test_a_new_path_joins_the_plan(learner_and_milestones):
    learner, m = learner_and_milestones
    make_plan(learner)
    second = build_roadmap(steps=1, milestones_per_step=2, slug="second", courses_per_step=0)

    services.path_enrol(learner=learner, path=second)

    assert all(rows(learner)[x.pk].plan_week is not None for x in path_milestones(second))
