"""App config for certifications: adds the "Certifications expiring" section to the digest and
sends expiry notices through the reminder system."""

from django.apps import AppConfig


class CertificationsConfig(AppConfig):
    name = "certifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certifications.reminders import EXPIRY_EMAILS, certification_digest_sections
        from roadmap.services.reminders import (
            digest_section_provider_register,
            reminder_email_source_register,
        )

        digest_section_provider_register(certification_digest_sections)
        reminder_email_source_register(EXPIRY_EMAILS)
