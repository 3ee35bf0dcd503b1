"""The browsing pages: path cards, a path's outline, a step's rows, a milestone's page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Choices, Count, Exists, OuterRef, Q, Sum
from django.dispatch import receiver
from django.http import Http404
from django.urls import get_script_prefix, get_urlconf
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from roadmap import planning
from roadmap.actions import milestone_action_kind
from roadmap.models import (
    CareerPath,
    Course,
    Enrollment,
    Milestone,
    MilestoneKind,
    MilestoneProgress,
    MilestoneResource,
    ProgressStatus,
    Step,
)
from roadmap.presenters.actions import ActionLink, milestone_actions
from roadmap.presenters.activity import (
    MILESTONE_HISTORY_EVENTS,
    HistoryEntry,
    TimedHistoryEntry,
    _day_text,
    _history,
    timed_history,
)
from roadmap.presenters.addresses import milestone_url_maker
from roadmap.presenters.path_map import PathMap, path_map
from roadmap.selectors import content_snapshot
from roadmap.selectors.paths import (
    is_enrolled,
    milestone_state_and_evidence,
    published_milestone_and_enrolment,
    published_path,
)
from roadmap.selectors.progress import (
    MilestoneState,
    PathProgress,
    StepProgress,
    learner_overview,
    learner_step_progress,
    milestone_events,
)
from roadmap.selectors.rows import milestone_page_rows, step_page_rows


@dataclass
class PathCard:
    path: CareerPath
    step_count: int
    milestone_count: int
    effort_hours: int
    progress: PathProgress | None = None

    @property
    def is_enrolled(self) -> bool:
        return self.progress is not None


def path_cards(*, learner: User | None, today: dt.date) -> list[PathCard]:
    """Published paths with their size, and the learner's progress where enrolled."""
    active = Q(steps__milestones__retired_at__isnull=True)
    paths = list(
        CareerPath.objects.published().annotate(
            step_count=Count("steps", distinct=True),
            milestone_count=Count("steps__milestones", filter=active, distinct=True),
            effort_hours=Sum("steps__milestones__effort_hours", filter=active),
        )
    )
    progress: dict[int, PathProgress] = {}
    if learner is not None and learner.is_authenticated:
        enrolled = set(
            Enrollment.objects.filter(learner=learner, path__in=paths).values_list(
                "path_id", flat=True
            )
        )
        if enrolled:
            overview = learner_overview(
                learner=learner, today=today, paths=[p for p in paths if p.pk in enrolled]
            )
            progress = {p.path.pk: p for p in overview.paths}
    return [
        PathCard(
            path=p,
            step_count=p.step_count,
            milestone_count=p.milestone_count,
            effort_hours=p.effort_hours or 0,
            progress=progress.get(p.pk),
        )
        for p in paths
    ]


@dataclass
class PathPage:
    path: CareerPath
    outline: PathProgress
    is_enrolled: bool
    today: dt.date
    map: PathMap | None = None

    @property
    def effort_hours(self) -> int:
        return sum(m.milestone.effort_hours for m in self.outline.milestones)


def _outline(
    *, path: CareerPath, milestones: list[Milestone], progress: dict[int, MilestoneProgress]
) -> PathProgress:
    """Group milestones (ordered by step) into steps, in memory."""
    outline = PathProgress(path=path)
    steps: dict[int, StepProgress] = {}
    for milestone in milestones:
        step_progress = steps.get(milestone.step_id)
        if step_progress is None:
            milestone.step.path = path
            step_progress = steps[milestone.step_id] = StepProgress(step=milestone.step)
            outline.steps.append(step_progress)
        else:
            milestone.step = step_progress.step
        step_progress.milestones.append(
            MilestoneState(milestone=milestone, progress=progress.get(milestone.pk))
        )
    return outline


def path_page(*, path_slug: str, learner: User | None, today: dt.date) -> PathPage:
    """A path's steps and milestones for anyone; with the learner's status when enrolled."""
    path = published_path(path_slug=path_slug)
    enrolled = is_enrolled(learner=learner, path=path)
    if enrolled:
        outline = learner_overview(learner=learner, today=today, paths=[path]).paths[0]
    else:
        milestones = list(
            Milestone.objects.active()
            .filter(step__path=path)
            .select_related("step")
            .order_by("step__position", "step_id", "position", "id")
        )
        outline = _outline(path=path, milestones=milestones, progress={})
    # The map marks the milestones the learner's plan puts in this week.
    monday = planning.week_start(today)
    planned = {
        state.milestone.pk
        for step in outline.steps
        for state in step.milestones
        if state.progress is not None
        and any(week == monday for week, _ in state.progress.plan_weeks)
    }
    return PathPage(
        path=path,
        outline=outline,
        is_enrolled=enrolled,
        today=today,
        map=path_map(outline=outline, today=today, shows_progress=enrolled, planned=planned),
    )


