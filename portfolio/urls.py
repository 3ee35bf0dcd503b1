"""URLs of the learner's portfolio, job applications, CV checks and interview practice."""

from django.urls import path  # noqa: F401

from portfolio.views import applications as application_views
from portfolio.views import cv_checks as cv_check_views
from portfolio.views import interview as interview_views
from portfolio.views import projects as project_views

app_name = "portfolio"

urlpatterns = [
    # --- projects and the public-page settings (helper "work") ---
    path("", project_views.project_list, name="project_list"),
    path("projects/new/", project_views.project_new, name="project_new"),
    path("projects/<int:pk>/", project_views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", project_views.project_edit, name="project_edit"),
    path("projects/<int:pk>/delete/", project_views.project_delete, name="project_delete"),
    path("projects/<int:pk>/links/", project_views.project_link_add, name="project_link_add"),
    path(
        "projects/<int:pk>/links/<int:link_id>/delete/",
        project_views.project_link_delete,
        name="project_link_delete",
    ),
    path("public/", project_views.public_settings, name="public_settings"),
    path("public/publish/", project_views.public_publish, name="public_publish"),
    path("public/unpublish/", project_views.public_unpublish, name="public_unpublish"),
    # --- job applications (helper "work") ---
    path("applications/", application_views.application_board, name="application_board"),
    path("applications/list/", application_views.application_list, name="application_list"),
    path("applications/new/", application_views.application_new, name="application_new"),
    path(
        "applications/<int:pk>/",
        application_views.application_detail,
        name="application_detail",
    ),
    path(
        "applications/<int:pk>/edit/",
        application_views.application_edit,
        name="application_edit",
    ),
    path(
        "applications/<int:pk>/move/",
        application_views.application_move,
        name="application_move",
    ),
    path(
        "applications/<int:pk>/delete/",
        application_views.application_delete,
        name="application_delete",
    ),
    path(
        "applications/<int:pk>/contacts/",
        application_views.application_contact_add,
        name="application_contact_add",
    ),
    path(
        "applications/<int:pk>/contacts/<int:contact_id>/delete/",
        application_views.application_contact_delete,
        name="application_contact_delete",
    ),
    # --- CV checks and interview practice (helper "practice") ---
    path("cv-checks/", cv_check_views.cv_check_list, name="cv_check_list"),
    path("cv-checks/new/", cv_check_views.cv_check_new, name="cv_check_new"),
    path("cv-checks/<int:pk>/", cv_check_views.cv_check_detail, name="cv_check_detail"),
    path("cv-checks/<int:pk>/delete/", cv_check_views.cv_check_delete, name="cv_check_delete"),
    path("questions/", interview_views.question_bank, name="question_bank"),
    path("questions/<slug:slug>/", interview_views.question_detail, name="question_detail"),
    path("questions/<slug:slug>/answers/", interview_views.answer_add, name="answer_add"),
    path("answers/<int:pk>/edit/", interview_views.answer_edit, name="answer_edit"),
    path("answers/<int:pk>/delete/", interview_views.answer_delete, name="answer_delete"),
]
