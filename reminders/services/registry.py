"""The registry of reminder kinds and digest sections: the apps that own them fill it from
their AppConfig.ready(); the engine dispatches, renders and sends through it, knowing no kind.

A kind is a name (stored in ReminderDelivery.kind), a label, the opt-out switch its emails'
unsubscribe link turns off, who is due (pages of DueReminder), and how to render a batch.
A new kind is code in its own app only: no migration here, no change to the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from accounts.models import User
    from core.email import RenderedEmail


@dataclass(frozen=True)
class DueReminder:
    """One email to claim: the delivery row's key, and for kinds that filter on them in SQL
    (milestone nudges) the milestone and target date it names."""

    learner_id: int
    kind: str
    period_key: str
    milestone_id: int | None = None
    target_date: dt.date | None = None


@dataclass(frozen=True)
class ReminderKindSpec:
    """One kind of reminder email.

    due(now=, page_size=) yields pages of DueReminder with no delivery row yet (an abandoned
    claim counts as none; selectors.handled_period_keys helps); None when another kind's
    selection claims this one too (the due and overdue nudges are one selection).
    render(deliveries=, now=) returns {delivery id: RenderedEmail, or None when it no longer
    applies}, re-checking at send time, in a fixed number of queries per batch; kinds sharing
    one render function are rendered in one call. preview(learner=, now=), for the kind the
    preview page shows.
    """

    name: str
    label: str
    opt_out: str  # a key of unsubscribe.OPT_OUTS
    render: Callable[..., dict[int, RenderedEmail | None]]
    due: Callable[..., Iterable[list[DueReminder]]] | None = None
    preview: Callable[..., RenderedEmail | None] | None = None
    # How sendreminders counts it, e.g. "nudge(s)" (kinds with one count_label are summed).
    count_label: str = ""


KINDS: dict[str, ReminderKindSpec] = {}


def reminder_kind_register(kind: ReminderKindSpec) -> ReminderKindSpec:
    """Add a kind; call from its app's AppConfig.ready()."""
    if len(kind.name) > 16:
        raise ValueError(f"Reminder kind names fit in 16 characters: {kind.name!r}")
    KINDS[kind.name] = kind
    return kind


def validate_kind(value: str) -> None:
    """The delivery row's kind names a registered kind (in place of per-kind choices)."""
    if value not in KINDS:
        raise ValidationError("Unknown reminder kind: %(kind)s", params={"kind": value})


def kind_label(name: str) -> str:
    kind = KINDS.get(name)
    return str(kind.label) if kind is not None else name


def count_labels() -> dict[str, tuple[str, ...]]:
    """{count label: the kinds it sums}, in registration order."""
    labels: dict[str, tuple[str, ...]] = {}
    for kind in KINDS.values():
        label = kind.count_label or kind.name
        labels[label] = (*labels.get(label, ()), kind.name)
    return labels


def previewed_kind() -> ReminderKindSpec | None:
    return next((kind for kind in KINDS.values() if kind.preview is not None), None)


# --- Digest sections: blocks other apps add to the digest ---------------------------------


@dataclass(frozen=True)
class DigestItem:
    text: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class DigestSection:
    """A block another app adds to the digest, e.g. "Certifications expiring" or
    "Applications to follow up"."""

    title: str
    items: tuple[DigestItem, ...]


# provider(learners, now) -> {learner id: [DigestSection, ...]}; one call per batch, so a
# provider reads what it needs for all the batch's learners in a fixed number of queries.
DigestSectionProvider = Callable[[Sequence["User"], dt.datetime], dict[int, list[DigestSection]]]
DIGEST_SECTION_PROVIDERS: list[DigestSectionProvider] = []


def digest_section_provider_register(provider: DigestSectionProvider) -> DigestSectionProvider:
    """Add a section to every digest; call from an app's AppConfig.ready(). Usable as a
    decorator. Certification expiries and application follow-ups plug in here."""
    if provider not in DIGEST_SECTION_PROVIDERS:
        DIGEST_SECTION_PROVIDERS.append(provider)
    return provider


def digest_sections(learners: Sequence[User], now: dt.datetime) -> dict[int, list[DigestSection]]:
    """Every registered section for these learners, by learner id, in registration order."""
    sections: dict[int, list[DigestSection]] = {}
    for provider in DIGEST_SECTION_PROVIDERS:
        for learner_id, found in provider(learners, now).items():
            sections.setdefault(learner_id, []).extend(found)
    return sections
