"""Interview practice services and selectors: STAR answers with a confidence rating; bad input
and other learners' answers change nothing; the bank groups questions with the learner's
practice."""

import pytest
from django.core.exceptions import ValidationError

from portfolio.models import PracticeAnswer
from portfolio.selectors.interview import BankFilters, question_bank
from portfolio.services.interview import (
    practice_answer_create,
    practice_answer_delete,
    practice_answer_update,
)
from tests.accounts.factories import UserFactory
from tests.portfolio.factories_practice import (
    InterviewQuestionFactory,
    PracticeAnswerFactory,
    QuestionCategoryFactory,
)

pytestmark = pytest.mark.django_db

STAR = {
    "situation": "  A model release was blocked by a failing data pipeline.  ",
    "task": "Decide whether to release.",
    "action": "Brought data engineering and product together; agreed a fallback.",
    "result": "Released a day late with no customer impact.",
}


def test_an_answer_is_saved_trimmed_with_its_confidence():
    learner, question = UserFactory(), InterviewQuestionFactory()

    answer = practice_answer_create(learner=learner, question=question, confidence=4, **STAR)

    answer.refresh_from_db()
    assert answer.situation == STAR["situation"].strip()
    assert (answer.learner, answer.question, answer.confidence) == (learner, question, 4)


def test_an_answer_may_have_only_some_parts():
    answer = practice_answer_create(
        learner=UserFactory(),
        question=InterviewQuestionFactory(),
        action="Only this.",
        confidence=1,
    )
    assert (answer.situation, answer.action) == ("", "Only this.")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"situation": "", "task": " ", "action": "", "result": "\n"}, "at least one part"),
        ({"confidence": 0}, "from 1 (shaky) to 5 (ready)"),
        ({"confidence": 6}, "from 1 (shaky) to 5 (ready)"),
        ({"confidence": "3"}, "from 1 (shaky) to 5 (ready)"),
        ({"confidence": True}, "from 1 (shaky) to 5 (ready)"),
        ({"action": "x" * 3_001}, "The action part is 3,001 characters long; keep it to 3,000."),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(changes, message):
    data = {**STAR, "confidence": 3, **changes}
    with pytest.raises(ValidationError) as caught:
        practice_answer_create(learner=UserFactory(), question=InterviewQuestionFactory(), **data)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert not PracticeAnswer.objects.exists()


def test_a_retired_question_takes_no_new_answers():
    question = InterviewQuestionFactory(is_published=False)
    with pytest.raises(ValidationError, match="retired"):
        practice_answer_create(learner=UserFactory(), question=question, confidence=3, **STAR)
    assert not PracticeAnswer.objects.exists()


def test_only_the_learner_updates_or_deletes_their_answer():
    # given
    answer = PracticeAnswerFactory(confidence=2)
    stranger = UserFactory()

    # then: a stranger changes nothing
    with pytest.raises(ValidationError, match="not yours"):
        practice_answer_update(learner=stranger, answer=answer, confidence=5, **STAR)
    with pytest.raises(ValidationError, match="not yours"):
        practice_answer_delete(learner=stranger, answer=answer)
    answer.refresh_from_db()
    assert answer.confidence == 2 and answer.task != STAR["task"]

    # and the learner rewrites it, also when the question was retired since
    answer.question.is_published = False
    answer.question.save()
    practice_answer_update(learner=answer.learner, answer=answer, confidence=5, **STAR)
    answer.refresh_from_db()
    assert answer.confidence == 5 and answer.task == STAR["task"]
    practice_answer_delete(learner=answer.learner, answer=answer)
    assert not PracticeAnswer.objects.exists()


def test_a_refused_update_changes_nothing():
    answer = PracticeAnswerFactory(confidence=2)
    before = PracticeAnswer.objects.values().get(pk=answer.pk)
    with pytest.raises(ValidationError):
        practice_answer_update(
            learner=answer.learner, answer=answer, situation="", task="", action="", result="",
            confidence=4,
        )  # fmt: skip
    assert PracticeAnswer.objects.values().get(pk=answer.pk) == before


def test_the_bank_groups_questions_with_the_learners_practice():
    # given: three categories; the learner practised two questions of the first, one twice
    learner = UserFactory()
    technical = QuestionCategoryFactory(name="Technical", position=0)
    ethics = QuestionCategoryFactory(name="Ethics", position=1)
    empty = QuestionCategoryFactory(name="Soft skills", position=2)
    pipeline, drift = InterviewQuestionFactory.create_batch(2, category=technical)
    untouched = InterviewQuestionFactory(category=technical)
    bias = InterviewQuestionFactory(category=ethics)
    InterviewQuestionFactory(category=empty, is_published=False)  # retired: not in the bank
    PracticeAnswerFactory(learner=learner, question=pipeline, confidence=4)
    PracticeAnswerFactory(learner=learner, question=pipeline, confidence=1)  # the latest
    PracticeAnswerFactory(learner=learner, question=drift, confidence=5)
    PracticeAnswerFactory(question=bias, confidence=5)  # someone else's

    # when
    bank = question_bank(learner=learner)

    # then
    assert [g.category for g in bank.groups] == [technical, ethics]
    first = bank.groups[0]
    assert (first.questions, first.practised) == (3, 2)
    rows = {row.question: row for row in first.rows}
    assert (rows[pipeline].answers, rows[pipeline].latest_confidence) == (2, 1)
    assert rows[pipeline].low_confidence and not rows[drift].low_confidence
    assert not rows[untouched].practised
    assert bank.not_practised == (ethics,)
    assert (bank.total_questions, bank.practised_questions, bank.low_confidence_questions) == (
        4,
        2,
        1,
    )

    # and the filters narrow the groups, never the totals
    not_practised = bank.filtered(BankFilters(show="not_practised"))
    assert [r.question for g in not_practised.groups for r in g.rows] == [untouched, bias]
    assert not_practised.total_questions == 4 and not_practised.not_practised == (ethics,)
    low = bank.filtered(BankFilters(show="low_confidence"))
    assert [r.question for g in low.groups for r in g.rows] == [pipeline]
    only_ethics = bank.filtered(BankFilters(category=ethics.slug))
    assert [g.category for g in only_ethics.groups] == [ethics]
