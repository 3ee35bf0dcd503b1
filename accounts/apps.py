"""App config for accounts; label "accounts" so AUTH_USER_MODEL is accounts.User."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .backends import forget_cached_user
        from .ownership import ACCOUNT_TABLES, LIBRARY_MODELS, learner_data_register

        # First of all the apps, so the account leads the export.
        learner_data_register(owned=ACCOUNT_TABLES, not_owned=LIBRARY_MODELS)

        user = self.get_model("User")
        post_save.connect(forget_cached_user, sender=user, dispatch_uid="forget-cached-user-save")
        post_delete.connect(forget_cached_user, sender=user, dispatch_uid="forget-cached-user-del")
