"""Every write of interview practice: a learner's STAR answers, and loading the question bank
from its data file (portfolio/data/interview-questions.yaml) idempotently.

Answers are checked before anything is written, so bad input changes nothing. The loader checks
the whole file first (every problem listed with its place in the file), then upserts categories
and questions by slug in one transaction. A question the file no longer names is unpublished,
never deleted, so learners keep their answers; questions written in the admin are not touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from portfolio.models import InterviewQuestion, PracticeAnswer, QuestionCategory
from roadmap.services.content import ContentError as _ContentError

__all__ = [
    "DATA_FILE",
    "STAR_PARTS",
    "ContentError",
    "QuestionLoadReport",
    "practice_answer_create",
    "practice_answer_delete",
    "practice_answer_update",
    "questions_load",
    "questions_read_file",
    "questions_validate",
]


class ContentError(_ContentError):
    """The question file is invalid; `errors` lists every problem with its place in the file."""

    def __init__(self, errors):
        super().__init__(errors)
        self.args = (
            f"{len(self.errors)} problem(s) in the interview question data:\n"
            + "\n".join(f"  - {e}" for e in self.errors),
        )


DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "interview-questions.yaml"
STAR_PARTS = ("situation", "task", "action", "result")
STAR_LABELS = {
    "situation": gettext_lazy("situation"),
    "task": gettext_lazy("task"),
    "action": gettext_lazy("action"),
    "result": gettext_lazy("result"),
}


# --- Practice answers ---------------------------------------------------------------------------


def _clean_answer(
    *, situation: Any, task: Any, action: Any, result: Any, confidence: Any
) -> dict[str, Any]:
    values = {"situation": situation, "task": task, "action": action, "result": result}
    errors = []
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        text = str(value or "").replace("\x00", "").strip()
        limit = PracticeAnswer._meta.get_field(name).max_length
        if len(text) > limit:
            errors.append(
                ValidationError(
                    _("The %(part)s part is %(length)s characters long; keep it to %(max)s.")
                    % {"part": STAR_LABELS[name], "length": f"{len(text):,}", "max": f"{limit:,}"},
                    code="too_long",
                )
            )
        cleaned[name] = text
    if not any(cleaned.values()):
        errors.append(
            ValidationError(
                _("Write at least one part of your answer: situation, task, action or result."),
                code="empty",
            )
        )
    if isinstance(confidence, bool) or not isinstance(confidence, int) or not 1 <= confidence <= 5:
        errors.append(
            ValidationError(
                _("Rate your confidence from 1 (shaky) to 5 (ready)."), code="confidence"
            )
        )
    if errors:
        raise ValidationError(errors)
    cleaned["confidence"] = confidence
    return cleaned


def practice_answer_create(
    *,
    learner: User,
    question: InterviewQuestion,
    situation: str = "",
    task: str = "",
    action: str = "",
    result: str = "",
    confidence: int,
) -> PracticeAnswer:
    """A new practice answer to a published question."""
    cleaned = _clean_answer(
        situation=situation, task=task, action=action, result=result, confidence=confidence
    )
    if not question.is_published:
        raise ValidationError(
            _("This question has been retired from the bank; pick another one."), code="retired"
        )
    with transaction.atomic():
        return PracticeAnswer.objects.create(learner=learner, question=question, **cleaned)


def _own(learner: User, answer: PracticeAnswer) -> None:
    if answer.learner_id != learner.pk:
        raise ValidationError(_("That answer is not yours."), code="not_yours")


def practice_answer_update(
    *,
    learner: User,
    answer: PracticeAnswer,
    situation: str = "",
    task: str = "",
    action: str = "",
    result: str = "",
    confidence: int,
) -> PracticeAnswer:
    """Rewrite one of the learner's answers (also to a retired question: it is theirs)."""
    _own(learner, answer)
    cleaned = _clean_answer(
        situation=situation, task=task, action=action, result=result, confidence=confidence
    )
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(answer, name, value)
        answer.save(update_fields=[*cleaned, "updated_at"])
    return answer


def practice_answer_delete(*, learner: User, answer: PracticeAnswer) -> None:
    _own(learner, answer)
    with transaction.atomic():
        answer.delete()


# --- The question bank's data file ----------------------------------------------------------------

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_KEYS = {"version", "categories"}
# key: maximum length (None: no limit), from the models
CATEGORY_KEYS = {"slug": 50, "name": 100, "description": 300, "questions": None}
QUESTION_KEYS = {"slug": 50, "text": 500, "guidance": None}


def questions_read_file(*, path: Path = DATA_FILE) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError([f"{Path(path).name}: cannot read the file ({exc})"]) from exc


