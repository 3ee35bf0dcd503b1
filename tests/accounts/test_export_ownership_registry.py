"""The ownership registry covers every model: a model that reaches a user through foreign keys
is either exported and deleted with the learner, or listed as not the learner's with a reason."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from accounts.ownership import LEARNER_OWNED, NOT_LEARNER_OWNED
from tests.accounts.learner_data import full_learner_data

USER_LABEL = settings.AUTH_USER_MODEL


def all_models() -> list[type[models.Model]]:
    # Auto-created many-to-many tables hold learner rows too (a project's milestones).
    return list(apps.get_models(include_auto_created=True))


def forward_relations(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model is not None
    ]


def reaches_user(model: type[models.Model], seen: frozenset = frozenset()) -> bool:
    """Whether a chain of foreign keys leads from `model` to the user model."""
    if model._meta.label == USER_LABEL:
        return True
    if model in seen:
        return False
    return any(
        reaches_user(f.related_model, seen | {model})
        for f in forward_relations(model)
        if f.related_model is not model
    )


def test_every_model_that_reaches_a_user_is_in_the_registry_or_listed_as_not_owned():
    # given
    registered = {t.model_label for t in LEARNER_OWNED} | set(NOT_LEARNER_OWNED)

    # when
    missing = [
        m._meta.label for m in all_models() if reaches_user(m) and m._meta.label not in registered
    ]

    # then
    assert missing == [], (
        "These models reach a user through foreign keys but are neither in LEARNER_OWNED nor "
        f"in NOT_LEARNER_OWNED (accounts/ownership.py): {missing}"
    )


def test_every_installed_model_is_classified_once():
    # given
    owned = [t.model_label for t in LEARNER_OWNED]
    installed = {m._meta.label for m in all_models()}

    # then: each model is in exactly one list, and both lists name real models
    assert len(owned) == len(set(owned))
    assert set(owned) & set(NOT_LEARNER_OWNED) == set()
    assert sorted(installed - set(owned) - set(NOT_LEARNER_OWNED)) == [], (
        "Classify new models in accounts/ownership.py"
    )
    assert sorted((set(owned) | set(NOT_LEARNER_OWNED)) - installed) == []
    assert all(reason.strip() for reason in NOT_LEARNER_OWNED.values())


@pytest.mark.parametrize("table", LEARNER_OWNED, ids=lambda t: t.name)
def test_each_lookup_follows_to_one_relations_to_the_user(table):
    # when: walking the lookup from the model
    model = table.model
    if table.lookup == "pk":
        assert model._meta.label == USER_LABEL
        return
    for hop in table.lookup.split("__"):
        field = model._meta.get_field(hop)
        # then: every hop is a forward foreign key (so a row is exported once) ...
        assert field.concrete and (field.many_to_one or field.one_to_one), hop
        model = field.related_model
    # ... ending at the user model
    assert model._meta.label == USER_LABEL


def test_table_names_are_unique_and_secrets_are_not_exported():
    names = [t.name for t in LEARNER_OWNED]
    assert len(names) == len(set(names))
    fields = {t.name: t.fields for t in LEARNER_OWNED}
    assert "password" not in fields["account"]
    assert "calendar_token_hash" not in fields["account"]
    assert "token_hash" not in fields["access_tokens"]
    assert "key" not in fields["email_confirmations"]


@pytest.mark.django_db
def test_the_test_data_helper_fills_every_registry_table():
    # given
    learner = full_learner_data().learner

    # when
    empty = [t.name for t in LEARNER_OWNED if not t.rows_of(learner).exists()]

    # then: the export and deletion tests see a row of every kind
    assert empty == []
