"""The milestone actions portfolio offers (roadmap/actions.py): the CV check, a category of
interview questions, a new project linked to the milestone, the application board."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from portfolio.models import QuestionCategory
from portfolio.services.interview import DATA_FILE, ContentError, questions_read_file
from roadmap.actions import MilestoneActionKind

__all__ = ["PORTFOLIO_ACTIONS", "question_category_targets"]


def question_category_targets(slugs: set[str], *, path: Path = DATA_FILE) -> dict[str, str]:
    """Those of `slugs` that are question categories, with their names: the question file's,
    then the database's for the rest (a fresh site loads the roadmap before the questions)."""
    try:
        data = questions_read_file(path=path) or {}
    except ContentError:
        data = {}  # loadquestions reports a broken file; the database still answers
    targets: dict[str, str] = {}
    specs = data.get("categories") if isinstance(data, dict) else None
    for spec in specs if isinstance(specs, list) else []:
        if isinstance(spec, dict) and spec.get("slug") in slugs:
            targets[spec["slug"]] = str(spec.get("name") or spec["slug"])
    missing = set(slugs) - targets.keys()
    if missing:
        rows = QuestionCategory.objects.filter(slug__in=missing).values_list("slug", "name")
        targets.update(rows)
    return targets


def _question_bank(target: str) -> str:
    return f"{reverse('portfolio:question_bank')}?{urlencode({'category': target})}"


PORTFOLIO_ACTIONS = (
    MilestoneActionKind(
        name="cv-check",
        label=lambda name: _("Check your CV against a job ad"),
        address=lambda target: reverse("portfolio:cv_check_new"),
    ),
    MilestoneActionKind(
        name="interview",
        label=lambda name: _("Practise these questions: %(category)s") % {"category": name},
        address=_question_bank,
        targets=question_category_targets,
    ),
    MilestoneActionKind(
        name="portfolio-project",
        label=lambda name: _("Start a portfolio project for this milestone"),
        address=lambda target: reverse("portfolio:project_new"),
    ),
    MilestoneActionKind(
        name="application-board",
        label=lambda name: _("Open your application board"),
        address=lambda target: reverse("portfolio:application_board"),
    ),
)