class StatusButton(NamedTuple):
    """A status change a row or card offers. A named tuple (immutable, equal when every field
    is), not a frozen dataclass: a step row's buttons are part of its cache key
    (step_rows.milestone_row), hashed at every render, which a tuple does in C and a dataclass
    in a Python method per button."""

    value: str
    css: str
    label: str


@dataclass(frozen=True)
class StepMilestone(MilestoneState):
    """A milestone as a row of its step's page shows it (and as a status change re-draws it):
    its links, labels and buttons worked out once here, in the request's language, so the row
    template only prints them (its badges come from roadmap_dashboard's tags)."""

    url: str = ""
    status_url: str = ""
    kind_text: str = ""
    effort_text: str = ""
    buttons: tuple[StatusButton, ...] = ()
    actions: tuple[ActionLink, ...] = ()  # the milestone's tools, compact on the row


# Labels depend only on the value and the active language, and the catalogues are loaded once
# per process, so each is translated once per process rather than once per row per request
# (get_FOO_display() builds a dict of every choice, translating each label, on every call).
@lru_cache(maxsize=256)
def _choice_label(choices: type[Choices], value: str, language: str) -> str:
    return str(dict(choices.choices).get(value, value))


def choice_label(choices: type[Choices], value: str) -> str:
    """What get_FOO_display() shows for `value`, in the active language."""
    return _choice_label(choices, value, get_language())


@lru_cache(maxsize=1024)
def _effort_text(hours: int, language: str) -> str:
    return ngettext("about %(hours)s hour", "about %(hours)s hours", hours) % {
        "hours": formats.localize(hours)
    }


# A milestone's tools (presenters/actions.py: a label translated and an address reversed per
# action, about 40 µs a milestone with tools) depend only on its id and stored actions, the kinds
# they name, the language, the script prefix and URLconf, and whether the learner is signed in.
# So they are worked out once per process for the id and the last four, and used again while the
# stored actions are equal to those they were made from and each names the same kind object.
# DEBUG works them out every time. tests/roadmap/test_milestone_page_speed.py holds the rule.
_ACTIONS_LIMIT = 4096
_held_actions: dict[tuple, tuple[list, tuple, tuple[ActionLink, ...]]] = {}


def actions_context(*, signed_in: bool) -> tuple:
    """What a page's milestones' tools depend on besides each milestone: looked up once a page."""
    return (signed_in, get_language(), get_script_prefix(), get_urlconf())


def held_milestone_actions(milestone: Milestone, context: tuple) -> tuple[ActionLink, ...]:
    """milestone_actions(milestone, signed_in=context[0]), from the process's copy while the
    milestone's stored actions and the kinds they name are those it was made from."""
    stored = milestone.actions
    if not stored:
        return ()
    if settings.DEBUG:
        return milestone_actions(milestone, signed_in=context[0])
    kinds = tuple(
        milestone_action_kind(str(action.get("kind"))) if isinstance(action, dict) else None
        for action in stored
    )
    key = (milestone.pk, *context)
    held = _held_actions.get(key)
    if (
        held is not None
        and held[0] == stored
        and len(held[1]) == len(kinds)
        and all(a is b for a, b in zip(held[1], kinds, strict=True))
    ):
        return held[2]
    links = milestone_actions(milestone, signed_in=context[0])
    if len(_held_actions) >= _ACTIONS_LIMIT:
        _held_actions.clear()
    # A copy of the stored actions (dicts of strings), so a later change to the list shows.
    copied = [dict(action) if isinstance(action, dict) else action for action in stored]
    _held_actions[key] = (copied, kinds, links)
    return links


@receiver(setting_changed)
def _forget_held_actions(*, setting: str, **kwargs: Any) -> None:
    """A test's override of the default URLconf or the languages forgets the tools made under
    them (get_urlconf() names only a request's own URLconf)."""
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _held_actions.clear()


def status_buttons(status: str) -> tuple[StatusButton, ...]:
    """The status changes offered from `status`, in their order: the one source for a step
    page's rows and for status_controls.html (the milestone page's card)."""
    return _status_buttons(status, get_language())


