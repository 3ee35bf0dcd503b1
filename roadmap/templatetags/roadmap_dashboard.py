"""Template tags for the roadmap pages' inner loops (dashboard rows, step rows, the map's nodes):
the shared badge and map node partials and dates, each rendered once per process for what
decides them rather than once per row per render, and the status buttons a milestone offers."""

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from django import template
from django.conf import settings
from django.template import engines
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from markupsafe import Markup, escape

from roadmap.models import ProgressStatus
from roadmap.presenters import activity as activity_pages
from roadmap.presenters import browsing as browsing_pages
from roadmap.presenters.activity import AxisLabel, Heatmap, WeekTotal
from roadmap.presenters.path_map import MapNode, MapStep
from roadmap.selectors.progress import MilestoneState

register = template.Library()

STATUS_BADGE = "roadmap/partials/status_badge.html"
TARGET_BADGE = "roadmap/partials/target_badge.html"
MAP_NODE = "roadmap/partials/map_node.html"  # a Jinja2 partial: the map is drawn by Jinja2 only
MAP_STEP = "roadmap/partials/map_step.html"  # Jinja2 too
HEATMAP_HEAD = "roadmap/partials/heatmap_head.html"  # Jinja2 too
HEATMAP_LEGEND = "roadmap/partials/heatmap_legend.html"  # Jinja2 too
# What separates the map's nodes and steps: the indentation the map's former template loops
# printed.
MAP_NODE_GAP = "\n        "
MAP_STEP_GAP = "\n    "


class PartialReadsMore(Exception):
    """A cached badge partial read a field its cache key does not include."""


class BadgeKey:
    """The stand-in `state` (or `node`) a cached partial is rendered from: exactly the fields
    its cache key holds. Reading any other field raises (Django's templates let only
    AttributeError and its kin pass silently, Jinja2's too), so a partial that comes to read
    more fails every page test at once instead of printing the field empty from the cache."""

    def __init__(self, partial: str, variable: str = "state", /, **fields) -> None:
        self._partial = partial
        self._variable = variable
        self.__dict__.update(fields)

    def __getattr__(self, name: str):
        raise PartialReadsMore(
            f"{self._partial} reads {self._variable}.{name}, which its cache key in "
            f"roadmap/templatetags/roadmap_dashboard.py does not hold: add it to the key"
        )


# The partials are rendered by the template engine itself, so the markup is theirs to the byte;
# only the result is kept, under everything each partial reads from `state` and `today` (the
# BadgeKey above enforces it). With DEBUG on, templates are read afresh on every render, and so
# are these.
@lru_cache(maxsize=64)
def _status_badge(status: str, language: str) -> str:
    state = BadgeKey(STATUS_BADGE, status=status, status_label=ProgressStatus(status).label)
    return get_template(STATUS_BADGE).render({"state": state})


@lru_cache(maxsize=2048)
def _target_badge(target: dt.date | None, finished: bool, today: dt.date, language: str) -> str:
    state = BadgeKey(TARGET_BADGE, target_date=target, is_finished=finished)
    return get_template(TARGET_BADGE).render({"state": state, "today": today})


@register.simple_tag
def status_badge(state: MilestoneState) -> SafeString:
    """What {% include "roadmap/partials/status_badge.html" %} prints for `state`."""
    if settings.DEBUG:
        return mark_safe(get_template(STATUS_BADGE).render({"state": state}))
    return mark_safe(_status_badge(state.status, get_language()))


@register.simple_tag
def target_badge(state: MilestoneState, today: dt.date) -> SafeString:
    """What {% include "roadmap/partials/target_badge.html" %} prints for `state` on `today`."""
    if settings.DEBUG:
        return mark_safe(get_template(TARGET_BADGE).render({"state": state, "today": today}))
    return mark_safe(_target_badge(state.target_date, state.is_finished, today, get_language()))


