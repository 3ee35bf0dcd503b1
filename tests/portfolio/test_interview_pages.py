"""Interview practice pages through HTTP: the bank with filters and the categories not practised,
a question with the STAR form and previous answers, editing and deleting answers (plain and
htmx); bad input, other learners' answers, anonymous visitors, query counts."""

import pytest
from django.urls import reverse

from portfolio.models import PracticeAnswer
from tests.accounts.factories import UserFactory
from tests.portfolio.factories_practice import (
    InterviewQuestionFactory,
    PracticeAnswerFactory,
    QuestionCategoryFactory,
)
from tests.portfolio.layout import assert_page_layout

pytestmark = pytest.mark.django_db

STAR = {
    "situation": "Two engineers disagreed about the release plan.",
    "task": "Get the team to one plan before the sprint review.",
    "action": "Met each of them, then ran a short session on the facts.",
    "result": "We agreed a plan in a day and shipped on time.",
    "confidence": "4",
}


def url(name, *args):
    return reverse(f"portfolio:{name}", args=args)


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def bank():
    technical = QuestionCategoryFactory(slug="technical", name="Technical delivery", position=0)
    soft = QuestionCategoryFactory(slug="soft-skills", name="Teamwork", position=1)
    ethics = QuestionCategoryFactory(slug="ethics", name="Ethics", position=2)
    return {
        "pipeline": InterviewQuestionFactory(
            category=technical, slug="data-pipeline-issue",
            text="How would you manage a data pipeline issue?",
        ),
        "drift": InterviewQuestionFactory(category=technical, text="What is model drift?"),
        "conflict": InterviewQuestionFactory(
            category=soft, slug="team-conflict", text="How do you handle team conflict?"
        ),
        "bias": InterviewQuestionFactory(category=ethics, text="What if the model is biased?"),
    }  # fmt: skip


def test_practice_pages_need_a_login(client, bank):
    answer = PracticeAnswerFactory(question=bank["pipeline"])
    for address in (
        url("question_bank"),
        url("question_detail", "data-pipeline-issue"),
        url("answer_edit", answer.pk),
    ):
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for address in (url("answer_add", "data-pipeline-issue"), url("answer_delete", answer.pk)):
        response = client.post(address, STAR)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # an htmx request is sent to the login page as a whole page
    response = client.post(url("answer_delete", answer.pk), headers={"HX-Request": "true"})
    assert response.status_code == 401 and "/accounts/login/" in response["HX-Redirect"]
    assert PracticeAnswer.objects.count() == 1


def test_the_bank_groups_questions_and_names_the_categories_not_practised(client, learner, bank):
    # given: the learner answered the pipeline question, rating it 2 the last time
    PracticeAnswerFactory(learner=learner, question=bank["pipeline"], confidence=4)
    PracticeAnswerFactory(learner=learner, question=bank["pipeline"], confidence=2)
    PracticeAnswerFactory(question=bank["conflict"])  # someone else's

    # when
    response = client.get(url("question_bank"))

    # then
    html = text_of(response)
    assert_page_layout(html, logged_in=True)
    assert "You have practised 1 of 4 questions." in html
    assert "1 needs another go (low confidence)." in html
    section = html[html.index("Categories you have not practised yet") :]
    section = section[: section.index("</section>")]
    assert "Teamwork" in section and "Ethics" in section and "Technical" not in section
    assert "1 of 2 practised" in html and "0 of 1 practised" in html
    assert "2 answers" in html and "confidence 2/5" in html
    positions = [html.index(q.text) for q in bank.values()]
    assert positions == sorted(positions)  # category order, then question order
    assert 'aria-current="page">Interview practice</a>' in html


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"category": "technical"}, ["pipeline", "drift"]),
        ({"show": "not_practised"}, ["drift", "conflict", "bias"]),
        ({"show": "low_confidence"}, ["pipeline"]),
        ({"category": "technical", "show": "not_practised"}, ["drift"]),
        ({"category": "no-such-category"}, ["pipeline", "drift", "conflict", "bias"]),
    ],
)
def test_the_bank_filters(client, learner, bank, params, shown):
    PracticeAnswerFactory(learner=learner, question=bank["pipeline"], confidence=1)

    response = client.get(url("question_bank"), params)

    rows = [row.question for group in response.context["bank"].groups for row in group.rows]
    assert rows == [bank[name] for name in shown]
    if params.get("category") == "no-such-category":  # an unknown filter says so, shows all
        assert response.context["form"].errors["category"]
        assert "Select a valid choice" in text_of(response)


def test_practise_a_question_with_the_star_template(client, learner, bank):
    # when: the learner opens a question
    question = bank["conflict"]
    response = client.get(url("question_detail", "team-conflict"))

    # then: the guidance, the four STAR parts and the confidence scale are there
    html = text_of(response)
    assert_page_layout(html, logged_in=True)
    for label in ("Situation", "Task", "Action", "Result", "1 – shaky", "5 – ready"):
        assert label in html
    assert question.guidance in html

    # when: they answer
    response = client.post(url("answer_add", "team-conflict"), STAR, follow=True)

    # then: it is saved and listed under the question
    answer = PracticeAnswer.objects.get(learner=learner)
    assert (answer.question, answer.confidence, answer.action) == (question, 4, STAR["action"])
    assert response.redirect_chain[0][0] == question.get_absolute_url() + "#answers"
    assert "Answer saved, with confidence 4 of 5." in messages_of(response)
    assert STAR["result"] in text_of(response)
    assert response.context["answers"] == [answer]