@lru_cache(maxsize=64)
def _status_buttons(status: str, language: str) -> tuple[StatusButton, ...]:
    buttons = []
    if status != ProgressStatus.IN_PROGRESS:
        label = _("Start") if status == ProgressStatus.NOT_STARTED else _("Mark in progress")
        buttons.append(StatusButton(ProgressStatus.IN_PROGRESS.value, "small secondary", label))
    if status != ProgressStatus.DONE:
        buttons.append(StatusButton(ProgressStatus.DONE.value, "small", _("Mark done")))
    if status in (ProgressStatus.NOT_STARTED, ProgressStatus.IN_PROGRESS):
        buttons.append(StatusButton(ProgressStatus.SKIPPED.value, "small secondary", _("Skip")))
    if status != ProgressStatus.NOT_STARTED:
        buttons.append(
            StatusButton(ProgressStatus.NOT_STARTED.value, "small link-button", _("Reset"))
        )
    return tuple(buttons)


@dataclass
class StepPage:
    path: CareerPath
    step: Step
    progress: StepProgress
    courses: list[Course]
    steps: list[Step]
    is_enrolled: bool
    today: dt.date
    content_version: int | None = None  # the key of its content fragments (core/fragments.py)

    @property
    def previous_step(self) -> Step | None:
        index = self.steps.index(self.step)
        return self.steps[index - 1] if index > 0 else None

    @property
    def next_step(self) -> Step | None:
        index = self.steps.index(self.step)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    @property
    def number(self) -> int:
        return self.steps.index(self.step) + 1


def step_progress(
    *,
    learner: User | None,
    step: Step,
    milestones: Sequence[Milestone] | None = None,
    rows: Mapping[int, MilestoneProgress] | None = None,
) -> StepProgress:
    """A step's active milestones with the learner's progress (none for a visitor), as rows
    (StepMilestone). `milestones`: the step's, from the content snapshot; without them they come
    from the snapshot if `step` is its own object, else from the database. `rows`: the
    learner's progress rows on the step by milestone id, if the caller has them (a status
    change's service returns them), else read here. One query then (the progress), two without
    the snapshot, none with both; `step.path` should be loaded, as the rows' links need it."""
    milestones = _step_milestones(step, milestones)
    progress: Mapping[int, MilestoneProgress] = {}
    signed_in = learner is not None and learner.is_authenticated
    if signed_in and rows is not None:
        progress = rows
    elif signed_in and milestones:
        progress = learner_step_progress(learner=learner, step=step)
    make_row = _row_maker(step, signed_in=signed_in)
    return StepProgress(step=step, milestones=[make_row(m, progress.get(m.pk)) for m in milestones])


def changed_step_row(
    *, learner: User, step: Step, milestone: Milestone, rows: Mapping[int, MilestoneProgress]
) -> tuple[StepMilestone, StepProgress]:
    """What a status change sent from a step page's row re-draws: that row (as step_progress
    makes it) and the step's progress (its counts only: the other rows are plain
    MilestoneStates, as nothing prints them). `rows`: the learner's progress rows on the step by
    milestone id, as the change's service returns them. tests/roadmap/test_step_page_speed.py
    holds it to step_progress's row and counts."""
    milestones = _step_milestones(step, None)
    make_row = _row_maker(step, signed_in=True)
    states: list[MilestoneState] = []
    row = None
    changed_id = milestone.pk
    for other in milestones:
        if other.id == changed_id:  # the id, not .pk: a property call for each milestone
            row = make_row(other, rows.get(other.id))
            states.append(row)
        else:
            states.append(MilestoneState(milestone=other, progress=rows.get(other.id)))
    if row is None:
        raise Http404("No such milestone on this step")
    return row, StepProgress(step=step, milestones=states)


def _step_milestones(step: Step, milestones: Sequence[Milestone] | None) -> Sequence[Milestone]:
    """The step's active milestones: `milestones` if given, else the snapshot's if `step` is
    its own object, else from the database."""
    if milestones is None:
        milestones = content_snapshot.held_step_milestones(step)
    if milestones is None:
        milestones = list(step.milestones.active().order_by("position", "id"))
        for milestone in milestones:
            milestone.step = step
    return milestones


def _row_maker(step: Step, *, signed_in: bool):
    """A function making a step's rows (StepMilestone) from a milestone and its progress row,
    with what they share (language, tools' context, address makers) looked up once."""
    language = get_language()
    tools = actions_context(signed_in=signed_in)
    detail_url = milestone_url_maker(step, "roadmap:milestone_detail")
    status_url = milestone_url_maker(step, "roadmap:milestone_status")

    def make_row(milestone: Milestone, row_progress: MilestoneProgress | None) -> StepMilestone:
        status = row_progress.status if row_progress else ProgressStatus.NOT_STARTED
        return StepMilestone(
            milestone=milestone,
            progress=row_progress,
            url=detail_url(milestone.slug),
            status_url=status_url(milestone.slug),
            kind_text=_choice_label(MilestoneKind, milestone.kind, language),
            effort_text=_effort_text(milestone.effort_hours, language),
            buttons=_status_buttons(status, language),
            actions=held_milestone_actions(milestone, tools),
        )

    return make_row


