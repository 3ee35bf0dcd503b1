"""The calendar feed's public address: /calendar/<secret>.ics (no login; the secret is the key)."""

from django.urls import path

from accounts import views

app_name = "calendar"
urlpatterns = [path("<str:secret>.ics", views.calendar_feed, name="feed")]