def test_the_question_page_shows_only_the_learners_own_answers(client, learner, bank):
    mine = PracticeAnswerFactory(learner=learner, question=bank["bias"], action="My own words.")
    PracticeAnswerFactory(question=bank["bias"], action="Someone else's words.")

    response = client.get(bank["bias"].get_absolute_url())

    assert response.context["answers"] == [mine]
    assert "Someone else&#x27;s words." not in text_of(response)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"situation": "", "task": "", "action": "", "result": ""},
            "Write at least one part of your answer",
        ),
        ({"confidence": ""}, "Rate your confidence from 1 (shaky) to 5 (ready)."),
        ({"confidence": "9"}, "Select a valid choice."),
        ({"action": "x" * 3001}, "The action part is 3,001 characters long"),
    ],
)
def test_a_bad_answer_gets_a_clear_message_and_keeps_the_text(
    client, learner, bank, changes, message
):
    response = client.post(url("answer_add", "team-conflict"), {**STAR, **changes})

    assert response.status_code == 200
    html = text_of(response)
    assert "Nothing was saved" in html and message in html
    assert response.context["form"]["situation"].value() == {**STAR, **changes}["situation"]
    assert not PracticeAnswer.objects.exists()


def test_edit_and_delete_an_answer(client, learner, bank):
    answer = PracticeAnswerFactory(learner=learner, question=bank["drift"], confidence=2)

    # edit: the form starts from the answer
    response = client.get(url("answer_edit", answer.pk))
    assert response.context["form"]["task"].value() == answer.task
    assert_page_layout(text_of(response), logged_in=True)
    response = client.post(url("answer_edit", answer.pk), {**STAR, "confidence": "5"})
    assert response["Location"] == bank["drift"].get_absolute_url() + "#answers"
    answer.refresh_from_db()
    assert (answer.confidence, answer.situation) == (5, STAR["situation"])

    # a refused edit changes nothing
    response = client.post(url("answer_edit", answer.pk), {"confidence": "3"})
    assert response.status_code == 200 and "Write at least one part" in text_of(response)
    answer.refresh_from_db()
    assert answer.confidence == 5

    # delete without JavaScript: back to the question with a message
    response = client.post(url("answer_delete", answer.pk), follow=True)
    assert "Answer deleted." in messages_of(response)
    assert not PracticeAnswer.objects.exists()


def test_delete_with_htmx_answers_with_the_status_only(client, learner, bank):
    answer = PracticeAnswerFactory(learner=learner, question=bank["drift"])

    response = client.post(url("answer_delete", answer.pk), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert text_of(response) == (
        '<div id="answer-status" hx-swap-oob="innerHTML">Answer deleted.</div>'
    )
    assert not PracticeAnswer.objects.exists()


def test_another_learners_answers_answer_404(client, learner, bank):
    theirs = PracticeAnswerFactory(question=bank["drift"], confidence=2)

    assert client.get(url("answer_edit", theirs.pk)).status_code == 404
    assert client.post(url("answer_edit", theirs.pk), STAR).status_code == 404
    assert client.post(url("answer_delete", theirs.pk)).status_code == 404
    response = client.post(url("answer_delete", theirs.pk), headers={"HX-Request": "true"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.confidence == 2


def test_a_retired_question_keeps_its_answers_readable_but_takes_no_new_ones(client, learner, bank):
    # given: a retired question the learner answered, and one they did not
    answered = bank["drift"]
    PracticeAnswerFactory(learner=learner, question=answered)
    answered.is_published = False
    answered.save()
    bank["bias"].is_published = False
    bank["bias"].save()

    # then
    response = client.get(answered.get_absolute_url())
    assert response.status_code == 200
    assert "retired from the bank" in text_of(response)
    assert url("answer_add", answered.slug) not in text_of(response)
    assert client.get(bank["bias"].get_absolute_url()).status_code == 404
    assert client.post(url("answer_add", answered.slug), STAR).status_code == 404
    assert client.get(url("question_detail", "no-such-question")).status_code == 404
    assert PracticeAnswer.objects.count() == 1
    assert answered.text not in text_of(client.get(url("question_bank")))


def _fill(learner, categories: int, per_category: int):
    """A bank of categories × per_category questions; the learner answered every other one
    twice, and another learner answered all of them."""
    other = UserFactory()
    questions = []
    for _ in range(categories):
        category = QuestionCategoryFactory()
        for i in range(per_category):
            question = InterviewQuestionFactory(category=category)
            questions.append(question)
            PracticeAnswerFactory(learner=other, question=question)
            if i % 2 == 0:
                PracticeAnswerFactory.create_batch(2, learner=learner, question=question)
    return questions[0]


@pytest.mark.parametrize(("categories", "per_category"), [(2, 2), (7, 10)])
def test_pages_run_a_fixed_number_of_queries(
    client, learner, categories, per_category, django_assert_max_num_queries
):
    question = _fill(learner, categories, per_category)
    answer = PracticeAnswer.objects.filter(learner=learner, question=question).first()
    for address, limit in [
        # session, user, the questions with the learner's counts and latest confidence
        (url("question_bank"), 3),
        (url("question_bank") + "?show=low_confidence&category=" + question.category.slug, 3),
        # session, user, the question, the learner's answers to it
        (question.get_absolute_url(), 4),
        # session, user, the answer with its question
        (url("answer_edit", answer.pk), 3),
    ]:
        with django_assert_max_num_queries(limit):
            response = client.get(address)
        assert response.status_code == 200, address
