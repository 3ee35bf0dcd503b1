"""App config for the JSON API (its templates and static files live in this package)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    label = "api"
    verbose_name = "JSON API"

    def ready(self) -> None:
        # Registers the OpenAPI description of the access-token authentication.
        from api import schema  # noqa: F401
