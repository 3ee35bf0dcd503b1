"""Roadmap URLs: browsing paths, the learner's dashboard and progress changes.

Progress changes hang below the milestone's own address (one segment deeper), so a step or
milestone slug can never be mistaken for an action.
"""

from django.urls import include, path

from roadmap import plan_views, views

app_name = "roadmap"

milestone_actions = [
    path("status/", views.milestone_status, name="milestone_status"),
    path("target-date/", views.milestone_target_date, name="milestone_target_date"),
    path("notes/", views.milestone_notes, name="milestone_notes"),
    path("evidence/", views.milestone_evidence_add, name="milestone_evidence_add"),
    path(
        "evidence/<int:evidence_id>/delete/",
        views.milestone_evidence_delete,
        name="milestone_evidence_delete",
    ),
]

plan_pages = [
    path("", plan_views.plan, name="plan"),
    path("replan/", plan_views.plan_replan, name="plan_replan"),
    path("fixed-date/", plan_views.plan_anchor, name="plan_anchor"),
    path("setup/", plan_views.plan_setup, name="plan_setup"),
    path("setup/prior/<int:index>/", plan_views.plan_setup_prior, name="plan_setup_prior"),
    path("setup/time/", plan_views.plan_setup_time, name="plan_setup_time"),
    path("setup/dates/", plan_views.plan_setup_dates, name="plan_setup_dates"),
]

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("plan/", include(plan_pages)),
    path("paths/", views.path_list, name="path_list"),
    path("paths/<slug:path_slug>/", views.path_detail, name="path_detail"),
    path("enrol/<slug:path_slug>/", views.path_enrol, name="path_enrol"),
    path("paths/<slug:path_slug>/<slug:step_slug>/", views.step_detail, name="step_detail"),
    path(
        "paths/<slug:path_slug>/<slug:step_slug>/<slug:milestone_slug>/",
        views.milestone_detail,
        name="milestone_detail",
    ),
    path(
        "paths/<slug:path_slug>/<slug:step_slug>/<slug:milestone_slug>/",
        include(milestone_actions),
    ),
]
