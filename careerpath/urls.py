"""Root URLconf."""

from django.contrib import admin
from django.urls import include, path

from accounts.admin_login import admin_site_limit_logins
from core import views
from roadmap import views as roadmap_views

# The admin's log-in page gets the site's log-in limits (before admin.site.urls is read below).
admin_site_limit_logins(admin.site)

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("bench/baseline/", roadmap_views.bench_baseline, name="bench_baseline"),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    path("calendar/", include("accounts.calendar_urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("certifications/", include("certifications.urls")),
    path("portfolio/", include("portfolio.urls")),
    path("p/", include("portfolio.public_urls")),
    path("reminders/", include("reminders.urls")),
    path("", include("roadmap.urls")),
]