def step_page(*, path_slug: str, step_slug: str, learner: User | None, today: dt.date) -> StepPage:
    """One step: its milestones (with the learner's status), its courses and the path's other
    steps for navigation. One query: the content version with whether the learner is enrolled
    and their progress on the step's milestones (roadmap/selectors/rows.py); the content comes
    from the process's snapshot (roadmap/selectors/content_snapshot.py)."""
    if not content_snapshot.snapshot_enabled():
        return _step_page_read(
            path_slug=path_slug, step_slug=step_slug, learner=learner, today=today
        )
    token, enrolled, rows = step_page_rows(
        learner=learner, path_slug=path_slug, step_slug=step_slug
    )
    if token is None:  # no token row (after a test's flush): read the database
        return _step_page_read(
            path_slug=path_slug, step_slug=step_slug, learner=learner, today=today
        )
    published = content_snapshot.content_snapshot(token).paths.get(path_slug)
    if published is None:
        raise Http404("No such career path")
    step = published.step_by_slug.get(step_slug)
    if step is None:
        raise Http404("No such step")
    progress = step_progress(
        learner=learner if enrolled else None,
        step=step,
        milestones=published.milestones[step.pk],
        rows=rows,
    )
    return StepPage(
        path=published.path,
        step=step,
        progress=progress,
        courses=list(published.courses[step.pk]),
        steps=list(published.steps),
        is_enrolled=enrolled,
        today=today,
        content_version=content_snapshot.held_version(published),
    )


def _step_page_read(
    *, path_slug: str, step_slug: str, learner: User | None, today: dt.date
) -> StepPage:
    """The step page from the database, without the snapshot. Four queries at most: the path's
    steps with the path and whether the learner is enrolled, the step's milestones, the
    learner's progress on them, the courses."""
    steps_query = (
        Step.objects.filter(path__slug=path_slug, path__is_published=True)
        .select_related("path")
        .order_by("position", "id")
    )
    signed_in = learner is not None and learner.is_authenticated
    if signed_in:
        steps_query = steps_query.annotate(
            enrolled=Exists(Enrollment.objects.filter(learner=learner, path=OuterRef("path_id")))
        )
    steps = list(steps_query)
    step = next((s for s in steps if s.slug == step_slug), None)
    if step is None:
        # A published path has no step without steps; say which of the two is missing.
        if not steps and not CareerPath.objects.published().filter(slug=path_slug).exists():
            raise Http404("No such career path")
        raise Http404("No such step")
    path = step.path
    for s in steps:
        s.path = path
    enrolled = signed_in and step.enrolled
    progress = step_progress(learner=learner if enrolled else None, step=step)
    courses = list(step.courses.order_by("title", "id"))
    return StepPage(
        path=path,
        step=step,
        progress=progress,
        courses=courses,
        steps=steps,
        is_enrolled=enrolled,
        today=today,
    )


@dataclass
class MilestonePage:
    milestone: Milestone
    resources: list[MilestoneResource]
    state: MilestoneState
    history: list[TimedHistoryEntry]
    siblings: list[Milestone]
    is_enrolled: bool
    today: dt.date
    evidence: list = field(default_factory=list)
    actions: tuple[ActionLink, ...] = ()  # the tools the milestone offers
    content_version: int | None = None  # the key of its content fragments (core/fragments.py)

    @property
    def step(self) -> Step:
        return self.milestone.step

    @property
    def path(self) -> CareerPath:
        return self.milestone.step.path

    @property
    def previous(self) -> Milestone | None:
        index = self._index
        return self.siblings[index - 1] if index > 0 else None

    @property
    def next(self) -> Milestone | None:
        index = self._index
        return self.siblings[index + 1] if index + 1 < len(self.siblings) else None

    @property
    def _index(self) -> int:
        return next(i for i, m in enumerate(self.siblings) if m.pk == self.milestone.pk)

    @property
    def number(self) -> int:
        return self._index + 1

    @property
    def planned_weeks(self) -> tuple[str, ...] | None:
        """What the page's "Planned" item names for an unfinished milestone in the learner's
        plan: the first planned week's Monday, then the last's if there are more weeks ("j M
        Y", as |date printed them, each day formatted once per process); None: no item."""
        progress = self.state.progress
        if progress is None or not progress.plan_week or self.state.is_finished:
            return None
        weeks = progress.plan_weeks
        language = get_language()
        return tuple(
            _day_text(week, "j M Y", language) for week, _hours in weeks[:1] + weeks[1:][-1:]
        )


