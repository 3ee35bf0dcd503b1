"""App config for accounts; label "accounts" so AUTH_USER_MODEL is accounts.User."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "careerpath.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"
