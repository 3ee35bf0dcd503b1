"""The visual roadmap: a path's steps and milestones as a map of nodes coloured by state.

Built from a PathProgress already read (learner_overview or the path page's outline), so the map
adds no query at all: every link comes from one address per path (reverse() remembered per
process: core.addresses.url, cut where the slugs go: addresses.path_url_parts) and a node's
state from the progress row already loaded. The path page shows it whole, the dashboard compact;
both render the same data with templates/jinja2/roadmap/partials/path_map.html.

Node states, in order of precedence: done, skipped, overdue (a target date passed), in progress,
planned (see below), not started.

The "planned this week" hook: a caller that knows which milestones the learner planned for the
current week passes their ids as `planned`; an open, not overdue, not yet started milestone among
them shows as `planned`. Nothing in roadmap sets it today: the personal plan fills it in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.addresses import url
from roadmap.models import ProgressStatus
from roadmap.presenters.addresses import milestone_url_maker, path_url_parts
from roadmap.selectors.progress import LearnerOverview, MilestoneState, PathProgress

__all__ = [
    "MAP_STATES",
    "MapNode",
    "MapStep",
    "PathMap",
    "milestone_addresses",
    "node_state",
    "path_map",
]

DONE, SKIPPED, OVERDUE = "done", "skipped", "overdue"
IN_PROGRESS, PLANNED, NOT_STARTED = "in_progress", "planned", "not_started"
# The legend's order: how far along a node is.
MAP_STATES = (DONE, IN_PROGRESS, PLANNED, OVERDUE, SKIPPED, NOT_STARTED)


@lru_cache(maxsize=16)
def _state_texts(language: str) -> dict[str, str]:
    # Per process and language (a dashboard draws a map per path): callers only read it.
    return {
        DONE: _("Done"),
        IN_PROGRESS: _("In progress"),
        PLANNED: _("Planned this week"),
        OVERDUE: _("Overdue"),
        SKIPPED: _("Skipped"),
        NOT_STARTED: _("Not started"),
    }


def node_state(state: MilestoneState, *, today: dt.date, planned: Collection[int] = ()) -> str:
    """One of MAP_STATES for a milestone; see the module docstring for the precedence."""
    status = state.status
    if status == ProgressStatus.DONE:
        return DONE
    if status == ProgressStatus.SKIPPED:
        return SKIPPED
    if state.is_overdue(today):
        return OVERDUE
    if status == ProgressStatus.IN_PROGRESS:
        return IN_PROGRESS
    if state.milestone.pk in planned:
        return PLANNED
    return NOT_STARTED


# A visitor's node: no state, no planned week.
UNMARKED = (NOT_STARTED, None)


def _node_state_and_week(
    state: MilestoneState, today: dt.date, planned: Collection[int]
) -> tuple[str, dt.date | None]:
    """node_state() and the node's planned week (the plan's first week for open work), read off
    the milestone's row once: a dashboard draws 40-odd nodes after every change, and through
    MilestoneState's properties each node read its row's status up to five times. Equal to
    node_state() and the former `progress.plan_week if not state.is_finished`: tests/roadmap/
    test_path_map.py compares them on random overviews."""
    progress = state.progress
    if progress is None:  # not started, no target date, not planned by the plan's rows
        # .id: Model.pk is a property that looks the field up, a Python call a node
        return (PLANNED if state.milestone.id in planned else NOT_STARTED), None
    status = progress.status
    if status == ProgressStatus.DONE:
        return DONE, None
    if status == ProgressStatus.SKIPPED:
        return SKIPPED, None
    target = progress.target_date
    if target is not None and target < today:
        return OVERDUE, progress.plan_week
    if status == ProgressStatus.IN_PROGRESS:
        return IN_PROGRESS, progress.plan_week
    if state.milestone.id in planned:
        return PLANNED, progress.plan_week
    return NOT_STARTED, progress.plan_week


class MapNode(NamedTuple):
    """One milestone on the map. A named tuple (immutable, equal when every field is), not a
    frozen dataclass like the others: a map step's nodes are part of its cache key
    (roadmap_dashboard.map_steps), hashed and compared at every render, 43 of them on the
    dashboard, which a tuple does in C and a dataclass in a Python method per node."""

    number: int  # within the path, from 1
    title: str
    url: str
    state: str
    state_text: str
    is_position: bool  # the learner's next milestone: "you are here"
    planned_week: dt.date | None = None  # the plan's first week for open work (roadmap/planning)


@dataclass(frozen=True)
class MapStep:
    number: int
    title: str
    url: str
    nodes: tuple[MapNode, ...]
    done: int
    total: int

    @property
    def is_finished(self) -> bool:
        return self.total > 0 and all(n.state in (DONE, SKIPPED) for n in self.nodes)


@dataclass(frozen=True)
class PathMap:
    title: str
    url: str
    steps: tuple[MapStep, ...]
    position: MapNode | None
    shows_progress: bool  # a visitor's map has no states, legend or position
    legend: tuple[tuple[str, str], ...]  # (state, text) of the states the map shows

    @property
    def is_empty(self) -> bool:
        return not any(step.nodes for step in self.steps)


def milestone_addresses(outlines: Iterable[PathProgress]) -> dict[int, str]:
    """The address of each milestone of the outlines, by id: what Milestone.get_absolute_url()
    gives, from one url() per path (path_url_parts) rather than one a link. The dashboard
    links a milestone up to five times (the map, next up, target dates, this week, recent
    changes); tests/roadmap/test_dashboard_afresh.py compares them with get_absolute_url()."""
    addresses = {}
    for outline in outlines:
        # one url() a path, cut where the step's and the milestone's slugs go
        before, middle, after = path_url_parts(
            outline.path.slug, "roadmap:milestone_detail", milestone=True
        )
        for step_progress in outline.steps:
            step_before = f"{before}{step_progress.step.slug}{middle}"
            # .id, not .pk (a property that looks the field up), and the slug put in here, not
            # through a function call: two Python calls a milestone fewer, 43 on the dashboard.
            milestones = [state.milestone for state in step_progress.milestones]
            addresses.update({m.id: f"{step_before}{m.slug}{after}" for m in milestones})
    return addresses


def path_map(
    *,
    outline: PathProgress,
    today: dt.date,
    shows_progress: bool = True,
    planned: Collection[int] = (),
    addresses: Mapping[int, str] | None = None,
) -> PathMap:
    """The map of one path from its outline (steps with their milestones' states). No query:
    `outline` must carry each step's path, as learner_overview and path_page leave it.
    `addresses`: milestone_addresses() of the outline, if the caller has them already."""
    texts = _state_texts(get_language())
    position_state = None
    if shows_progress:
        upcoming = LearnerOverview(today=today, paths=[outline]).next_actions(1)
        position_state = upcoming[0] if upcoming else None
    steps, position, number, used = [], None, 0, set()
    new_node = tuple.__new__
    step_before, step_after = path_url_parts(outline.path.slug, "roadmap:step_detail")
    for step_number, step_progress in enumerate(outline.steps, start=1):
        step = step_progress.step
        step_url = f"{step_before}{step.slug}{step_after}"
        if addresses is None:
            detail_url = milestone_url_maker(step, "roadmap:milestone_detail")
        nodes = []
        for state in step_progress.milestones:
            number += 1
            milestone = state.milestone
            value, planned_week = (
                _node_state_and_week(state, today, planned) if shows_progress else UNMARKED
            )
            is_position = state is position_state
            # Made as the tuple it is (MapNode's fields in order): a named tuple's own __new__
            # is a Python function, a call a node. tests/roadmap/test_path_map.py holds the
            # order to the names.
            node = new_node(
                MapNode,
                (
                    number,
                    milestone.title,
                    detail_url(milestone.slug) if addresses is None else addresses[milestone.id],
                    value,
                    texts[value],
                    is_position,
                    planned_week,
                ),
            )
            if is_position:
                position = node
            used.add(value)
            nodes.append(node)
        steps.append(
            MapStep(
                number=step_number,
                title=step.title,
                url=step_url,
                nodes=tuple(nodes),
                done=step_progress.done,
                total=step_progress.total,
            )
        )
    return PathMap(
        title=outline.path.title,
        url=url("roadmap:path_detail", path_slug=outline.path.slug),
        steps=tuple(steps),
        position=position,
        shows_progress=shows_progress,
        legend=tuple((s, texts[s]) for s in MAP_STATES if s in used) if shows_progress else (),
    )
