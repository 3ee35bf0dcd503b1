"""The personal plan's pages: onboarding after enrolment (prior learning, time, fixed dates), the
Plan page, and Re-plan from this week. Plain POST forms that redirect with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.form_actions import form_action, refuse
from roadmap.forms import PlanAnchorForm, PlanSettingsForm
from roadmap.models import LearnerPlan
from roadmap.presenters import plan as plan_pages
from roadmap.selectors import paths as path_selectors
from roadmap.services import plan as plan_services


def _settings_form(request: HttpRequest, plan: LearnerPlan | None) -> PlanSettingsForm:
    if request.method == "POST":
        return PlanSettingsForm(request.POST)
    initial = {"hours_per_week": 6, "weekdays": [0, 1, 2, 3, 4]}
    if plan is not None:
        initial = {
            "hours_per_week": plan.hours_per_week,
            "weekdays": plan.weekday_list,
            "finish_by": plan.finish_by,
            "goal_kind": plan.goal_kind,
            "goal_milestones": plan.goal_milestones,
        }
    return PlanSettingsForm(initial=initial)


def _save_settings(request: HttpRequest, form: PlanSettingsForm) -> bool:
    return form_action(
        request,
        form,
        lambda data: plan_services.plan_settings_set(
            learner=request.user,
            hours_per_week=data["hours_per_week"],
            weekdays=data["weekdays"],
            finish_by=data["finish_by"],
            goal_kind=data.get("goal_kind") or None,
            goal_milestones=data.get("goal_milestones"),
        ),
        _("Your plan is saved: every open milestone is planned from this week."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    today = path_selectors.learner_today(request.user)
    page = plan_pages.plan_page(learner=request.user, today=today)
    form = _settings_form(request, page.plan)
    if request.method == "POST" and _save_settings(request, form):
        return redirect("roadmap:plan")
    return render(
        request,
        "roadmap/plan/plan.html",
        {
            "page": page,
            "form": form,
            "anchor_form": PlanAnchorForm(milestones=page.open_milestones_plain()),
            "today": today,
        },
    )


@login_required
@require_POST
def plan_replan(request: HttpRequest) -> HttpResponse:
    try:
        plan_services.plan_replan(learner=request.user)
    except LearnerPlan.DoesNotExist:
        refuse(request, _("You have no plan yet. Make one first."))
        return redirect("roadmap:plan_setup")
    messages.success(
        request,
        _("Re-planned from this week: your progress is kept and unfinished work moved forward."),
    )
    return redirect("roadmap:dashboard")


@login_required
@require_POST
def plan_anchor(request: HttpRequest) -> HttpResponse:
    form = PlanAnchorForm(request.POST)
    form_action(
        request,
        form,
        lambda data: plan_services.plan_anchor_set(
            learner=request.user, milestone_id=data["milestone"], due=data["due"]
        ),
        _("Fixed date saved: the plan keeps it."),
    )
    return redirect(request.POST.get("next") or reverse("roadmap:plan"))


# --- Onboarding ---------------------------------------------------------------------------------


@login_required
def plan_setup(request: HttpRequest) -> HttpResponse:
    return redirect("roadmap:plan_setup_prior", index=0)


@login_required
@require_http_methods(["GET", "POST"])
def plan_setup_prior(request: HttpRequest, index: int) -> HttpResponse:
    today = path_selectors.learner_today(request.user)
    screen = plan_pages.prior_learning_screen(learner=request.user, today=today, index=index)
    if request.method == "POST":
        have = {}
        for state in screen.step.milestones:
            if request.POST.get(f"have-{state.milestone.pk}") and not state.is_finished:
                have[state.milestone.pk] = request.POST.get(f"evidence-{state.milestone.pk}", "")
        try:
            changed = plan_services.milestones_prior_learning_set(learner=request.user, have=have)
        except ValidationError as error:
            refuse(request, " ".join(error.messages))
            return redirect("roadmap:plan_setup_prior", index=index)
        if changed:
            messages.success(
                request,
                _("Marked as prior learning: %(n)d milestone(s) done.") % {"n": changed},
            )
        if screen.is_last:
            return redirect("roadmap:plan_setup_time")
        return redirect("roadmap:plan_setup_prior", index=index + 1)
    return render(request, "roadmap/plan/setup_prior.html", {"screen": screen})


@login_required
@require_http_methods(["GET", "POST"])
def plan_setup_time(request: HttpRequest) -> HttpResponse:
    today = path_selectors.learner_today(request.user)
    page = plan_pages.plan_page(learner=request.user, today=today)
    form = _settings_form(request, page.plan)
    if request.method == "POST" and _save_settings(request, form):
        return redirect("roadmap:plan_setup_dates")
    return render(request, "roadmap/plan/setup_time.html", {"page": page, "form": form})


@login_required
@require_http_methods(["GET"])
def plan_setup_dates(request: HttpRequest) -> HttpResponse:
    today = path_selectors.learner_today(request.user)
    page = plan_pages.plan_page(learner=request.user, today=today)
    if page.plan is None:
        return redirect("roadmap:plan_setup_time")
    return render(
        request,
        "roadmap/plan/setup_dates.html",
        {
            "page": page,
            "anchor_form": PlanAnchorForm(milestones=page.open_milestones_plain()),
            "today": today,
        },
    )