@lru_cache(maxsize=4096)
def _map_node(
    title: str,
    address: str,
    state: str,
    state_text: str,
    is_position: bool,
    planned_week: dt.date | None,
    compact: bool,
    shows_progress: bool,
    language: str,
) -> str:
    node = BadgeKey(
        MAP_NODE,
        "node",
        title=title,
        url=address,
        state=state,
        state_text=state_text,
        is_position=is_position,
        planned_week=planned_week,
    )
    context = {"node": node, "compact": compact, "shows_progress": shows_progress}
    return engines["jinja2"].get_template(MAP_NODE).render(context)


def map_nodes(nodes: tuple[MapNode, ...], compact: bool, shows_progress: bool) -> SafeString:
    """A map step's nodes, each what partials/map_node.html prints for it. A dashboard draws
    its map's 40-odd nodes afresh after every change of the learner's, and each node is one of
    a few (its milestone's title and address, its state, "you are here" or not): each is
    rendered once per process and language. The compact map does not print the planned week,
    so it is left out of the key there."""
    if settings.DEBUG:
        template = engines["jinja2"].get_template(MAP_NODE)
        context = {"compact": compact, "shows_progress": shows_progress}
        markup = (template.render({**context, "node": node}) for node in nodes)
    else:
        language = get_language()
        markup = (
            _map_node(
                node.title,
                node.url,
                node.state,
                node.state_text,
                node.is_position,
                None if compact else node.planned_week,
                compact,
                shows_progress,
                language,
            )
            for node in nodes
        )
    return mark_safe("".join(MAP_NODE_GAP + node + MAP_NODE_GAP for node in markup))


@lru_cache(maxsize=4096)
def _map_step(step: MapStep, compact: bool, shows_progress: bool, language: str) -> str:
    # The key is the whole step, its nodes included (a frozen dataclass: equal when every field
    # is), and the partial sees nothing else: StrictUndefined fails it on any other name.
    context = {"step": step, "compact": compact, "shows_progress": shows_progress}
    return engines["jinja2"].get_template(MAP_STEP).render(context)


def map_steps(steps: tuple[MapStep, ...], compact: bool, shows_progress: bool) -> SafeString:
    """A map's steps, each what partials/map_step.html prints for it. A dashboard draws its map
    afresh after every change of the learner's, and a change touches one step: the others
    (most of them, before any progress or once done, the same for many learners) are printed
    once per process and language, where each cost its translations, escapes and a call for its
    nodes at every render. DEBUG renders each afresh."""
    if settings.DEBUG:
        template = engines["jinja2"].get_template(MAP_STEP)
        context = {"compact": compact, "shows_progress": shows_progress}
        markup = (template.render({**context, "step": step}) for step in steps)
    else:
        language = get_language()
        markup = (_map_step(step, compact, shows_progress, language) for step in steps)
    return mark_safe("".join(MAP_STEP_GAP + step + MAP_STEP_GAP for step in markup))


_MAP_LEGEND_ITEM = '<li class="map-{}"><span class="map-dot" aria-hidden="true"></span> {}</li>'


@lru_cache(maxsize=256)
def _map_legend(legend: tuple[tuple[str, str], ...]) -> str:
    # escaped as the template's {{ }} escaped them (markupsafe's escape, not Django's)
    return "".join(_MAP_LEGEND_ITEM.format(escape(state), escape(text)) for state, text in legend)


def map_legend(legend: tuple[tuple[str, str], ...]) -> SafeString:
    """A map's legend items, as the partial's former loop printed them: the states a map shows
    with their texts (already in the page's language), one of a few dozen combinations, each
    printed once per process rather than two escaped values an item a render."""
    return mark_safe(_map_legend(legend))


@lru_cache(maxsize=512)
def _heatmap_label(label: AxisLabel) -> str:
    return format_html(
        '<text class="heatmap-label" x="{}" y="{}">{}</text>', label.x, label.y, label.text
    )


