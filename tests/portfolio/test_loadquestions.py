"""loadquestions: the real data file loads 40+ questions across categories; a rerun writes
nothing; a bad file writes nothing and lists every problem; removed questions are unpublished
with their answers kept; admins' own questions are never touched."""

import copy
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio.models import InterviewQuestion, PracticeAnswer, QuestionCategory
from portfolio.services.interview import (
    DATA_FILE,
    ContentError,
    questions_load,
    questions_read_file,
)
from tests.portfolio.factories_practice import InterviewQuestionFactory, PracticeAnswerFactory

pytestmark = pytest.mark.django_db


def data() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_the_data_file_loads_at_least_40_questions_across_categories():
    # when
    report = questions_load(data=questions_read_file())

    # then
    questions = InterviewQuestion.objects.select_related("category")
    assert report.questions.created == questions.count() >= 40
    categories = {c.slug: c for c in QuestionCategory.objects.all()}
    assert {"technical", "soft-skills", "ai-specific", "ethics", "leadership"} <= set(categories)
    for category in categories.values():
        assert category.questions.count() >= 5, category.slug
    for question in questions:
        assert question.is_published and question.from_data_file
        assert question.text[-1] in "?." and len(question.guidance) > 100, question.slug
    assert questions.get(slug="data-pipeline-issue").category.slug == "technical"
    # the questions are our own words, not the guide's sentences
    for guide_sentence in ("manage a data pipeline issue", "handle team conflict",
                           "handle conflict in your team"):  # fmt: skip
        assert not questions.filter(text__icontains=guide_sentence).exists(), guide_sentence
    # the new questions, the "tell me about a time" ones with STAR guidance
    for slug in ("labelling-vendor", "inference-cost", "supervised-vs-unsupervised",
                 "overfitting", "precision-and-recall", "evaluate-generative-ai",
                 "generative-ai-security"):  # fmt: skip
        assert questions.filter(slug=slug).exists(), slug
    for slug in ("failed-experiment", "ambiguity-story", "pushed-back-on-deadline",
                 "won-over-sceptic"):  # fmt: skip
        question = questions.get(slug=slug)
        assert question.text.startswith("Tell me about a time")
        assert "Answer with STAR" in question.guidance and "Result:" in question.guidance
    # the file's order is the bank's order
    assert [c.slug for c in QuestionCategory.objects.order_by("position")][:2] == [
        "technical",
        "ai-specific",
    ]


def test_a_rerun_writes_nothing():
    questions_load(data=data())

    with CaptureQueriesContext(connection) as queries:
        report = questions_load(data=data())

    assert writes(queries.captured_queries) == []
    assert not report.changed
    assert report.questions.unchanged == InterviewQuestion.objects.count()


def test_a_changed_question_is_updated_and_answers_are_kept():
    questions_load(data=data())
    answer = PracticeAnswerFactory(question=InterviewQuestion.objects.get(slug="team-conflict"))
    changed = data()
    changed["categories"][3]["questions"][0]["text"] = "How do you deal with team conflict?"

    report = questions_load(data=changed)

    assert (report.questions.updated, report.questions.created) == (1, 0)
    answer.refresh_from_db()
    assert answer.question.text == "How do you deal with team conflict?"


def test_a_removed_question_is_unpublished_and_comes_back_when_restored():
    # given: a loaded bank and an answer to a question
    questions_load(data=data())
    question = InterviewQuestion.objects.get(slug="model-drift")
    answer = PracticeAnswerFactory(question=question)
    # and a question an admin wrote in the admin
    own = InterviewQuestionFactory(category=question.category, slug="admins-own")

    # when: the question disappears from the file
    removed = data()
    for category in removed["categories"]:
        category["questions"] = [q for q in category["questions"] if q["slug"] != "model-drift"]
    report = questions_load(data=removed)

    # then: it is unpublished, not deleted, and the answer is kept; the admin's is untouched
    question.refresh_from_db()
    own.refresh_from_db()
    assert report.questions.unpublished == 1
    assert not question.is_published
    assert PracticeAnswer.objects.filter(pk=answer.pk).exists()
    assert own.is_published

    # and when it comes back, it is published again
    report = questions_load(data=data())
    question.refresh_from_db()
    assert question.is_published and report.questions.republished == 1


def test_a_bad_file_lists_every_problem_and_writes_nothing():
    # given: a file with a problem in many places
    bad = copy.deepcopy(data())
    bad["categories"][0]["questions"][1]["slug"] = "data-pipeline-issue"  # duplicate
    bad["categories"][0]["questions"][2].pop("text")
    bad["categories"][1]["slug"] = "AI Specific"
    bad["categories"][2]["questions"][0]["colour"] = "red"
    bad["categories"][3]["name"] = "x" * 101
    bad["categories"][4]["questions"] = []
    bad["categories"][5]["questions"][0]["text"] = ["not", "text"]

    # when
    with pytest.raises(ContentError) as caught:
        questions_load(data=bad)

    # then
    assert caught.value.errors == [
        "categories[0].questions[1]: duplicate question slug 'data-pipeline-issue' "
        "(also at categories[0].questions[0])",
        "categories[0].questions[2]: missing required key 'text' (text)",
        "categories[1]: invalid slug 'AI Specific' (lowercase letters, digits and hyphens)",
        "categories[2].questions[0]: unknown key 'colour'",
        "categories[3].name: at most 100 characters, not 101",
        "categories[4].questions: must be a non-empty list",
        "categories[5].questions[0]: missing required key 'text' (text)",
    ]
    assert not QuestionCategory.objects.exists() and not InterviewQuestion.objects.exists()


@pytest.mark.parametrize("content", [None, [], {"version": 1}, {"categories": "no"}])
def test_a_file_of_the_wrong_shape_is_refused(content):
    with pytest.raises(ContentError, match="expected a mapping"):
        questions_load(data=content)


def test_the_command_loads_reports_and_refuses_bad_files(tmp_path):
    # when
    out = StringIO()
    call_command("loadquestions", stdout=out)

    # then
    assert "interview-questions.yaml: loaded" in out.getvalue()
    assert "questions: 59 created" in out.getvalue()

    # and a rerun says nothing changed
    out = StringIO()
    call_command("loadquestions", stdout=out)
    assert "0 created, 0 updated, 59 unchanged, 0 unpublished" in out.getvalue()

    # and a broken file exits 1 with its problems, changing nothing
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ncategories:\n  - slug: x\n    questions: [{slug: q}]\n")
    with pytest.raises(CommandError) as caught:
        call_command("loadquestions", str(broken))
    assert caught.value.returncode == 1
    assert "categories[0]: missing required key 'name'" in str(caught.value)
    assert "categories[0].questions[0]: missing required key 'text'" in str(caught.value)
    unreadable = tmp_path / "bad.yaml"
    unreadable.write_text("categories: [unclosed")
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("loadquestions", str(unreadable))
    assert InterviewQuestion.objects.count() == 59


def test_a_dry_run_reports_and_writes_nothing():
    out = StringIO()
    call_command("loadquestions", "--dry-run", stdout=out)
    assert "would load" in out.getvalue() and "59 created" in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue()
    assert not InterviewQuestion.objects.exists()
