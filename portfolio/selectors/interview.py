"""Reads of interview practice: the question bank with the learner's practice on each question,
one question with the learner's answers, and one answer. Each is a fixed number of queries
whatever the size of the bank or the number of answers."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.models import User
from portfolio.models import InterviewQuestion, PracticeAnswer, QuestionCategory

__all__ = [
    "LOW_CONFIDENCE",
    "BankFilters",
    "QuestionBank",
    "answer_get",
    "published_question",
    "question_bank",
    "question_for_learner",
    "question_answers",
]

# A question whose latest answer was rated this or lower is "low confidence": worth another go.
LOW_CONFIDENCE = 2


class Show:
    ALL = ""
    NOT_PRACTISED = "not_practised"
    LOW_CONFIDENCE = "low_confidence"


@dataclass(frozen=True)
class BankFilters:
    category: str = ""  # a category's slug
    show: str = Show.ALL


@dataclass(frozen=True)
class QuestionRow:
    question: InterviewQuestion
    answers: int
    latest_confidence: int | None

    @property
    def practised(self) -> bool:
        return self.answers > 0

    @property
    def low_confidence(self) -> bool:
        return self.latest_confidence is not None and self.latest_confidence <= LOW_CONFIDENCE


@dataclass(frozen=True)
class CategoryGroup:
    category: QuestionCategory
    rows: tuple[QuestionRow, ...]  # after the filters, if any
    questions: int  # published questions in the category, whatever the filters
    practised: int  # of which the learner has answered

    @property
    def is_practised(self) -> bool:
        return self.practised > 0


@dataclass(frozen=True)
class QuestionBank:
    groups: tuple[CategoryGroup, ...]  # categories with questions left after the filters
    categories: tuple[QuestionCategory, ...]  # every category with published questions
    not_practised: tuple[QuestionCategory, ...]  # categories the learner has not practised
    total_questions: int
    practised_questions: int
    low_confidence_questions: int
    filters: BankFilters = BankFilters()

    @property
    def shown(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    def filtered(self, filters: BankFilters) -> QuestionBank:
        """The same bank with only the questions the filters keep (no query: the totals and
        the categories not practised stay those of the whole bank)."""

        def keep(group: CategoryGroup, row: QuestionRow) -> bool:
            if filters.category and group.category.slug != filters.category:
                return False
            if filters.show == Show.NOT_PRACTISED:
                return not row.practised
            if filters.show == Show.LOW_CONFIDENCE:
                return row.low_confidence
            return True

        groups = []
        for group in self.groups:
            rows = tuple(row for row in group.rows if keep(group, row))
            if rows:
                groups.append(replace(group, rows=rows))
        return replace(self, groups=tuple(groups), filters=filters)


def _mine(learner: User) -> QuerySet[PracticeAnswer]:
    return PracticeAnswer.objects.filter(learner=learner, question=OuterRef("pk"))


def _answer_count(learner: User) -> Coalesce:
    # A correlated subquery on the (learner, question) index, not a join with every learner's
    # answers followed by a filtered COUNT.
    count = _mine(learner).order_by().values("question").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(count), 0)


def _latest_confidence(learner: User) -> Subquery:
    return Subquery(_mine(learner).order_by("-created_at", "-id").values("confidence")[:1])


def question_bank(*, learner: User) -> QuestionBank:
    """Every published question, grouped by category in order, with the learner's answer count
    and latest confidence on each: one query. Narrow it with QuestionBank.filtered()."""
    questions = (
        InterviewQuestion.objects.published()
        .select_related("category")
        .annotate(my_answers=_answer_count(learner), my_confidence=_latest_confidence(learner))
        .order_by("category__position", "category__name", "category_id", "position", "id")
    )
    by_category: dict[int, list[QuestionRow]] = {}
    for question in questions:
        row = QuestionRow(question, question.my_answers, question.my_confidence)
        by_category.setdefault(question.category_id, []).append(row)
    groups = tuple(
        CategoryGroup(
            category=rows[0].question.category,
            rows=tuple(rows),
            questions=len(rows),
            practised=sum(row.practised for row in rows),
        )
        for rows in by_category.values()
    )
    return QuestionBank(
        groups=groups,
        categories=tuple(g.category for g in groups),
        not_practised=tuple(g.category for g in groups if not g.is_practised),
        total_questions=sum(g.questions for g in groups),
        practised_questions=sum(g.practised for g in groups),
        low_confidence_questions=sum(r.low_confidence for g in groups for r in g.rows),
    )


def published_question(*, slug: str) -> InterviewQuestion:
    return get_object_or_404(
        InterviewQuestion.objects.published().select_related("category"), slug=slug
    )


def question_for_learner(*, learner: User, slug: str) -> InterviewQuestion:
    """A published question, or a retired one the learner has answered (their answers stay
    theirs to read); otherwise a 404."""
    answered = _mine(learner)
    return get_object_or_404(
        InterviewQuestion.objects.select_related("category").filter(
            Q(is_published=True) | Q(Exists(answered))
        ),
        slug=slug,
    )


def question_answers(*, learner: User, question: InterviewQuestion) -> QuerySet[PracticeAnswer]:
    """The learner's answers to the question, newest first."""
    return PracticeAnswer.objects.filter(learner=learner, question=question).order_by(
        "-created_at", "-id"
    )


def answer_get(*, learner: User, pk: int) -> PracticeAnswer:
    """The learner's own answer with its question; anyone else's is a 404."""
    return get_object_or_404(
        PracticeAnswer.objects.filter(learner=learner).select_related("question__category"),
        pk=pk,
    )
