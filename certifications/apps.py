"""App config for certifications: adds the "Certifications expiring" section to the digest."""

from django.apps import AppConfig


class CertificationsConfig(AppConfig):
    name = "certifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certifications.reminders import certification_digest_sections
        from roadmap.services.reminders import digest_section_provider_register

        digest_section_provider_register(certification_digest_sections)
