"""Portfolio's tools opened from a milestone (?from=<id>): each links back to it, a new project is
linked to it in advance, and a bad or foreign value only loses the link."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.milestone_actions import question_category_targets
from portfolio.models import CVCheck, Project
from tests.accounts.factories import UserFactory
from tests.portfolio.factories_practice import (
    CV,
    JOB,
    InterviewQuestionFactory,
    QuestionCategoryFactory,
)
from tests.roadmap.factories import (
    CareerPathFactory,
    MilestoneFactory,
    StepFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

BACK = 'data-testid="back-to-milestone"'


@pytest.fixture
def path():
    return build_roadmap(steps=2, milestones_per_step=2)


@pytest.fixture
def milestone(path):
    return path_milestones(path)[1]


@pytest.fixture
def learner(path):
    return enrolled_learner(path)


@pytest.fixture
def logged_in(client, learner):
    client.force_login(learner)
    return client


def _back_link(html: str, milestone) -> bool:
    return BACK in html and f'href="{milestone.get_absolute_url()}"' in html


@pytest.mark.parametrize(
    "name", ["cv_check_new", "question_bank", "project_new", "application_board"]
)
def test_a_tool_opened_from_a_milestone_links_back_to_it(logged_in, milestone, name):
    html = logged_in.get(f"{reverse(f'portfolio:{name}')}?from={milestone.pk}").content.decode()

    assert _back_link(html, milestone)
    assert f"Back to the milestone “{milestone.title}”" in html


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999", "1" * 40])
def test_a_bad_from_only_loses_the_link(logged_in, value):
    for name in ("cv_check_new", "question_bank", "project_new", "application_board"):
        response = logged_in.get(f"{reverse(f'portfolio:{name}')}?from={value}")
        assert response.status_code == 200
        assert BACK not in response.content.decode()


def test_a_retired_or_unpublished_milestone_gets_no_link(logged_in, path, milestone):
    retired = path_milestones(path)[0]
    retired.retired_at = timezone.now()
    retired.save()
    hidden = MilestoneFactory(step=StepFactory(path=CareerPathFactory(is_published=False)))

    for target in (retired, hidden):
        html = logged_in.get(f"{reverse('portfolio:cv_check_new')}?from={target.pk}").content
        assert BACK not in html.decode()


def test_a_new_project_from_a_milestone_comes_ticked_and_is_linked_to_it(logged_in, milestone):
    # given: the form opened from the milestone
    address = f"{reverse('portfolio:project_new')}?from={milestone.pk}"
    html = logged_in.get(address).content.decode()
    assert f'value="{milestone.pk}" id="id_milestones_' in html
    assert f'value="{milestone.pk}" id="id_milestones_0_1" checked' in html

    # when: the learner sends it as it came (the ticked milestone and the hidden `from`)
    response = logged_in.post(
        address,
        {
            "title": "Chatbot for HR",
            "kind": "side_project",
            "milestones": [milestone.pk],
            "from": milestone.pk,
        },
    )

    # then
    project = Project.objects.get()
    assert response.status_code == 302
    assert list(project.milestones.all()) == [milestone]


def test_a_project_form_ignores_a_milestone_of_a_path_the_learner_does_not_follow(logged_in):
    other = build_roadmap(steps=1, milestones_per_step=1, slug="other")
    foreign = path_milestones(other)[0]

    html = logged_in.get(f"{reverse('portfolio:project_new')}?from={foreign.pk}").content.decode()

    assert BACK not in html and " checked" not in html


def test_the_cv_check_carries_the_milestone_to_its_result(logged_in, milestone):
    # given: the form opened from the milestone sends it along
    html = logged_in.get(f"{reverse('portfolio:cv_check_new')}?from={milestone.pk}").content
    assert f'<input type="hidden" name="from" value="{milestone.pk}">' in html.decode()

    # when
    response = logged_in.post(
        reverse("portfolio:cv_check_new"), {"cv_text": CV, "job_text": JOB, "from": milestone.pk}
    )

    # then: the result page links back to the milestone
    check = CVCheck.objects.get()
    assert response.url == f"{check.get_absolute_url()}?from={milestone.pk}"
    assert _back_link(logged_in.get(response.url).content.decode(), milestone)


def test_the_question_bank_keeps_the_milestone_when_filtered(logged_in, milestone):
    category = QuestionCategoryFactory(slug="leadership", name="Leadership")
    InterviewQuestionFactory(category=category)

    html = logged_in.get(
        f"{reverse('portfolio:question_bank')}?category=leadership&from={milestone.pk}"
    ).content.decode()

    assert f'<input type="hidden" name="from" value="{milestone.pk}">' in html
    assert _back_link(html, milestone)


def test_the_link_back_costs_one_query_only_when_asked(
    logged_in, milestone, django_assert_max_num_queries
):
    # the pages' own pins (tests/portfolio/test_*_pages.py, test_board.py) plus one
    for name, limit in [("cv_check_new", 4), ("question_bank", 3), ("application_board", 3)]:
        with django_assert_max_num_queries(limit + 1):
            response = logged_in.get(f"{reverse(f'portfolio:{name}')}?from={milestone.pk}")
        assert BACK in response.content.decode(), name


def test_question_categories_are_known_from_the_file_before_they_are_loaded():
    QuestionCategoryFactory(slug="admins-own", name="Admin's own")

    found = question_category_targets({"technical", "admins-own", "juggling"})

    assert found == {"technical": "Technical delivery", "admins-own": "Admin's own"}


def test_a_learner_never_sees_another_learners_data_through_from(client, path, milestone):
    # `from` names public roadmap content only; the page is still the learner's own
    other = UserFactory()
    client.force_login(other)
    response = client.get(f"{reverse('portfolio:application_board')}?from={milestone.pk}")
    assert response.status_code == 200 and _back_link(response.content.decode(), milestone)
