"""Roadmap pages: browsing paths, the learner's dashboard, and changes to their progress.

Progress changes are POST forms that redirect back with a message, so they work without
JavaScript. A status change sent by htmx (HX-Request header) answers with the changed part of
the page instead, swapped in place.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.form_actions import form_action, refuse
from core.htmx import is_htmx, learner_required, redirect_back
from core.pages import cached_page
from roadmap.forms import (
    EvidenceForm,
    NotesForm,
    TargetDateForm,
    posted_status,
    unbound_fields,
)
from roadmap.models import CareerPath, EvidenceLink, Milestone, ProgressStatus
from roadmap.presenters import browsing as browsing_pages
from roadmap.presenters import dashboard as dashboard_pages
from roadmap.selectors import paths as path_selectors
from roadmap.selectors import plan as plan_selectors
from roadmap.services import progress as services
from roadmap.templatetags import step_rows

# Past-tense confirmations for a status change, shown as a message or announced after a swap.
STATUS_CONFIRMATIONS = {
    ProgressStatus.NOT_STARTED: gettext_lazy("“%(title)s” is back to not started."),
    ProgressStatus.IN_PROGRESS: gettext_lazy("“%(title)s” is in progress."),
    ProgressStatus.DONE: gettext_lazy("“%(title)s” is done. Well done!"),
    ProgressStatus.SKIPPED: gettext_lazy("“%(title)s” is skipped."),
}


def _learner(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _today(request: HttpRequest):
    # The middleware has activated the learner's zone; a visitor sees the server's date.
    if request.user.is_authenticated:
        return path_selectors.learner_today(request.user)
    return timezone.localdate()


def _enrolled_milestone(request: HttpRequest, path_slug: str, step_slug: str, ms_slug: str):
    """The milestone named in the URL, if the learner is enrolled in its path; otherwise 404,
    so nobody changes progress on a path they have not joined."""
    return path_selectors.enrolled_milestone(
        learner=request.user, path_slug=path_slug, step_slug=step_slug, milestone_slug=ms_slug
    )


# --- Browsing -----------------------------------------------------------------------------------


@require_GET
def path_list(request: HttpRequest) -> HttpResponse:
    cards = browsing_pages.path_cards(learner=_learner(request), today=_today(request))
    return render(request, "roadmap/path_list.html", {"cards": cards}, using="jinja2")


@require_GET
def path_detail(request: HttpRequest, path_slug: str) -> HttpResponse:
    page = browsing_pages.path_page(
        path_slug=path_slug, learner=_learner(request), today=_today(request)
    )
    return render(request, "roadmap/path_detail.html", {"page": page}, using="jinja2")


@require_GET
def step_detail(request: HttpRequest, path_slug: str, step_slug: str) -> HttpResponse:
    page = browsing_pages.step_page(
        path_slug=path_slug, step_slug=step_slug, learner=_learner(request), today=_today(request)
    )
    return render(request, "roadmap/step_detail.html", {"page": page}, using="jinja2")


@require_GET
def milestone_detail(
    request: HttpRequest, path_slug: str, step_slug: str, milestone_slug: str
) -> HttpResponse:
    page = browsing_pages.milestone_page(
        path_slug=path_slug,
        step_slug=step_slug,
        milestone_slug=milestone_slug,
        learner=_learner(request),
        today=_today(request),
    )
    return render(
        request,
        "roadmap/milestone_detail.html",
        {
            "page": page,
            # The forms' fields as form_fields prints them, without making the forms.
            "target_fields": unbound_fields(TargetDateForm, target_date=page.state.target_date),
            "notes_fields": unbound_fields(
                NotesForm, notes=page.state.progress.notes if page.state.progress else ""
            ),
            "evidence_fields": unbound_fields(EvidenceForm),
        },
        using="jinja2",
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    today = _today(request)
    stamp = dashboard_pages.dashboard_stamp(learner=request.user, today=today)

    def render_page(context: dict) -> HttpResponse:
        data = dashboard_pages.learner_dashboard(learner=request.user, today=today, stamp=stamp)
        return render(request, "roadmap/dashboard.html", {"dash": data, **context}, using="jinja2")

    return cached_page(
        request,
        key=f"dashboard:{stamp.key}",
        seconds=dashboard_pages.dashboard_cache_seconds(),
        render_page=render_page,
    )


# --- Enrolment and progress changes -------------------------------------------------------------


@login_required
@require_POST
def path_enrol(request: HttpRequest, path_slug: str) -> HttpResponse:
    path = path_selectors.published_path(path_slug=path_slug)
    services.path_enrol(learner=request.user, path=path)
    if not plan_selectors.learner_plan(learner=request.user):
        # Right after a first enrolment: the plan's onboarding (skippable).
        messages.success(
            request,
            _("You are enrolled in %(path)s. Now let us make your plan: it takes a minute.")
            % {"path": path.title},
        )
        return redirect("roadmap:plan_setup")
    messages.success(
        request,
        _("You are enrolled in %(path)s. Its milestones are in your plan.") % {"path": path.title},
    )
    return redirect_back(request, path.get_absolute_url())


@learner_required
@require_POST
def milestone_status(
    request: HttpRequest, path_slug: str, step_slug: str, milestone_slug: str
) -> HttpResponse:
    milestone = _enrolled_milestone(request, path_slug, step_slug, milestone_slug)
    try:
        status = posted_status(request.POST)  # StatusForm's answer, without making the form
    except ValidationError as error:
        errors = " ".join(error.messages)
        if is_htmx(request):
            return HttpResponseBadRequest(errors)
        refuse(request, errors)
        return redirect_back(request, milestone.get_absolute_url())
    change = services.milestone_status_set_on_step(
        learner=request.user, milestone=milestone, status=status
    )
    confirmation = str(STATUS_CONFIRMATIONS[status]) % {"title": milestone.title}
    if is_htmx(request):
        return _status_fragment(request, milestone, confirmation, change)
    messages.success(request, confirmation)
    return redirect_back(request, milestone.get_absolute_url())


def _status_fragment(
    request: HttpRequest,
    milestone: Milestone,
    confirmation: str,
    change: services.StepStatusChange,
):
    """The part of the page a status change alters: a step page's row (with its step's
    progress bar, out of band, from the rows the change's service read: no read after the
    write), or the status card of a milestone page."""
    today = _today(request)
    if request.POST.get("fragment") == "row":
        state, step_progress = browsing_pages.changed_step_row(
            learner=request.user, step=milestone.step, milestone=milestone, rows=change.step_rows
        )
        # milestone_row_swap.html as kept for what it prints (roadmap/templatetags/step_rows.py)
        response = HttpResponse(
            step_rows.milestone_row_swap(
                state=state,
                step_progress=step_progress,
                today=today,
                next=request.POST.get("next", ""),
                confirmation=confirmation,
                csrf_input=csrf_input(request),
            )
        )
    else:
        context = {
            "state": path_selectors.milestone_state(learner=request.user, milestone=milestone),
            "today": today,
            "next": request.POST.get("next", ""),
            "confirmation": confirmation,
        }
        response = render(
            request, "roadmap/partials/milestone_status_swap.html", context, using="jinja2"
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def milestone_target_date(
    request: HttpRequest, path_slug: str, step_slug: str, milestone_slug: str
) -> HttpResponse:
    milestone = _enrolled_milestone(request, path_slug, step_slug, milestone_slug)
    clearing = bool(request.POST.get("clear"))
    form = TargetDateForm({"target_date": ""} if clearing else request.POST)
    form_action(
        request,
        form,
        lambda data: services.milestone_target_date_set(
            learner=request.user,
            milestone=milestone,
            target_date=data["target_date"],
            today=_today(request),
        ),
        lambda data: _("Target date saved.") if data["target_date"] else _("Target date cleared."),
    )
    return redirect_back(request, milestone.get_absolute_url())


@login_required
@require_POST
def milestone_notes(
    request: HttpRequest, path_slug: str, step_slug: str, milestone_slug: str
) -> HttpResponse:
    milestone = _enrolled_milestone(request, path_slug, step_slug, milestone_slug)
    form_action(
        request,
        NotesForm(request.POST),
        lambda data: services.milestone_notes_set(
            learner=request.user, milestone=milestone, notes=data["notes"]
        ),
        _("Notes saved."),
    )
    return redirect_back(request, milestone.get_absolute_url())


@login_required
@require_POST
def milestone_evidence_add(
    request: HttpRequest, path_slug: str, step_slug: str, milestone_slug: str
) -> HttpResponse:
    milestone = _enrolled_milestone(request, path_slug, step_slug, milestone_slug)
    form_action(
        request,
        EvidenceForm(request.POST),
        lambda data: services.milestone_evidence_add(
            learner=request.user, milestone=milestone, url=data["url"], label=data["label"]
        ),
        _("Evidence link added."),
    )
    return redirect_back(request, milestone.get_absolute_url())


@login_required
@require_POST
def milestone_evidence_delete(
    request: HttpRequest, path_slug: str, step_slug: str, milestone_slug: str, evidence_id: int
) -> HttpResponse:
    milestone = _enrolled_milestone(request, path_slug, step_slug, milestone_slug)
    owned = EvidenceLink.objects.filter(
        pk=evidence_id, progress__learner=request.user, progress__milestone=milestone
    ).exists()
    if not owned:
        raise Http404("No such evidence link")
    try:
        services.milestone_evidence_remove(learner=request.user, evidence_id=evidence_id)
    except EvidenceLink.DoesNotExist:
        raise Http404("No such evidence link") from None
    messages.success(request, _("Evidence link removed."))
    return redirect_back(request, milestone.get_absolute_url())


# --- The load benchmark's yardstick -----------------------------------------------------------


@require_GET
def bench_baseline(request: HttpRequest) -> HttpResponse:
    """The load benchmark's yardstick (bench/load/benchmark.py): the whole middleware stack, one
    query and a small template, so other pages are measured as multiples of what Django itself
    costs here. Answers 404 unless BENCH_BASELINE is on, so a production site exposes nothing."""
    if not settings.BENCH_BASELINE:
        raise Http404("Not enabled")
    titles = list(CareerPath.objects.published().values_list("title", flat=True)[:5])
    return render(request, "bench/baseline.html", {"titles": titles})
