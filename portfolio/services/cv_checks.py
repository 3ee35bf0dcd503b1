"""Every write of a CV check: running one (the analysis stored with its texts) and deleting one.

The texts are checked before anything is written: an empty or over-long text is refused with
its length, never cut silently, so the learner always knows what the check read.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from portfolio.cv_check import MAX_CHARS, analyse
from portfolio.models import CVCheck, JobApplication

__all__ = ["cv_check_delete", "cv_check_run", "cv_text_clean"]


def cv_text_clean(value: object, *, part: str) -> str:
    """A CV ("cv") or job description ("job") as the check will read it, or a ValidationError
    saying what is wrong. NUL characters (PostgreSQL cannot store them; a PDF may contain them)
    and unpaired surrogates are dropped; the length is counted after trimming."""
    text = str(value or "").replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8").strip()
    if not text:
        if part == "cv":
            raise ValidationError(_("Paste your CV or upload it."), code="required")
        raise ValidationError(_("Paste the job description or upload it."), code="required")
    if len(text) > MAX_CHARS:
        params = {"length": f"{len(text):,}", "max": f"{MAX_CHARS:,}"}
        if part == "cv":
            message = _(
                "Your CV is %(length)s characters long; the check reads at most %(max)s. "
                "Shorten it (older roles first) and run it again."
            )
        else:
            message = _(
                "The job description is %(length)s characters long; the check reads at most "
                "%(max)s. Keep the role's description and requirements and run it again."
            )
        raise ValidationError(message % params, code="too_long")
    return text


def cv_check_run(
    *,
    learner: User,
    cv_text: str,
    job_text: str,
    application: JobApplication | None = None,
) -> CVCheck:
    """Analyse the CV against the job description and keep the result, with the application it
    was for (which must be the learner's own)."""
    errors = []
    cleaned = {}
    for part, value in (("cv", cv_text), ("job", job_text)):
        try:
            cleaned[part] = cv_text_clean(value, part=part)
        except ValidationError as error:
            errors.append(error)
    if application is not None and application.learner_id != learner.pk:
        errors.append(ValidationError(_("That application is not yours."), code="not_yours"))
    if errors:
        raise ValidationError(errors)
    analysis = analyse(cv_text=cleaned["cv"], job_text=cleaned["job"])
    with transaction.atomic():
        return CVCheck.objects.create(
            learner=learner,
            application=application,
            cv_text=cleaned["cv"],
            job_text=cleaned["job"],
            result=analysis.to_dict(),
            score=analysis.score,
        )


def cv_check_delete(*, learner: User, check: CVCheck) -> None:
    if check.learner_id != learner.pk:
        raise ValidationError(_("That CV check is not yours."), code="not_yours")
    with transaction.atomic():
        check.delete()
