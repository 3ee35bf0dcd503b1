"""CV check pages: run a check (pasted or uploaded texts), read its result, list and delete them.

The form is a plain POST that redirects to the result, so it works without JavaScript; a
refused form comes back with its errors and the learner's text kept. Checks and applications are
looked up within request.user's own, so anyone else's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portfolio.cv_check import MAX_CHARS, RESULT_VERSION
from portfolio.forms.cv_checks import CVCheckForm
from portfolio.models import JobApplication
from portfolio.selectors import cv_checks as selectors
from portfolio.selectors.applications import application_get, applications_for
from portfolio.services import cv_checks as services
from roadmap.selectors.paths import milestone_from

PAGE_SIZE = 20


def _pk(value: str | None) -> int | None:
    """An id from the query string or a form; a malformed one is a 404, like a missing one."""
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404("No such object") from None


def _own_application(request: HttpRequest, value: str | None) -> JobApplication | None:
    pk = _pk(value)
    return None if pk is None else application_get(learner=request.user, pk=pk, details=False)


def _form_page(
    request: HttpRequest, form: CVCheckForm, application=None, from_milestone=None
) -> HttpResponse:
    context = {
        "form": form,
        "application": application,
        "max_chars": f"{MAX_CHARS:,}",
        "from_milestone": from_milestone,
    }
    return render(request, "portfolio/cv_check_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cv_check_new(request: HttpRequest) -> HttpResponse:
    applications = applications_for(learner=request.user)
    # Opened from a milestone ("Check your CV against a job ad"): the way back, to the result.
    from_milestone = milestone_from(request.POST.get("from") or request.GET.get("from"))
    if request.method == "POST":
        # Naming someone else's application is a 404, not a form error: ids are not probed.
        application = _own_application(request, request.POST.get("application"))
        form = CVCheckForm(request.POST, request.FILES, applications=applications)
        if form.is_valid():
            try:
                check = services.cv_check_run(
                    learner=request.user,
                    cv_text=form.cleaned_data["cv_text"],
                    job_text=form.cleaned_data["job_text"],
                    application=form.cleaned_data["application"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if check.result.get("score_caveat"):
                    message = _("The check found what it could, but gave no score: see why.")
                else:
                    message = _("Your CV scored %(score)s out of 100 for this job. Start with "
                                "the terms it lacks.") % {"score": check.score}  # fmt: skip
                messages.success(request, message)
                if from_milestone is not None:
                    return redirect(f"{check.get_absolute_url()}?from={from_milestone.pk}")
                return redirect(check)
        return _form_page(request, form, application, from_milestone)

    again_pk = _pk(request.GET.get("again"))
    again = selectors.cv_check_get(learner=request.user, pk=again_pk) if again_pk else None
    application = _own_application(request, request.GET.get("application"))
    prefill = selectors.cv_check_prefill(learner=request.user, application=application, again=again)
    form = CVCheckForm(
        initial={
            "application": prefill.application,
            "cv_text": prefill.cv_text,
            "job_text": prefill.job_text,
        },
        applications=applications,
    )
    return _form_page(request, form, prefill.application, from_milestone)


@login_required
@require_GET
def cv_check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.cv_check_get(learner=request.user, pk=pk)
    context = {
        "check": check,
        "result": check.result,
        "current": check.result.get("version") == RESULT_VERSION,
        "from_milestone": milestone_from(request.GET.get("from")),
    }
    return render(request, "portfolio/cv_check_detail.html", context)


@login_required
@require_GET
def cv_check_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.cv_checks_for(learner=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portfolio/cv_check_list.html", {"page": page})


@login_required
@require_POST
def cv_check_delete(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.cv_check_get(learner=request.user, pk=pk)
    application_id = check.application_id
    services.cv_check_delete(learner=request.user, check=check)
    messages.success(request, _("The CV check is deleted."))
    if application_id:
        return redirect(reverse("portfolio:application_detail", kwargs={"pk": application_id}))
    return redirect("portfolio:cv_check_list")
