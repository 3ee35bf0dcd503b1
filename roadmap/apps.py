"""App config for roadmap: registers the digest and the nudges with the reminder engine."""

from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from roadmap.reminders import register

        register()
