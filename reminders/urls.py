"""Reminder URLs, mounted at /reminders/ under the "reminders" namespace."""

from django.urls import path, re_path

from reminders import views

app_name = "reminders"
urlpatterns = [
    path("preview/", views.preview, name="preview"),
    re_path(r"^preview/email\.(?P<part>html|txt)$", views.preview_part, name="preview_part"),
    path("unsubscribe/<str:kind>/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribed/<str:kind>/", views.unsubscribed, name="unsubscribed"),
]
