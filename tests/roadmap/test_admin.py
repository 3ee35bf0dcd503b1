"""The roadmap admin: authoring paths from the admin alone, and a read-only view of learners."""

import pytest
from django.urls import reverse
from django.utils import timezone

from roadmap.models import (
    CareerPath,
    Course,
    Milestone,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
    Step,
)
from roadmap.selectors.progress import learner_overview
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    CourseFactory,
    EnrollmentFactory,
    MilestoneFactory,
    MilestoneProgressFactory,
    ProgressEventFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "careerpath",
    "step",
    "milestone",
    "course",
    "enrollment",
    "milestoneprogress",
    "progressevent",
]
AUTHORED = ["careerpath", "step", "milestone", "course"]


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_http(client, superuser):
    client.force_login(superuser)
    return client


def _populate(*, steps: int, milestones_per_step: int, learners: int, slug: str) -> CareerPath:
    """A path with learners enrolled and progress/events on every milestone."""
    path = build_roadmap(steps=steps, milestones_per_step=milestones_per_step, slug=slug)
    milestones = list(Milestone.objects.filter(step__path=path))
    for _ in range(learners):
        enrollment = EnrollmentFactory(path=path)
        for milestone in milestones:
            MilestoneProgressFactory(learner=enrollment.learner, milestone=milestone)
            ProgressEventFactory(learner=enrollment.learner, milestone=milestone)
    return path


def _formset(prefix: str, forms: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(forms)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(forms):
        data.update({f"{prefix}-{i}-{key}": value for key, value in form.items()})
    return data


# --- Pages load ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_changelists_load_with_a_constant_number_of_queries(
    admin_http, model, django_assert_max_num_queries
):
    # given a small path, then a much larger one with more learners
    url = reverse(f"admin:roadmap_{model}_changelist")
    _populate(steps=2, milestones_per_step=2, learners=1, slug="small")
    with django_assert_max_num_queries(8):
        small = admin_http.get(url)
    _populate(steps=6, milestones_per_step=8, learners=3, slug="large")

    # when the changelist is shown again, then it costs the same number of queries
    with django_assert_max_num_queries(8):
        large = admin_http.get(url)
    assert small.status_code == large.status_code == 200


@pytest.mark.parametrize("model", AUTHORED)
def test_add_forms_load(admin_http, model, django_assert_max_num_queries):
    # given some steps to choose from
    build_roadmap(steps=6, milestones_per_step=1)

    # when the add form is opened, then it renders without a query per step
    with django_assert_max_num_queries(6):
        response = admin_http.get(reverse(f"admin:roadmap_{model}_add"))
    assert response.status_code == 200


def test_change_forms_load(admin_http, django_assert_max_num_queries):
    # given a path of six steps with eight milestones each, every one with a course resource
    path = build_roadmap(steps=6, milestones_per_step=8)
    step = path.steps.first()
    milestone = step.milestones.first()
    course = Course.objects.first()

    # when each change page is opened, then it renders without a query per row
    for url in (
        reverse("admin:roadmap_careerpath_change", args=[path.pk]),
        reverse("admin:roadmap_step_change", args=[step.pk]),
        reverse("admin:roadmap_milestone_change", args=[milestone.pk]),
        reverse("admin:roadmap_course_change", args=[course.pk]),
    ):
        with django_assert_max_num_queries(9):
            assert admin_http.get(url).status_code == 200, url


def test_search_and_filters(admin_http):
    # given two paths and some courses
    path = build_roadmap(steps=2, milestones_per_step=2, slug="alpha")
    build_roadmap(steps=1, milestones_per_step=1, slug="beta")
    Milestone.objects.filter(slug="s0-m0", step__path=path).update(
        title="Draft a stakeholder map", why="Knowing who decides avoids surprises."
    )
    retired = Milestone.objects.get(slug="s1-m1", step__path=path)
    retired.retired_at = retired.step.path.created_at
    retired.save()
    paid = CourseFactory(
        title="Scrum mastery",
        provider="Scrum Alliance",
        is_free=False,
        cost_amount="1000.00",
        cost_currency="USD",
        level="advanced",
    )
    step = path.steps.get(slug="s0")
    paid.steps.add(step)

    milestones = reverse("admin:roadmap_milestone_changelist")
    courses = reverse("admin:roadmap_course_changelist")

    # then search and each filter narrow the lists
    def results(url, **params):
        response = admin_http.get(url, params)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert [m.slug for m in results(milestones, q="stakeholder")] == ["s0-m0"]
    assert [m.slug for m in results(milestones, q="who decides")] == ["s0-m0"]
    assert len(results(milestones, step__path__id__exact=path.pk)) == 4
    assert len(results(milestones, step__id__exact=step.pk)) == 2
    assert len(results(milestones, kind="learn")) == 5
    assert results(milestones, retired="yes") == [retired]
    assert len(results(milestones, retired="no")) == 4
    assert results(courses, q="Scrum Alliance") == [paid]
    assert results(courses, is_free__exact="0") == [paid]
    assert results(courses, level="advanced") == [paid]
    assert set(results(courses, steps__id__exact=step.pk)) == {paid, *step.courses.all()}
    page = admin_http.get(courses).content.decode()
    assert "1000.00 USD" in page
    assert "Free" in page
    assert reverse("admin:roadmap_course_import_csv") in page


