"""App config for certifications: adds the "Certifications expiring" section to the digest,
sends expiry notices through the reminder engine, puts exam and expiry dates in the calendar
feed, declares what of certifications is a learner's own and offers "Track <certification>"
as a milestone action."""

from django.apps import AppConfig


class CertificationsConfig(AppConfig):
    name = "certifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.calendar_feed import calendar_source_register
        from accounts.ownership import learner_data_register
        from certifications.calendar import certification_events
        from certifications.learner_data import NOT_OWNED, OWNED
        from certifications.milestone_actions import CERTIFICATION_ACTION
        from certifications.plan_anchors import exam_anchors
        from certifications.reminders import EXPIRY_NOTICES, certification_digest_sections
        from reminders.services.registry import (
            digest_section_provider_register,
            reminder_kind_register,
        )
        from roadmap.actions import milestone_action_kind_register
        from roadmap.selectors.plan import plan_anchor_source_register

        digest_section_provider_register(certification_digest_sections)
        reminder_kind_register(EXPIRY_NOTICES)
        calendar_source_register(certification_events)
        learner_data_register(owned=OWNED, not_owned=NOT_OWNED)
        plan_anchor_source_register(exam_anchors)
        milestone_action_kind_register(CERTIFICATION_ACTION)
