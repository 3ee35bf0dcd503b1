"""App config for roadmap: registers the digest and the nudges with the reminder engine,
milestone target dates and planned work with the calendar feed, and what of the roadmap is a
learner's own."""

from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.calendar_feed import calendar_source_register
        from accounts.ownership import learner_data_register
        from roadmap.calendar import milestone_events
        from roadmap.learner_data import NOT_OWNED, OWNED
        from roadmap.reminders import register

        register()
        calendar_source_register(milestone_events)
        learner_data_register(owned=OWNED, not_owned=NOT_OWNED)
