"""The dashboard heatmap's squares (roadmap_progress.heatmap_cells): each printed once per
process, looked up by the cell's fields, and the same bytes as a template loop over the cells."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from django.template import engines
from django.utils import translation

from roadmap.presenters import activity as activity_pages
from roadmap.presenters.activity import HeatmapCell
from roadmap.templatetags import roadmap_progress

TODAY = dt.date(2026, 3, 11)
LOOP = (
    "{% for c in heatmap.cells %}"
    '<rect class="heat heat-{{ c.level }}" x="{{ c.x }}" y="{{ c.y }}"'
    ' width="{{ heatmap.cell_size }}" height="{{ heatmap.cell_size }}" rx="2"'
    ' data-day="{{ c.iso }}" data-count="{{ c.count }}"><title>{{ c.label }}</title></rect>'
    "{% endfor %}"
)


def test_the_cells_key_is_every_field_a_cell_has():
    # A field HeatmapCell gains (and the square comes to print) must join the key, or one
    # square's markup would be served for another that differs only there.
    assert (
        tuple(field.name for field in dataclasses.fields(HeatmapCell))
        == roadmap_progress.HEATMAP_CELL_FIELDS
    )


@pytest.mark.parametrize("language", ["en-gb", "de"])
@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 12, 31)])
def test_the_cells_print_what_a_template_loop_prints(language, today):
    # given: quiet, busy and very busy days
    loop, tag = (
        engines["jinja2"].from_string(code) for code in (LOOP, "{{ heatmap_cells(heatmap) }}")
    )
    with translation.override(language):
        for busy in (0, 1, 5, 1234):
            counts = {today - dt.timedelta(days=n): busy * (n % 4) for n in range(0, 90, 3)}
            heatmap = activity_pages.build_heatmap(counts=counts, today=today)

            # when / then: twice, the second time from the cache
            for _ in range(2):
                assert tag.render({"heatmap": heatmap}) == loop.render({"heatmap": heatmap})


def test_a_cell_differing_in_one_field_prints_its_own_square():
    # given: a cell, and one like it for each field changed alone
    cell = HeatmapCell(day=TODAY, count=2, level=2, x=30, y=44)
    changed = {"day": TODAY + dt.timedelta(days=1), "count": 3, "level": 3, "x": 44, "y": 58}
    assert set(changed) == set(roadmap_progress.HEATMAP_CELL_FIELDS)
    cells = [cell] + [dataclasses.replace(cell, **{name: v}) for name, v in changed.items()]

    # when: each printed, one after the other in one process
    heatmap = activity_pages.build_heatmap(counts={}, today=TODAY)
    printed = [
        roadmap_progress.heatmap_cells(dataclasses.replace(heatmap, cells=[c])) for c in cells
    ]

    # then: six different squares
    assert len(set(printed)) == len(cells)


@pytest.mark.parametrize("seed", range(20))
def test_the_quiet_squares_kept_per_day_and_the_active_ones_print_every_cells_square(seed):
    # given: random activity on a chart of any length, built by build_heatmap (its quiet
    # squares shared per day, its active cells known) and the same cells without that
    rng = random.Random(seed)
    today = TODAY + dt.timedelta(days=rng.randint(0, 400))
    days = rng.choice([activity_pages.HEATMAP_DAYS, 90, 31, 6, 1])
    counts = {
        today - dt.timedelta(days=rng.randint(-2, days + 3)): rng.choice([0, 1, 3, 8, 40])
        for _ in range(rng.randint(0, 40))
    }
    heatmap = activity_pages.build_heatmap(counts=counts, today=today, days=days)
    every_cell = dataclasses.replace(heatmap)
    assert heatmap.active_cells is not None and every_cell.active_cells is None

    # when / then: the same squares, twice (the second time from the caches)
    with translation.override(rng.choice(["en-gb", "de"])):
        for _ in range(2):
            assert roadmap_progress.heatmap_cells(heatmap) == roadmap_progress.heatmap_cells(
                every_cell
            )
