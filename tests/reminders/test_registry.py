"""The engine knows no kind: kinds register from their own apps, the delivery row's kind is
checked against the registry (no choices, so no migration per kind), and the engine's code
imports no domain app."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from certifications.reminders import CERT_EXPIRY
from reminders.models import ReminderDelivery
from reminders.services import registry
from tests.accounts.factories import UserFactory

ENGINE = Path(__file__).resolve().parents[2] / "reminders"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
DOMAIN_APPS = ("roadmap", "certifications", "portfolio", "api")


def test_every_app_registers_its_own_kinds_and_sections():
    assert list(registry.KINDS) == ["digest", "nudge_due", "nudge_overdue", CERT_EXPIRY]
    assert registry.previewed_kind().name == "digest"
    providers = {p.__module__ for p in registry.DIGEST_SECTION_PROVIDERS}
    assert providers == {"certifications.reminders", "portfolio.reminders"}
    assert registry.count_labels() == {
        "digest(s)": ("digest",),
        "nudge(s)": ("nudge_due", "nudge_overdue"),
        "certification expiry notice(s)": (CERT_EXPIRY,),
    }


@pytest.mark.django_db
def test_the_kind_column_accepts_registered_kinds_only():
    learner = UserFactory()
    row = ReminderDelivery(
        learner=learner,
        kind="digest",
        period_key="digest:daily:2026-03-10",
        claimed_at=NOW,
    )
    row.full_clean()
    row.kind = "fax"
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "Unknown reminder kind: fax" in str(error.value)
    # no choices: a new kind needs no migration in this app
    assert not ReminderDelivery._meta.get_field("kind").choices


def test_a_kind_name_must_fit_the_column():
    with pytest.raises(ValueError, match="16 characters"):
        registry.reminder_kind_register(
            registry.ReminderKindSpec(
                name="x" * 17, label="Too long", opt_out="nudges", render=lambda **kw: {}
            )
        )


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_the_engine_imports_no_domain_app():
    # Dependencies run one way: the domain apps import the engine and register into it.
    offending = [
        f"{path.relative_to(ENGINE.parent)}: {module}"
        for path in sorted(ENGINE.rglob("*.py"))
        if "migrations" not in path.parts
        for module in _imported_modules(path)
        if module.split(".")[0] in DOMAIN_APPS or module.startswith(DOMAIN_APPS)
    ]
    assert offending == []
