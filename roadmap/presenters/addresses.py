"""Milestone addresses built in bulk: one address per step rather than one per milestone."""

from __future__ import annotations

from collections.abc import Callable

from core.addresses import url
from roadmap.models import Step

__all__ = ["milestone_url_maker", "milestone_url_parts", "path_url_parts"]

# Slugs standing in for a step's and a milestone's in an address, to be cut at: valid slugs, so
# the URL patterns' slug converters take them as they take any slug.
STEP_MARKER = "step-slug-marker"
MILESTONE_MARKER = "milestone-slug-marker"


def milestone_url_parts(step: Step, name: str) -> tuple[str, str]:
    """What comes before and after a milestone's slug in the address `name` has for it in
    `step` (milestone_url_maker's, for a loop that joins them itself)."""
    address = url(
        name, path_slug=step.path.slug, step_slug=step.slug, milestone_slug=MILESTONE_MARKER
    )
    before, after = address.split(MILESTONE_MARKER)
    return before, after


def path_url_parts(path_slug: str, name: str, *, milestone: bool = False) -> tuple[str, ...]:
    """The address `name` has in the path `path_slug`, cut where a step's slug goes, and a
    milestone's with `milestone` (for an address that takes one): one url() for a path's every
    step, where a loop over its steps asked url() once a step (the script prefix and URLconf
    looked up each time). Slugs need no quoting in a path."""
    if not milestone:
        before, after = url(name, path_slug=path_slug, step_slug=STEP_MARKER).split(STEP_MARKER)
        return before, after
    address = url(name, path_slug=path_slug, step_slug=STEP_MARKER, milestone_slug=MILESTONE_MARKER)
    before, after = address.split(STEP_MARKER)
    middle, after = after.split(MILESTONE_MARKER)
    return before, middle, after


def milestone_url_maker(step: Step, name: str) -> Callable[[str], str]:
    """A function of a milestone's slug giving the address `name` has for it in `step`: one
    url() (reverse() remembered per process) per step rather than one reverse() per milestone.
    Slugs need no quoting in a path."""
    before, after = milestone_url_parts(step, name)
    return lambda slug: f"{before}{slug}{after}"
