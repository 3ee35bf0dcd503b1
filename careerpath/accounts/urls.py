"""URLs of the learner's settings."""

from django.urls import path

from careerpath.accounts import views

app_name = "accounts"
urlpatterns = [path("", views.settings_view, name="settings")]
