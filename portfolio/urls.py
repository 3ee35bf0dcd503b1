"""URLs of the learner's portfolio, job applications, CV checks and interview practice."""

from django.urls import path  # noqa: F401

app_name = "portfolio"

urlpatterns = [
    # --- projects and the public-page settings (helper "work") ---
    # --- job applications (helper "work") ---
    # --- CV checks and interview practice (helper "practice") ---
]
