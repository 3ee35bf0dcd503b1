"""Template filters for the roadmap pages: date-relative questions a template cannot ask, labels
a page shows many times, and the dashboard heatmap's squares."""

import datetime as dt
from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from roadmap.models import CourseLevel
from roadmap.presenters.activity import Heatmap, HeatmapCell, quiet_cells
from roadmap.presenters.browsing import choice_label
from roadmap.selectors.progress import MilestoneState

register = template.Library()

# What a heatmap square is looked up by: every field of HeatmapCell, in its order (tests/
# roadmap/test_heatmap_cells.py fails when the cell gains one this leaves out).
HEATMAP_CELL_FIELDS = ("day", "count", "level", "x", "y")


@register.filter
def overdue_on(state: MilestoneState, today: dt.date) -> bool:
    return state.is_overdue(today)


@register.filter
def due_soon_on(state: MilestoneState, today: dt.date) -> bool:
    return state.is_due_soon(today)


@register.filter
def days_until(day: dt.date | None, today: dt.date) -> int | None:
    return (day - today).days if day else None


@register.filter
def absolute(number: int) -> int:
    return abs(number)


@register.filter
def course_level(level: str) -> str:
    """course.get_level_display, without translating every level's label on each call."""
    return choice_label(CourseLevel, level)


@lru_cache(maxsize=8192)
def _heatmap_cell(
    day: dt.date, count: int, level: int, x: int, y: int, size: int, language: str
) -> str:
    # A square depends only on its day, count and place (and the language of its tooltip), and
    # most learners' squares are the same empty days: each is built once per process, not once
    # per cell per render (escaping eight values and translating the label cost ~25 µs a cell).
    cell = HeatmapCell(day=day, count=count, level=level, x=x, y=y)
    return format_html(
        '<rect class="heat heat-{}" x="{}" y="{}" width="{}" height="{}" rx="2" data-day="{}"'
        ' data-count="{}"><title>{}</title></rect>',
        cell.level,
        cell.x,
        cell.y,
        size,
        size,
        cell.iso,
        cell.count,
        cell.label,
    )


@register.simple_tag
def heatmap_cells(heatmap: Heatmap) -> SafeString:
    """The heatmap's 84 squares. Built here rather than by a template loop: it is the largest
    loop of the dashboard, and this is ten times faster than resolving six variables per cell.
    Each is looked up by its fields (HEATMAP_CELL_FIELDS, every field a HeatmapCell has), not by
    the cell: a render makes new cells, and a dataclass key costs a Python __hash__ and __eq__
    a cell (84 new cells, alternated runs: 93-134 -> 49-60 µs a heatmap)."""
    size = heatmap.cell_size
    language = get_language()
    active = heatmap.active_cells
    if active is None:  # cells not laid out by build_heatmap: every one looked up
        squares = [
            _heatmap_cell(c.day, c.count, c.level, c.x, c.y, size, language) for c in heatmap.cells
        ]
    else:
        # build_heatmap's cells are its quiet squares for the day but for the active ones: the
        # quiet squares' markup is the same for every learner on a day, so it is kept as one
        # tuple and only the dozen active squares are looked up (84 -> 12 lookups, each hashing
        # seven values).
        squares = list(_quiet_squares(heatmap.today, len(heatmap.cells), size, language))
        start = heatmap.start
        for c in active:
            squares[(c.day - start).days] = _heatmap_cell(
                c.day, c.count, c.level, c.x, c.y, size, language
            )
    return mark_safe("".join(squares))


@lru_cache(maxsize=64)
def _quiet_squares(today: dt.date, days: int, size: int, language: str) -> tuple[str, ...]:
    # The markup of each square without a change on a chart of `days` days ending `today`.
    return tuple(
        _heatmap_cell(c.day, c.count, c.level, c.x, c.y, size, language)
        for c in quiet_cells(today, days)
    )
