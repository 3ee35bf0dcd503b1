"""Admins curate the question bank: pages load with answer counts, questions with answers are
unpublished rather than deleted; CV checks are read-only and never show the texts."""

import pytest
from django.urls import reverse

from portfolio.models import InterviewQuestion, QuestionCategory
from tests.accounts.factories import UserFactory
from tests.portfolio.factories_practice import (
    CVCheckFactory,
    InterviewQuestionFactory,
    JobApplicationFactory,
    PracticeAnswerFactory,
    QuestionCategoryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def admin_url(model, name, *args):
    return reverse(f"admin:portfolio_{model}_{name}", args=args)


def test_admin_pages_load(admin_client):
    question = InterviewQuestionFactory()
    PracticeAnswerFactory(question=question)
    check = CVCheckFactory(application=JobApplicationFactory())
    for model, obj in [("questioncategory", question.category), ("interviewquestion", question)]:
        for name, args in [("changelist", []), ("add", []), ("change", [obj.pk])]:
            response = admin_client.get(admin_url(model, name, *args))
            assert response.status_code == 200, (model, name)
    assert admin_client.get(admin_url("cvcheck", "changelist")).status_code == 200
    assert admin_client.get(admin_url("cvcheck", "change", check.pk)).status_code == 200
    assert admin_client.get(admin_url("cvcheck", "add")).status_code == 403


def test_changelists_show_answer_counts(admin_client):
    # given: two answers to one question, one to another, in the same category
    first, second = InterviewQuestionFactory.create_batch(2, category=QuestionCategoryFactory())
    PracticeAnswerFactory.create_batch(2, question=first)
    PracticeAnswerFactory(question=second)
    InterviewQuestionFactory(category=first.category, is_published=False)

    # then
    questions = admin_client.get(admin_url("interviewquestion", "changelist"))
    counts = {q.pk: q.answer_count for q in questions.context["cl"].result_list}
    assert counts[first.pk] == 2 and counts[second.pk] == 1
    categories = admin_client.get(admin_url("questioncategory", "changelist"))
    (category,) = categories.context["cl"].result_list
    assert (category.published_count, category.answer_count) == (2, 3)


def test_a_question_learners_answered_cannot_be_deleted_only_unpublished(admin_client):
    # given
    answered = PracticeAnswerFactory().question
    unanswered = InterviewQuestionFactory()

    # then: no delete page, no bulk delete
    assert (
        admin_client.get(admin_url("interviewquestion", "delete", answered.pk)).status_code == 403
    )
    changelist = admin_client.get(admin_url("interviewquestion", "changelist"))
    assert "delete_selected" not in changelist.content.decode()

    # and unpublishing keeps it and its answers
    response = admin_client.post(
        admin_url("interviewquestion", "changelist"),
        {"action": "unpublish", "_selected_action": [answered.pk]},
        follow=True,
    )
    assert "1 question unpublished." in response.content.decode()
    answered.refresh_from_db()
    assert not answered.is_published and answered.answers.count() == 1

    # and a question nobody answered can be deleted
    response = admin_client.post(
        admin_url("interviewquestion", "delete", unanswered.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not InterviewQuestion.objects.filter(pk=unanswered.pk).exists()


def test_an_admin_adds_a_question_in_a_category_with_its_inline(admin_client):
    response = admin_client.post(
        admin_url("questioncategory", "add"),
        {
            "slug": "product",
            "name": "Product sense",
            "description": "",
            "position": 8,
            "questions-TOTAL_FORMS": 1,
            "questions-INITIAL_FORMS": 0,
            "questions-MIN_NUM_FORMS": 0,
            "questions-MAX_NUM_FORMS": 1000,
            "questions-0-position": 0,
            "questions-0-slug": "first-ai-feature",
            "questions-0-text": "Which AI feature would you build first for us?",
            "questions-0-is_published": "on",
        },
    )
    assert response.status_code == 302
    question = InterviewQuestion.objects.get(slug="first-ai-feature")
    assert question.category == QuestionCategory.objects.get(slug="product")
    assert question.is_published and not question.from_data_file


def test_cv_checks_are_read_only_and_never_show_the_texts(admin_client):
    check = CVCheckFactory(cv_text="Jane Secret, 07700 900123, jane@example.com")

    for address in (admin_url("cvcheck", "changelist"), admin_url("cvcheck", "change", check.pk)):
        html = admin_client.get(address).content.decode()
        assert "07700 900123" not in html and "jane@example.com" not in html
    change = admin_client.get(admin_url("cvcheck", "change", check.pk)).content.decode()
    assert str(check.score) in change and 'name="_save"' not in change


@pytest.mark.parametrize("n", [2, 20])
def test_admin_changelists_run_a_fixed_number_of_queries(
    admin_client, n, django_assert_max_num_queries
):
    for _ in range(n):
        question = InterviewQuestionFactory()
        PracticeAnswerFactory.create_batch(2, question=question)
        CVCheckFactory(application=JobApplicationFactory())
    # session, user, (filter choices,) count, count of all, the page; the CV checks' date
    # hierarchy adds its range and its days
    for model, limit in [("questioncategory", 5), ("interviewquestion", 6), ("cvcheck", 7)]:
        with django_assert_max_num_queries(limit):
            response = admin_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model
    # session, user, the category, its questions (the inline)
    with django_assert_max_num_queries(4):
        response = admin_client.get(admin_url("questioncategory", "change", question.category.pk))
    assert response.status_code == 200
