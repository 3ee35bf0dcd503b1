"""The one list of what a learner owns: every model holding their rows, and how it reaches them.

Each app declares its own in `<app>/learner_data.py` and registers it in `AppConfig.ready()`
with `learner_data_register`, so accounts imports no app. The export writes one table per entry
and account deletion is checked against it; a test walks every installed model's foreign keys
and fails when a model that reaches the user is registered in neither list with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class OwnedTable:
    """One learner-owned model, as it appears in the export."""

    name: str  # the export's table name (a JSON key, a CSV file name)
    model_label: str  # "app_label.ModelName"
    lookup: str  # from the model to the learner, e.g. "progress__learner"; "pk" for the User
    description: str
    exclude: tuple[str, ...] = ()  # secrets never leave the database, not even to their owner
    # Catalogue context worth having next to an id, e.g. the title of the milestone a row is for.
    labels: tuple[str, ...] = ()

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Exported columns: the model's own columns (foreign keys as `<name>_id`) in model
        order, then the catalogue labels."""
        own = tuple(
            f.attname for f in self.model._meta.concrete_fields if f.name not in self.exclude
        )
        return own + self.labels

    def rows_of(self, learner) -> QuerySet:
        """The learner's rows, oldest first. Every lookup follows to-one relations only, so a
        row appears once."""
        return self.model._base_manager.filter(**{self.lookup: learner.pk}).order_by("pk")


# Filled by each app's AppConfig.ready() (accounts first, then the apps in INSTALLED_APPS
# order, which is the export's table order): every model holding a learner's rows...
LEARNER_OWNED: list[OwnedTable] = []
# ...and every other model of the project and of the libraries it installs, with why it is not
# the learner's own. A new model must be registered in one of the two (a test checks).
NOT_LEARNER_OWNED: dict[str, str] = {}


def learner_data_register(
    *, owned: Iterable[OwnedTable] = (), not_owned: Mapping[str, str] | None = None
) -> None:
    """Declare what of an app is a learner's own (exported, deleted with the account) and what
    is not, with the reason. Call from the app's AppConfig.ready(); repeating a call is harmless."""
    names = {t.name for t in LEARNER_OWNED}
    for table in owned:
        if table.name not in names:
            LEARNER_OWNED.append(table)
            names.add(table.name)
    NOT_LEARNER_OWNED.update(not_owned or {})


# The account's own tables, and the libraries' models that are nobody's.
ACCOUNT_TABLES: tuple[OwnedTable, ...] = (
    OwnedTable(
        "account",
        "accounts.User",
        "pk",
        "The account: email, profile, reminder preferences, dates.",
        exclude=("password", "calendar_token_hash"),
    ),
    OwnedTable(
        "email_addresses", "account.EmailAddress", "user", "Email addresses and their state."
    ),
    OwnedTable(
        "email_confirmations",
        "account.EmailConfirmation",
        "email_address__user",
        "Pending email confirmations (the confirmation key is left out).",
        exclude=("key",),
    ),
    OwnedTable(
        "user_groups", "accounts.User_groups", "user", "Staff groups.", labels=("group__name",)
    ),
    OwnedTable(
        "user_permissions",
        "accounts.User_user_permissions",
        "user",
        "Staff permissions.",
        labels=("permission__codename",),
    ),
    OwnedTable(
        "access_tokens",
        "accounts.PersonalAccessToken",
        "learner",
        "Personal access tokens for the API (names and dates; the tokens are not kept).",
        exclude=("token_hash",),
    ),
)
LIBRARY_MODELS: dict[str, str] = {
    "admin.LogEntry": (
        "Staff audit trail: it names other people's records, so it is not exported; it is "
        "deleted with the staff member's account (cascade)."
    ),
    "auth.Permission": "Catalogue of permissions, shared by everyone.",
    "auth.Group": "Staff groups, shared; membership is in user_groups.",
    "auth.Group_permissions": "Which permissions a shared group has.",
    "contenttypes.ContentType": "Django's catalogue of models.",
    "sessions.Session": (
        "Login sessions hold no foreign key; deleting the account logs this session out and "
        "leaves other sessions pointing at no user (anonymous)."
    ),
}

# Every other model of the project and of the libraries it installs, with why it is not the
# learner's own. A new model must be added to one of the two lists (a test checks).


def owned_table(name: str) -> OwnedTable:
    return next(t for t in LEARNER_OWNED if t.name == name)
