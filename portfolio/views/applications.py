"""Job-application pages: the board, the filtered list, one application, and its changes.

Every change is a plain POST form that redirects back with a message, so the pages work without
JavaScript. A move sent by htmx from the board (HX-Request) answers with the board instead,
swapped in place. Applications are looked up within request.user's own: anyone else's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.form_actions import form_action, form_errors_text, form_save, refuse
from core.htmx import is_htmx, learner_required, redirect_back
from portfolio.forms.applications import (
    ApplicationCreateForm,
    ApplicationFilterForm,
    ApplicationForm,
    ContactForm,
    MoveForm,
)
from portfolio.models import ApplicationContact, ApplicationStatus
from portfolio.selectors import applications as selectors
from portfolio.services import applications as services
from roadmap.selectors.paths import learner_today, milestone_from

PAGE_SIZE = 25


def _moved(application) -> str:
    return _("“%(role)s at %(company)s” is now in %(status)s.") % {
        "role": application.role,
        "company": application.company,
        "status": ApplicationStatus(application.status).label,
    }


def _form_page(request: HttpRequest, form, application=None) -> HttpResponse:
    return render(
        request, "portfolio/application_form.html", {"form": form, "application": application}
    )


def _board_context(request: HttpRequest) -> dict:
    return {
        "columns": selectors.board_columns(learner=request.user),
        # Labels translated once: every card's select lists all seven.
        "statuses": [(value, str(label)) for value, label in ApplicationStatus.choices],
        "today": learner_today(request.user),
        "from_milestone": milestone_from(request.GET.get("from")),
    }


@login_required
@require_GET
def application_board(request: HttpRequest) -> HttpResponse:
    return render(request, "portfolio/application_board.html", _board_context(request))


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    today = learner_today(request.user)
    form = ApplicationFilterForm(request.GET or None)
    filters = selectors.ApplicationFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.ApplicationFilters(**form.cleaned_data)
    applications = selectors.applications_for(learner=request.user, filters=filters, today=today)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(getattr(filters, f) for f in ("status", "state", "q", "due")),
        "today": today,
    }
    return render(request, "portfolio/application_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, ApplicationCreateForm())
    form = ApplicationCreateForm(request.POST)
    application = form_save(
        request,
        form,
        lambda data: services.application_create(learner=request.user, data=data),
    )
    if application is None:
        return _form_page(request, form)
    messages.success(
        request,
        _("“%(role)s at %(company)s” is on your board.")
        % {"role": application.role, "company": application.company},
    )
    return redirect(application)


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(learner=request.user, pk=pk)
    context = {
        "application": application,
        "move_form": MoveForm(initial={"status": application.status}),
        "contact_form": ContactForm(),
        "today": learner_today(request.user),
    }
    return render(request, "portfolio/application_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(learner=request.user, pk=pk, details=False)
    if request.method == "GET":
        form = ApplicationForm(initial=ApplicationForm.initial_for(application))
        return _form_page(request, form, application)
    form = ApplicationForm(request.POST)
    saved = form_save(
        request,
        form,
        lambda data: services.application_update(
            learner=request.user, application=application, data=data
        ),
    )
    if saved is None:
        application.refresh_from_db()
        return _form_page(request, form, application)
    messages.success(request, _("Application saved."))
    return redirect(application)


@learner_required
@require_POST
def application_move(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(learner=request.user, pk=pk, details=False)
    form = MoveForm(request.POST)
    if not form.is_valid():
        if is_htmx(request):
            return HttpResponseBadRequest(form_errors_text(form))
        refuse(request, form_errors_text(form))
        return redirect_back(request, application.get_absolute_url())
    services.application_move(
        learner=request.user, application=application, status=form.cleaned_data["status"]
    )
    confirmation = _moved(application)
    if is_htmx(request):
        context = {**_board_context(request), "confirmation": confirmation, "oob": True}
        context["next"] = request.POST.get("next", "")
        response = render(request, "portfolio/partials/board_swap.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    messages.success(request, confirmation)
    return redirect_back(request, application.get_absolute_url())


@login_required
@require_POST
def application_delete(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(learner=request.user, pk=pk, details=False)
    services.application_delete(learner=request.user, application=application)
    messages.success(
        request,
        _("“%(role)s at %(company)s” is deleted.")
        % {"role": application.role, "company": application.company},
    )
    return redirect("portfolio:application_board")


@login_required
@require_POST
def application_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(learner=request.user, pk=pk, details=False)
    form_action(
        request,
        ContactForm(request.POST),
        lambda data: services.application_contact_add(
            learner=request.user, application=application, data=data
        ),
        _("Contact added."),
    )
    return redirect(application)


@login_required
@require_POST
def application_contact_delete(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    application = selectors.application_get(learner=request.user, pk=pk, details=False)
    try:
        services.application_contact_remove(
            learner=request.user, application=application, contact_id=contact_id
        )
    except ApplicationContact.DoesNotExist:
        raise Http404("No such contact") from None
    messages.success(request, _("Contact removed."))
    return redirect(application)