def heatmap_labels(labels: list[AxisLabel]) -> SafeString:
    """The heatmap's month or weekday labels: the same few for every learner on a day, so each
    is printed once per process (its text is already in the page's language)."""
    return mark_safe("".join(_heatmap_label(label) for label in labels))


@lru_cache(maxsize=64)
def _heatmap_head(
    width: int,
    height: int,
    start: dt.date,
    today: dt.date,
    month_labels: tuple[AxisLabel, ...],
    weekday_labels: tuple[AxisLabel, ...],
    language: str,
) -> str:
    heatmap = BadgeKey(
        HEATMAP_HEAD,
        "heatmap",
        width=width,
        height=height,
        start=start,
        today=today,
        month_labels=month_labels,
        weekday_labels=weekday_labels,
    )
    return engines["jinja2"].get_template(HEATMAP_HEAD).render({"heatmap": heatmap})


def heatmap_head(heatmap: Heatmap) -> SafeString:
    """The heatmap's opening: its size, its title (the first and last day) and its axis labels,
    what partials/heatmap_head.html prints. Every learner's chart on a day is the same frame,
    so it is printed once per process and language, from a stand-in (BadgeKey) that holds only
    those fields: a partial that comes to read another fails instead of printing from the cache
    what another learner's chart showed. DEBUG renders it afresh."""
    if settings.DEBUG:
        template = engines["jinja2"].get_template(HEATMAP_HEAD)
        return mark_safe(template.render({"heatmap": heatmap}))
    return mark_safe(
        _heatmap_head(
            heatmap.width,
            heatmap.height,
            heatmap.start,
            heatmap.today,
            tuple(heatmap.month_labels),
            tuple(heatmap.weekday_labels),
            get_language(),
        )
    )


@lru_cache(maxsize=16)
def _heatmap_legend(language: str) -> str:
    # Nothing in its context: StrictUndefined fails the partial on any name but the page's
    # translation functions, so it can print nothing of a learner's.
    return engines["jinja2"].get_template(HEATMAP_LEGEND).render({})


def heatmap_legend() -> SafeString:
    """The heatmap's colour key and the head of its table by week (partials/heatmap_legend.html):
    words only, printed once per process and language where each render translated and
    escaped eight strings. DEBUG renders it afresh."""
    if settings.DEBUG:
        return mark_safe(engines["jinja2"].get_template(HEATMAP_LEGEND).render({}))
    return mark_safe(_heatmap_legend(get_language()))


@lru_cache(maxsize=2048)
def _heatmap_week_row(week: WeekTotal, language: str) -> str:
    return format_html(
        '<tr><th scope="row">{} – {}</th><td>{}</td><td>{}</td></tr>',
        activity_pages.day_text(week.start, "j M"),
        activity_pages.day_text(week.end, "j M"),
        week.count,
        week.active_days,
    )


def heatmap_week_rows(weeks: list[WeekTotal]) -> SafeString:
    """The rows of the heatmap's table by week: twelve weeks whose days every learner shares and
    whose counts are mostly small, so each row is printed once per process and language rather
    than formatting two dates and four values a row a render."""
    language = get_language()
    return mark_safe("".join(_heatmap_week_row(week, language) for week in weeks))


# One line of the dashboard's recent changes, as the template's former loop printed it (its
# indentation included). tests/roadmap/test_dashboard_render_speed.py keeps that loop and
# compares.
_RECENT_LINE = '\n    <li><time datetime="{}">{}</time> \u00b7 <a href="{}">{}</a>: {}</li>\n    '


def recent_changes(
    entries: list[activity_pages.TimedHistoryEntry], links: dict[int, str]
) -> Markup:
    """The recent changes' lines: each value escaped as the template's `{{ }}` escaped it (all
    strings), put in one format string, where the template loop resolved, finalised and
    escaped five values a line through Jinja2's runtime (about 60 Python calls a line, 6 lines
    after every change). A milestone missing from `links` fails the render, as it did."""
    return Markup(
        "".join(
            [
                _RECENT_LINE.format(
                    escape(entry.iso),
                    escape(entry.local),
                    escape(links[entry.event.milestone_id]),
                    escape(entry.event.milestone.title),
                    escape(entry.text),
                )
                for entry in entries
            ]
        )
    )