def test_learner_records_are_searchable_by_email(admin_http):
    # given two learners' progress
    mine = MilestoneProgressFactory(learner=UserFactory(email="ada@example.com"))
    MilestoneProgressFactory()
    EnrollmentFactory(learner=mine.learner, path=mine.milestone.step.path)
    ProgressEventFactory(learner=mine.learner, milestone=mine.milestone)
    ProgressEventFactory()

    # when each list is searched by email, then only Ada's rows come back
    for model in ("milestoneprogress", "progressevent", "enrollment"):
        response = admin_http.get(reverse(f"admin:roadmap_{model}_changelist"), {"q": "ada@"})
        rows = list(response.context["cl"].result_list)
        assert len(rows) == 1, model
        assert rows[0].learner == mine.learner
    response = admin_http.get(
        reverse("admin:roadmap_milestoneprogress_changelist"),
        {"status": ProgressStatus.IN_PROGRESS},
    )
    assert len(response.context["cl"].result_list) == 2


# --- Authoring a second path from the admin alone -----------------------------------------------


def test_admin_authors_a_second_career_path(admin_http):
    # given the loaded AI Project Manager path and a learner
    first = build_roadmap(steps=6, milestones_per_step=5, slug="ai-project-manager")
    learner = UserFactory()

    # when an admin adds a path with two steps through the add view
    response = admin_http.post(
        reverse("admin:roadmap_careerpath_add"),
        {
            "title": "Data Product Manager",
            "slug": "data-product-manager",
            "summary": "Own data products end to end.",
            "description": "",
            "position": "1",
            "is_published": "on",
            **_formset(
                "steps",
                [
                    {
                        "position": "0",
                        "title": "Foundations",
                        "slug": "foundations",
                        "summary": "The basics.",
                    },
                    {"position": "1", "title": "Delivery", "slug": "delivery", "summary": ""},
                ],
            ),
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    path = CareerPath.objects.get(slug="data-product-manager")
    foundations, delivery = path.steps.order_by("position")

    # and adds milestones to the first step through the step's inline
    response = admin_http.post(
        reverse("admin:roadmap_step_change", args=[foundations.pk]),
        {
            "path": str(path.pk),
            "title": "Foundations",
            "slug": "foundations",
            "summary": "The basics.",
            "position": "0",
            **_formset(
                "milestones",
                [
                    {
                        "position": "0",
                        "title": "Learn SQL",
                        "slug": "learn-sql",
                        "kind": "learn",
                        "effort_hours": "20",
                    },
                    {
                        "position": "1",
                        "title": "Ship a dashboard",
                        "slug": "ship-dashboard",
                        "kind": "build",
                        "effort_hours": "10",
                    },
                ],
            ),
        },
    )
    assert response.status_code == 302

    # and a course for the second step, then a milestone there with that course as a resource
    response = admin_http.post(
        reverse("admin:roadmap_course_add"),
        {
            "title": "Product analytics",
            "slug": "product-analytics",
            "provider": "Example Academy",
            "url": "https://academy.example.com/analytics",
            "cost_amount": "25.00",
            "cost_currency": "eur",
            "hours": "8",
            "level": "intermediate",
            "steps": [str(delivery.pk)],
        },
    )
    assert response.status_code == 302
    course = Course.objects.get(slug="product-analytics")
    response = admin_http.post(
        reverse("admin:roadmap_milestone_add"),
        {
            "step": str(delivery.pk),
            "title": "Define success metrics",
            "slug": "success-metrics",
            "why": "Without a metric nobody knows whether the product works.",
            "how": "List candidate metrics.\nPick one.\nAgree it with stakeholders.",
            "kind": "practise",
            "effort_hours": "4",
            "position": "0",
            "retired_at_0": "",
            "retired_at_1": "",
            **_formset(
                "resources",
                [{"position": "0", "course": str(course.pk), "title": "", "url": ""}],
            ),
        },
    )
    assert response.status_code == 302

    # then the second path stands beside the first, and a learner can follow it
    assert CareerPath.objects.count() == 2
    assert list(path.steps.order_by("position").values_list("slug", flat=True)) == [
        "foundations",
        "delivery",
    ]
    assert list(
        Milestone.objects.filter(step__path=path)
        .order_by("step__position", "position")
        .values_list("slug", flat=True)
    ) == ["learn-sql", "ship-dashboard", "success-metrics"]
    metric = Milestone.objects.get(slug="success-metrics")
    assert metric.how_steps == [
        "List candidate metrics.",
        "Pick one.",
        "Agree it with stakeholders.",
    ]
    assert metric.resources.get().course == course
    assert (course.is_free, str(course.cost_amount), course.cost_currency) == (
        False,
        "25.00",
        "EUR",
    )
    assert Milestone.objects.filter(step__path=first).count() == 30
    EnrollmentFactory(learner=learner, path=path)
    overview = learner_overview(learner=learner, today=timezone.localdate())
    (followed,) = overview.paths
    assert followed.path == path
    assert followed.total == 3
    assert followed.percent == 0


def test_paid_course_needs_a_currency(admin_http):
    # when a paid course is added without a currency
    response = admin_http.post(
        reverse("admin:roadmap_course_add"),
        {
            "title": "Paid",
            "slug": "paid",
            "provider": "P",
            "url": "https://p.example.com/",
            "cost_amount": "10",
            "cost_currency": "",
            "level": "beginner",
        },
    )

    # then the form is shown again with the error, and nothing is saved
    assert response.status_code == 200
    assert "A paid course needs a currency" in response.content.decode()
    assert not Course.objects.exists()


# --- Protecting learners' history ---------------------------------------------------------------


def test_learner_records_are_read_only(admin_http):
    # given a learner's progress and event
    progress = MilestoneProgressFactory(notes="private notes")
    event = ProgressEventFactory(learner=progress.learner, milestone=progress.milestone)

    # then admins can look but not add, change or delete
    for model, obj in (("milestoneprogress", progress), ("progressevent", event)):
        assert admin_http.get(reverse(f"admin:roadmap_{model}_add")).status_code == 403
        change = reverse(f"admin:roadmap_{model}_change", args=[obj.pk])
        page = admin_http.get(change)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert admin_http.post(change, {"notes": "edited"}).status_code == 403
        delete = reverse(f"admin:roadmap_{model}_delete", args=[obj.pk])
        assert admin_http.post(delete, {"post": "yes"}).status_code == 403
    progress.refresh_from_db()
    assert progress.notes == "private notes"
    assert ProgressEvent.objects.filter(pk=event.pk).exists()


def test_content_with_learner_history_cannot_be_deleted(admin_http):
    # given a milestone with a learner's progress, and one without
    used = MilestoneProgressFactory().milestone
    unused = MilestoneFactory()

    # then the used milestone, its step and its path refuse deletion, the unused one allows it
    for model, obj in (
        ("milestone", used),
        ("step", used.step),
        ("careerpath", used.step.path),
    ):
        url = reverse(f"admin:roadmap_{model}_delete", args=[obj.pk])
        assert admin_http.post(url, {"post": "yes"}).status_code == 403, model
    url = reverse("admin:roadmap_milestone_delete", args=[unused.pk])
    assert admin_http.post(url, {"post": "yes"}).status_code == 302
    assert MilestoneProgress.objects.filter(milestone=used).exists()
    assert not Milestone.objects.filter(pk=unused.pk).exists()


def test_retire_and_restore_actions(admin_http):
    # given two active milestones
    first, second = MilestoneFactory(), MilestoneFactory()
    url = reverse("admin:roadmap_milestone_changelist")

    # when they are retired with the bulk action, then one is restored
    admin_http.post(url, {"action": "retire", "_selected_action": [first.pk, second.pk]})
    assert Milestone.objects.active().count() == 0
    admin_http.post(url, {"action": "restore", "_selected_action": [first.pk]})

    # then only the restored one is active again
    assert list(Milestone.objects.active()) == [first]


def test_staff_without_permissions_cannot_author(client):
    # given a staff member with no roadmap permissions
    client.force_login(UserFactory(is_staff=True))

    # then the roadmap admin pages are forbidden
    assert client.get(reverse("admin:roadmap_milestone_changelist")).status_code == 403
    assert client.get(reverse("admin:roadmap_careerpath_add")).status_code == 403
    assert not Step.objects.exists()
