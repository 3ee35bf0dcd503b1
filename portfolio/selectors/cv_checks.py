"""Reads of a learner's CV checks: the list, one check, the checks of one application, and what
a new check's form starts with."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.shortcuts import get_object_or_404

from accounts.models import User
from portfolio.models import CVCheck, JobApplication

__all__ = [
    "CVCheckPrefill",
    "cv_check_get",
    "cv_check_prefill",
    "cv_checks_for",
    "cv_checks_for_application",
]

# What a list row needs; the texts (up to 100,000 characters per check) stay in the database.
LIST_FIELDS = ("id", "learner_id", "application_id", "score", "created_at")


def cv_checks_for(*, learner: User) -> QuerySet[CVCheck]:
    """The learner's checks, newest first, with their applications (for a list: no texts)."""
    return (
        CVCheck.objects.filter(learner=learner)
        .select_related("application")
        .only(*LIST_FIELDS, "result", "application__company", "application__role")
        .order_by("-created_at", "-id")
    )


def cv_check_get(*, learner: User, pk: int) -> CVCheck:
    """The learner's own check with its application; anyone else's is a 404."""
    return get_object_or_404(
        CVCheck.objects.filter(learner=learner).select_related("application"), pk=pk
    )


def cv_checks_for_application(*, learner: User, application: JobApplication) -> list[CVCheck]:
    """The checks kept with one of the learner's applications, newest first (score and date
    only; see templates/portfolio/_cv_checks_for_application.html)."""
    return list(
        CVCheck.objects.filter(learner=learner, application=application)
        .only(*LIST_FIELDS)
        .annotate(score_caveat=KT("result__score_caveat"))
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class CVCheckPrefill:
    cv_text: str = ""
    job_text: str = ""
    application: JobApplication | None = None


def cv_check_prefill(
    *,
    learner: User,
    application: JobApplication | None = None,
    again: CVCheck | None = None,
) -> CVCheckPrefill:
    """What a new check starts with, so a learner never pastes the same text twice: the texts
    of the check being run `again`; otherwise the CV of their latest check and, for an
    application, the job description of its latest check."""
    if again is not None:
        return CVCheckPrefill(again.cv_text, again.job_text, again.application)
    latest = (
        CVCheck.objects.filter(learner=learner)
        .order_by("-created_at", "-id")
        .values_list("cv_text", flat=True)
        .first()
    )
    job_text = ""
    if application is not None:
        job_text = (
            CVCheck.objects.filter(learner=learner, application=application)
            .order_by("-created_at", "-id")
            .values_list("job_text", flat=True)
            .first()
        ) or ""
    return CVCheckPrefill(latest or "", job_text, application)