def milestone_page(
    *,
    path_slug: str,
    step_slug: str,
    milestone_slug: str,
    learner: User | None,
    today: dt.date,
) -> MilestonePage:
    """Why, how and resources for anyone; the learner's status, dates, notes, evidence and
    history when enrolled. One query, however many resources or events there are: the content
    version with the enrolment, the progress row, its evidence and the history
    (roadmap/selectors/rows.py); the content comes from the process's snapshot
    (roadmap/selectors/content_snapshot.py)."""
    read = None
    if content_snapshot.snapshot_enabled():
        read = milestone_page_rows(
            learner=learner,
            path_slug=path_slug,
            step_slug=step_slug,
            milestone_slug=milestone_slug,
            events=MILESTONE_HISTORY_EVENTS,
        )
    if read is None or read[0] is None:  # no snapshot, or no token row: read the database
        return _milestone_page_read(
            path_slug=path_slug,
            step_slug=step_slug,
            milestone_slug=milestone_slug,
            learner=learner,
            today=today,
        )
    token, enrolled, row, evidence, events = read
    published = content_snapshot.content_snapshot(token).paths.get(path_slug)
    milestone = published.milestone_by_slugs.get((step_slug, milestone_slug)) if published else None
    if milestone is None:
        raise Http404("No such milestone")
    return _milestone_page(
        milestone=milestone,
        resources=list(published.resources[milestone.pk]),
        siblings=list(published.milestones[milestone.step_id]),
        enrolled=enrolled,
        learner=learner,
        today=today,
        content_version=content_snapshot.held_version(published),
        read=(MilestoneState(milestone=milestone, progress=row), evidence, events)
        if enrolled
        else None,
    )


def _milestone_page_read(
    *,
    path_slug: str,
    step_slug: str,
    milestone_slug: str,
    learner: User | None,
    today: dt.date,
) -> MilestonePage:
    """The milestone page from the database, without the snapshot: five queries at most."""
    milestone, enrolled = published_milestone_and_enrolment(
        learner=learner, path_slug=path_slug, step_slug=step_slug, milestone_slug=milestone_slug
    )
    resources = list(milestone.resources.select_related("course").order_by("position", "id"))
    siblings = list(
        Milestone.objects.active()
        .filter(step_id=milestone.step_id)
        .order_by("position", "id")
        .only("id", "slug", "title", "step_id")
    )
    for sibling in siblings:
        sibling.step = milestone.step
    return _milestone_page(
        milestone=milestone,
        resources=resources,
        siblings=siblings,
        enrolled=enrolled,
        learner=learner,
        today=today,
    )


def _milestone_page(
    *,
    milestone: Milestone,
    resources: list[MilestoneResource],
    siblings: list[Milestone],
    enrolled: bool,
    learner: User | None,
    today: dt.date,
    content_version: int | None = None,
    read: tuple[MilestoneState, list, list] | None = None,
) -> MilestonePage:
    """The learner's part of the page: the progress row with its evidence (one query), the
    history (one more); none when `read` has the three (an enrolled learner's). `content_version`
    keys the page's content fragments (None: the page was read from the database, so none are
    kept)."""
    if read is not None:
        state, evidence, events = read
    else:
        state, evidence = milestone_state_and_evidence(
            learner=learner if enrolled else None, milestone=milestone
        )
        events = []
        if enrolled:
            events = milestone_events(
                learner=learner, milestone=milestone, limit=MILESTONE_HISTORY_EVENTS
            )
    history = dated_history(_history(events)) if enrolled else []
    return MilestonePage(
        milestone=milestone,
        resources=resources,
        state=state,
        history=history,
        siblings=siblings,
        is_enrolled=enrolled,
        today=today,
        evidence=evidence,
        actions=held_milestone_actions(
            milestone,
            actions_context(signed_in=learner is not None and learner.is_authenticated),
        ),
        content_version=content_version,
    )


def dated_history(
    entries: Sequence[HistoryEntry], zone: dt.tzinfo | None = None
) -> list[TimedHistoryEntry]:
    """`entries` with their times as the milestone page prints them: `iso` as |date("c") and
    `local` as |date("j M Y, H:i") print the event's time in `zone` (the active time zone if
    None), without two |date filters a line: the dashboard's timed_history with the year."""
    return timed_history(entries, zone, day_format="j M Y")
