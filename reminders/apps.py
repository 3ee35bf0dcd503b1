"""App config for the reminder engine; the kinds register themselves from their own apps."""

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.ownership import learner_data_register
        from reminders.learner_data import NOT_OWNED, OWNED

        learner_data_register(owned=OWNED, not_owned=NOT_OWNED)
