"""A milestone's tools as its page shows them: label, address and whether it is a link or a form
button, from the actions stored on the milestone and the kinds registered in roadmap/actions.py.
No query: the actions come with the milestone, the addresses from reverse()."""

from __future__ import annotations

from dataclasses import dataclass

from roadmap.actions import GET, POST, milestone_action_kind
from roadmap.models import Milestone

__all__ = ["ActionLink", "milestone_actions", "with_from"]


@dataclass(frozen=True)
class ActionLink:
    kind: str
    label: str
    url: str
    method: str  # GET: a link; POST: a form button that sends `from`
    milestone_id: int


def with_from(address: str, milestone_id: int) -> str:
    """`address` with from=<milestone id> added to its query, before any #fragment."""
    path, hash_, fragment = address.partition("#")
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}from={milestone_id}{hash_}{fragment}"


def milestone_actions(milestone: Milestone, *, signed_in: bool) -> tuple[ActionLink, ...]:
    """The milestone's tools in the data file's order. A kind no longer registered is left out
    rather than failing the page; a writing (POST) tool is a link elsewhere for a visitor."""
    links = []
    for action in milestone.actions or []:
        if not isinstance(action, dict):
            continue
        kind = milestone_action_kind(str(action.get("kind")))
        if kind is None:
            continue
        target = str(action.get("target") or "")
        label = kind.label(str(action.get("name") or target))
        if kind.method == POST and signed_in:
            url, method = kind.address(target), POST
        elif kind.method == POST:
            if kind.visitor_address is None:
                continue
            url, method = kind.visitor_address(target), GET
        else:
            url, method = with_from(kind.address(target), milestone.pk), GET
        links.append(ActionLink(kind.name, label, url, method, milestone.pk))
    return tuple(links)
