"""App config for curation: the health of the links admins curate (courses, certification pages,
milestone resources)."""

from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "curation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Curation"
