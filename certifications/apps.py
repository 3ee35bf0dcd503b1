"""App config for certifications: adds the "Certifications expiring" section to the digest and
sends expiry notices through the reminder engine."""

from django.apps import AppConfig


class CertificationsConfig(AppConfig):
    name = "certifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certifications.reminders import EXPIRY_NOTICES, certification_digest_sections
        from reminders.services.registry import (
            digest_section_provider_register,
            reminder_kind_register,
        )

        digest_section_provider_register(certification_digest_sections)
        reminder_kind_register(EXPIRY_NOTICES)
