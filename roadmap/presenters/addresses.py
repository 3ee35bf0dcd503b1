"""Milestone addresses built in bulk: one address per step rather than one per milestone."""

from __future__ import annotations

from collections.abc import Callable

from core.addresses import url
from roadmap.models import Step

__all__ = ["milestone_url_maker", "milestone_url_parts"]


def milestone_url_parts(step: Step, name: str) -> tuple[str, str]:
    """What comes before and after a milestone's slug in the address `name` has for it in
    `step` (milestone_url_maker's, for a loop that joins them itself)."""
    marker = "milestone-slug-marker"
    address = url(name, path_slug=step.path.slug, step_slug=step.slug, milestone_slug=marker)
    before, after = address.split(marker)
    return before, after


def milestone_url_maker(step: Step, name: str) -> Callable[[str], str]:
    """A function of a milestone's slug giving the address `name` has for it in `step`: one
    url() (reverse() remembered per process) per step rather than one reverse() per milestone.
    Slugs need no quoting in a path."""
    before, after = milestone_url_parts(step, name)
    return lambda slug: f"{before}{slug}{after}"