# The dashboard's "Next up" lines and its target-date lines, as the template's former loops printed
# them (their indentation included). tests/roadmap/test_dashboard_render_speed.py keeps those
# loops and compares.
_NEXT_UP_LINE = (
    '\n      <li>\n        <a href="{}">{}</a>\n        <span class="muted">\u00b7 {}</span>'
    "\n        {} {}\n      </li>\n      "
)
_TARGET_DATE_LINE = '<li><a href="{}">{}</a> {}</li>'


def _badges(today: dt.date) -> tuple[Callable, Callable]:
    """status_badge(state) and target_badge(state) on `today`, the language looked up once for
    a list rather than once a badge (DEBUG: the tags, which render the partials afresh)."""
    if settings.DEBUG:
        return status_badge, lambda state: target_badge(state, today)
    language = get_language()

    def status(state: MilestoneState) -> str:
        return _status_badge(state.status, language)

    def target(state: MilestoneState) -> str:
        return _target_badge(state.target_date, state.is_finished, today, language)

    return status, target


def next_up(states: list[MilestoneState], links: dict[int, str], today: dt.date) -> Markup:
    """The dashboard's "Next up" lines: each milestone's link, title, step and badges, put in
    one format string, where the template loop resolved, finalised and escaped five values and
    called two tags a line through Jinja2's runtime. A milestone missing from `links` fails the
    render, as it did."""
    status, target = _badges(today)
    lines = []
    for state in states:
        milestone = state.milestone
        lines.append(
            _NEXT_UP_LINE.format(
                escape(links[milestone.id]),
                escape(milestone.title),
                escape(milestone.step.title),
                status(state),
                target(state),
            )
        )
    return Markup("".join(lines))


def target_date_lines(
    states: list[MilestoneState], links: dict[int, str], today: dt.date
) -> Markup:
    """The dashboard's overdue or due-soon lines (link, title, target badge), as next_up."""
    _status, target = _badges(today)
    return Markup(
        "".join(
            [
                _TARGET_DATE_LINE.format(
                    escape(links[state.milestone.id]), escape(state.milestone.title), target(state)
                )
                for state in states
            ]
        )
    )


# A milestone page's status buttons (partials/milestone_status.html), as the card's former loop
# printed them. tests/roadmap/test_milestone_page_speed.py keeps that loop and compares.
_CARD_BUTTON = (
    '\n  <button type="submit" name="status" value="{}" class="{}" data-status="{}">{}'
    '<span class="visually-hidden">: {}</span></button>'
)


@lru_cache(maxsize=1024)
def _status_card_buttons(status: str, title: str, language: str) -> str:
    title = escape(title)
    return "".join(
        [
            _CARD_BUTTON.format(
                escape(button.value), escape(button.css), escape(button.value),
                escape(button.label), title,
            )
            for button in browsing_pages.status_buttons(status)
        ]
    )  # fmt: skip


def status_card_buttons(status: str, title: str) -> SafeString:
    """The status changes a milestone page's card offers from `status`, each button naming the
    milestone for screen readers: all it prints is the status, the title and the language (the
    buttons' labels), so each is printed once per process, where the card's loop resolved and
    escaped five values a button at every render."""
    return mark_safe(_status_card_buttons(status, title, get_language()))


@register.filter
def status_buttons(state: MilestoneState) -> tuple[browsing_pages.StatusButton, ...]:
    """The status changes offered to `state` (presenters.status_buttons)."""
    return browsing_pages.status_buttons(state.status)


@register.filter
def day_text(day: dt.date, fmt: str = "DATE_FORMAT") -> str:
    """{{ day|date:fmt }} for a date (not a datetime, whose day depends on the time zone),
    formatted once per process for each day, format and language."""
    return activity_pages.day_text(day, fmt)
