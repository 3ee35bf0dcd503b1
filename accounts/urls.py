"""URLs of the learner's settings: profile and reminders, their data, the calendar feed,
personal access tokens and deleting the account."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.settings_view, name="settings"),
    path("data/", views.data_page, name="data"),
    path("data/export.json", views.export_json, name="export_json"),
    path("data/export.zip", views.export_csv_zip, name="export_csv"),
    path("data/export-schema.json", views.export_schema, name="export_schema"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("tokens/", views.tokens_page, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("delete/", views.delete_account, name="delete"),
]
