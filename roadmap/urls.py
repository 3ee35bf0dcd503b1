"""Roadmap URLs: browsing paths, the learner's dashboard and progress changes."""

from django.urls import path

from roadmap import views

app_name = "roadmap"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
