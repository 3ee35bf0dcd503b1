"""/api/v1/: endpoints, the OpenAPI schema and its browsable docs (Swagger UI)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views
from api.errors import not_found

app_name = "api"


class SwaggerDocs(SpectacularSwaggerSplitView):
    # The library's page has an inline <style>; ours links a stylesheet, and the split view
    # serves the start-up script as a file, so the page runs under the site's strict CSP.
    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("", views.api_index, name="index"),
    path("paths/", views.PathList.as_view(), name="path_list"),
    path("paths/<slug:slug>/", views.PathDetail.as_view(), name="path_detail"),
    path("milestones/", views.MilestoneList.as_view(), name="milestone_list"),
    path("milestones/<int:pk>/", views.MilestoneDetail.as_view(), name="milestone_detail"),
    path("certifications/", views.CertificationList.as_view(), name="certification_list"),
    path(
        "certifications/<int:pk>/",
        views.CertificationDetail.as_view(),
        name="certification_detail",
    ),
    path("applications/", views.ApplicationList.as_view(), name="application_list"),
    path(
        "applications/<int:pk>/",
        views.ApplicationDetail.as_view(),
        name="application_detail",
    ),
    path("plan/", views.Plan.as_view(), name="plan"),
    path("plan/replan/", views.PlanReplan.as_view(), name="plan_replan"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerDocs.as_view(url_name="api:schema"), name="docs"),
    # [\s\S], not ".": an address with a line break in it (%0A) is an unknown API address too.
    re_path(r"^[\s\S]*$", not_found, name="not_found"),
]
