"""App config for portfolio: adds "Applications to follow up" to the reminder digest."""

from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portfolio.reminders import application_digest_sections
        from reminders.services.registry import digest_section_provider_register

        digest_section_provider_register(application_digest_sections)