def _check_keys(where: str, spec: dict, keys: dict[str, int | None], required: list[str]):
    errors = [f"{where}: unknown key {k!r}" for k in spec if k not in keys]
    for key, limit in keys.items():
        value = spec.get(key)
        if key == "questions":
            continue
        if key in required and not (isinstance(value, str) and value.strip()):
            errors.append(f"{where}: missing required key {key!r} (text)")
        elif value is not None and not isinstance(value, str):
            errors.append(f"{where}.{key}: must be text")
        elif value is not None and limit is not None and len(value.strip()) > limit:
            errors.append(f"{where}.{key}: at most {limit} characters, not {len(value.strip())}")
    slug = spec.get("slug")
    if isinstance(slug, str) and slug.strip() and not SLUG_RE.match(slug):
        errors.append(f"{where}: invalid slug {slug!r} (lowercase letters, digits and hyphens)")
    return errors


def questions_validate(*, data: Any) -> list[str]:
    """Every problem in the data, each with its place in the file; empty when it can load."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        return ["file: expected a mapping with version and a list of categories"]
    errors = [f"file: unknown key {k!r}" for k in data if k not in TOP_KEYS]
    if not isinstance(data.get("version"), int) or isinstance(data.get("version"), bool):
        errors.append("file: version must be a whole number")
    category_slugs: set[str] = set()
    question_slugs: dict[str, str] = {}
    for i, category in enumerate(data["categories"]):
        where = f"categories[{i}]"
        if not isinstance(category, dict):
            errors.append(f"{where}: expected a mapping")
            continue
        errors += _check_keys(where, category, CATEGORY_KEYS, ["slug", "name"])
        slug = category.get("slug")
        if isinstance(slug, str):
            if slug in category_slugs:
                errors.append(f"{where}: duplicate category slug {slug!r}")
            category_slugs.add(slug)
        questions = category.get("questions")
        if not isinstance(questions, list) or not questions:
            errors.append(f"{where}.questions: must be a non-empty list")
            continue
        for j, question in enumerate(questions):
            q_where = f"{where}.questions[{j}]"
            if not isinstance(question, dict):
                errors.append(f"{q_where}: expected a mapping")
                continue
            errors += _check_keys(q_where, question, QUESTION_KEYS, ["slug", "text"])
            q_slug = question.get("slug")
            if isinstance(q_slug, str):
                if q_slug in question_slugs:
                    errors.append(
                        f"{q_where}: duplicate question slug {q_slug!r} "
                        f"(also at {question_slugs[q_slug]})"
                    )
                question_slugs.setdefault(q_slug, q_where)
    return errors


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unpublished: int = 0
    republished: int = 0


@dataclass
class QuestionLoadReport:
    categories: Counts = field(default_factory=Counts)
    questions: Counts = field(default_factory=Counts)

    def lines(self) -> list[str]:
        c, q = self.categories, self.questions
        return [
            f"categories: {c.created} created, {c.updated} updated, {c.unchanged} unchanged",
            f"questions: {q.created} created, {q.updated} updated, {q.unchanged} unchanged, "
            f"{q.unpublished} unpublished, {q.republished} published again",
        ]

    @property
    def changed(self) -> bool:
        c, q = self.categories, self.questions
        return bool(c.created or c.updated or q.created or q.updated or q.unpublished)


def _text(value: Any) -> str:
    return (value or "").strip()


def _upsert(model, existing: dict, slug: str, values: dict, counts: Counts):
    obj = existing.get(slug)
    if obj is None:
        obj = model.objects.create(slug=slug, **values)
        counts.created += 1
    elif any(getattr(obj, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save(update_fields=list(values))
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj


def questions_load(*, data: Any) -> QuestionLoadReport:
    """Validate, then upsert categories and questions in one transaction."""
    errors = questions_validate(data=data)
    if errors:
        raise ContentError(errors)
    report = QuestionLoadReport()
    with transaction.atomic():
        categories = QuestionCategory.objects.select_for_update().in_bulk(field_name="slug")
        questions = InterviewQuestion.objects.select_for_update().in_bulk(field_name="slug")
        named: set[str] = set()
        for c_position, c_spec in enumerate(data["categories"]):
            category = _upsert(
                QuestionCategory,
                categories,
                c_spec["slug"],
                {
                    "name": _text(c_spec["name"]),
                    "description": _text(c_spec.get("description")),
                    "position": c_position,
                },
                report.categories,
            )
            for q_position, q_spec in enumerate(c_spec["questions"]):
                named.add(q_spec["slug"])
                previous = questions.get(q_spec["slug"])
                if previous is not None and not previous.is_published:
                    report.questions.republished += 1
                _upsert(
                    InterviewQuestion,
                    questions,
                    q_spec["slug"],
                    {
                        "category_id": category.pk,
                        "text": " ".join(q_spec["text"].split()),
                        "guidance": _text(q_spec.get("guidance")),
                        "position": q_position,
                        "is_published": True,
                        "from_data_file": True,
                    },
                    report.questions,
                )
        stale = [
            q.pk
            for q in questions.values()
            if q.from_data_file and q.is_published and q.slug not in named
        ]
        if stale:  # no UPDATE at all on a rerun, so an unchanged file writes nothing
            InterviewQuestion.objects.filter(pk__in=stale).update(is_published=False)
        report.questions.unpublished = len(stale)
    return report
