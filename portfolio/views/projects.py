"""Project pages and the public-page settings: list, create, edit, links, publish.

Every change is a plain POST form that redirects with a message, so the pages work without
JavaScript. Projects are looked up within request.user's own, so anyone else's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.form_actions import form_action, form_save, refuse
from portfolio.forms.projects import ProjectForm, ProjectLinkForm, PublicPortfolioForm
from portfolio.models import ProjectLink
from portfolio.selectors import projects as selectors
from portfolio.services import projects as services


def _project_form_page(
    request: HttpRequest, form: ProjectForm, project=None, from_milestone=None
) -> HttpResponse:
    context = {"form": form, "project": project, "from_milestone": from_milestone}
    return render(request, "portfolio/project_form.html", context)


def _from_milestone(request: HttpRequest, milestones: list):
    """The milestone a new project was started from (a milestone's "Start a portfolio project"
    sends ?from=<id>), among those the learner may link: no query of its own."""
    raw = request.POST.get("from") or request.GET.get("from") or ""
    return next((m for m in milestones if str(m.pk) == raw), None)


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.projects_for(learner=request.user))
    context = {
        "projects": projects,
        "public_count": sum(p.is_public for p in projects),
        "public": selectors.public_portfolio_for(learner=request.user),
    }
    return render(request, "portfolio/project_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    milestones = selectors.linkable_milestones(learner=request.user)
    source = _from_milestone(request, milestones)
    if request.method == "GET":
        initial = {"milestones": [source.pk]} if source else None
        form = ProjectForm(initial=initial, milestones=milestones)
        return _project_form_page(request, form, from_milestone=source)
    form = ProjectForm(request.POST, milestones=milestones)
    project = form_save(
        request,
        form,
        lambda data: services.project_create(learner=request.user, data=data),
    )
    if project is None:
        return _project_form_page(request, form, from_milestone=source)
    messages.success(request, _("“%(title)s” is in your portfolio.") % {"title": project.title})
    return redirect(project)


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(learner=request.user, pk=pk)
    context = {
        "project": project,
        "link_form": ProjectLinkForm(),
        "public": selectors.public_portfolio_for(learner=request.user),
    }
    return render(request, "portfolio/project_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(learner=request.user, pk=pk)
    milestones = selectors.linkable_milestones(learner=request.user)
    if request.method == "GET":
        form = ProjectForm(initial=ProjectForm.initial_for(project), milestones=milestones)
        return _project_form_page(request, form, project)
    form = ProjectForm(request.POST, milestones=milestones)
    saved = form_save(
        request,
        form,
        lambda data: services.project_update(learner=request.user, project=project, data=data),
    )
    if saved is None:
        project.refresh_from_db()  # the page's title and links show what is stored
        return _project_form_page(request, form, project)
    messages.success(request, _("Project saved."))
    return redirect(project)


@login_required
@require_POST
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(learner=request.user, pk=pk)
    services.project_delete(learner=request.user, project=project)
    messages.success(request, _("“%(title)s” is deleted.") % {"title": project.title})
    return redirect("portfolio:project_list")


@login_required
@require_POST
def project_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(learner=request.user, pk=pk)
    form_action(
        request,
        ProjectLinkForm(request.POST),
        lambda data: services.project_link_add(learner=request.user, project=project, **data),
        _("Link added."),
    )
    return redirect(project)


@login_required
@require_POST
def project_link_delete(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    project = selectors.project_get(learner=request.user, pk=pk)
    try:
        services.project_link_remove(learner=request.user, project=project, link_id=link_id)
    except ProjectLink.DoesNotExist:
        raise Http404("No such link") from None
    messages.success(request, _("Link removed."))
    return redirect(project)


# --- The public page's settings -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def public_settings(request: HttpRequest) -> HttpResponse:
    public = selectors.public_portfolio_for(learner=request.user)
    if request.method == "GET":
        initial = {}
        if public is not None:
            initial = {
                name: getattr(public, name)
                for name in ("slug", "headline", "summary", "show_certifications", "show_progress")
            }
        return _public_settings_page(request, PublicPortfolioForm(initial=initial), public)
    form = PublicPortfolioForm(request.POST)
    publish = bool(request.POST.get("publish"))
    saved = form_save(
        request,
        form,
        lambda data: services.public_portfolio_update(
            learner=request.user, data={**data, "is_published": True} if publish else data
        ),
    )
    if saved is None:
        return _public_settings_page(request, form, public)
    if saved.is_published:
        messages.success(
            request,
            _("Saved. Your portfolio is online at %(url)s")
            % {"url": request.build_absolute_uri(saved.get_absolute_url())},
        )
    else:
        messages.success(request, _("Saved. Your portfolio is not published yet."))
    return redirect("portfolio:public_settings")


def _public_settings_page(request: HttpRequest, form, public) -> HttpResponse:
    return render(request, "portfolio/public_settings.html", {"form": form, "public": public})


def _settings_or_list(request: HttpRequest) -> HttpResponse:
    # The list page has the same buttons; send the learner back where they pressed one.
    if request.POST.get("back") == "list":
        return redirect("portfolio:project_list")
    return redirect("portfolio:public_settings")


@login_required
@require_POST
def public_publish(request: HttpRequest) -> HttpResponse:
    try:
        public = services.portfolio_publish(learner=request.user)
    except ValidationError as error:
        refuse(request, " ".join(error.messages))
        return redirect("portfolio:public_settings")
    messages.success(
        request,
        _("Your portfolio is online at %(url)s")
        % {"url": request.build_absolute_uri(public.get_absolute_url())},
    )
    return _settings_or_list(request)


@login_required
@require_POST
def public_unpublish(request: HttpRequest) -> HttpResponse:
    services.portfolio_unpublish(learner=request.user)
    messages.success(request, _("Your portfolio is offline: its address shows “not found”."))
    return _settings_or_list(request)
