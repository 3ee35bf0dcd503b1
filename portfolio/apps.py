"""App config for portfolio: adds "Applications to follow up" to the reminder digest, puts
applications' next actions in the calendar feed, declares what of the portfolio is a
learner's own and offers its tools (CV check, interview practice, a new project, the board) as
milestone actions."""

from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.calendar_feed import calendar_source_register
        from accounts.ownership import learner_data_register
        from portfolio.calendar import application_events
        from portfolio.learner_data import NOT_OWNED, OWNED
        from portfolio.milestone_actions import PORTFOLIO_ACTIONS
        from portfolio.reminders import application_digest_sections
        from reminders.services.registry import digest_section_provider_register
        from roadmap.actions import milestone_action_kind_register

        digest_section_provider_register(application_digest_sections)
        calendar_source_register(application_events)
        learner_data_register(owned=OWNED, not_owned=NOT_OWNED)
        for kind in PORTFOLIO_ACTIONS:
            milestone_action_kind_register(kind)
