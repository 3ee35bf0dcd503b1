"""The registry of milestone action kinds: the app's tools a milestone offers one click away.

A milestone's data file entry lists `actions` ("Track PMP", "Check your CV against a job ad",
"Practise these questions"...). The tools live in apps above roadmap (certifications, portfolio),
which roadmap may not import; so each of those apps registers its kinds here from its
AppConfig.ready(), and roadmap knows none of them: the loader checks a file's actions against
what is registered, and the milestone page asks each kind for its label and address.

A kind's address comes from reverse() on the tool's URL name, a string lookup, never an import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "MilestoneActionKind",
    "milestone_action_kind",
    "milestone_action_kind_register",
    "milestone_action_kinds",
]

GET, POST = "get", "post"


@dataclass(frozen=True)
class MilestoneActionKind:
    """One kind of action, as the data file names it (`name`).

    `targets(slugs)`, for a kind that names something (a certification, a question category),
    gives those of `slugs` it knows with their display names; the loader refuses the others and
    stores the name with the action, so pages need no query. None: the kind takes no target.
    `label(name)` is the link's text in the active language; `address(target)` is where it goes
    (target "" for a kind without one). The milestone page adds `from=<milestone id>` to it (a
    GET) or sends it with the form (a POST), so the tool can link back. A POST kind (it writes,
    as tracking a certification does) is drawn as a form button for a signed-in learner; a
    visitor follows `visitor_address` instead.
    """

    name: str
    label: Callable[[str], str]
    address: Callable[[str], str]
    targets: Callable[[set[str]], dict[str, str]] | None = None
    method: str = GET
    visitor_address: Callable[[str], str] | None = None

    @property
    def takes_target(self) -> bool:
        return self.targets is not None


_KINDS: dict[str, MilestoneActionKind] = {}


def milestone_action_kind_register(kind: MilestoneActionKind) -> None:
    """Called from an AppConfig.ready(); registering a name again replaces it (tests, reloads)."""
    if kind.method not in (GET, POST):
        raise ValueError(f"Unknown method {kind.method!r} for action kind {kind.name!r}")
    _KINDS[kind.name] = kind


def milestone_action_kinds() -> dict[str, MilestoneActionKind]:
    return dict(_KINDS)


def milestone_action_kind(name: str) -> MilestoneActionKind | None:
    return _KINDS.get(name)
