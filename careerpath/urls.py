"""Root URLconf.

The roadmap's pages (the dashboard, the step and milestone pages, a status change: a learner's
working loop) come first, after the benchmark's one exact address: Django tries the patterns in
order, and each one tried before the roadmap costs every roadmap request its match (about 10 µs
of the 17-25 µs a step page's resolving took with the roadmap last), where the other pages each
pay the roadmap's eight patterns instead (about 6 µs). Their prefixes (dashboard/, plan/,
paths/, enrol/) are no other pattern's, so the order changes no answer:
tests/core/test_url_order.py resolves every pattern's paths with the roadmap first and last and
fails on any difference.
"""

from django.contrib import admin
from django.urls import include, path

from accounts.admin_login import admin_site_limit_logins
from core import views
from roadmap import views as roadmap_views

# The admin's log-in page gets the site's log-in limits (before admin.site.urls is read below).
admin_site_limit_logins(admin.site)

urlpatterns = [
    # The load benchmark's yardstick of what every page pays (404 unless BENCH_BASELINE): before
    # the roadmap, so it does not pay the roadmap's patterns, which no learner's page pays.
    path("bench/baseline/", roadmap_views.bench_baseline, name="bench_baseline"),
    path("", include("roadmap.urls")),  # see above
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    path("calendar/", include("accounts.calendar_urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("certifications/", include("certifications.urls")),
    path("portfolio/", include("portfolio.urls")),
    path("p/", include("portfolio.public_urls")),
    path("reminders/", include("reminders.urls")),
]
