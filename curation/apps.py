"""App config for curation: the health of the links admins curate (courses, certification pages,
milestone resources)."""

from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "curation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Curation"

    def ready(self) -> None:
        from accounts.ownership import learner_data_register
        from curation.learner_data import NOT_OWNED, OWNED

        learner_data_register(owned=OWNED, not_owned=NOT_OWNED)
