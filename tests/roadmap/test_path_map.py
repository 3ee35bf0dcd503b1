"""The visual roadmap: node states, the learner's position, the plan's hook, and its cost (no
query of its own) on the path page and the dashboard."""

from __future__ import annotations

import datetime as dt
import random
import re
import sys

import jinja2.exceptions as jinja2_errors
import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language

from core.addresses import url
from roadmap.models import MilestoneProgress, ProgressStatus
from roadmap.presenters import browsing as browsing_pages
from roadmap.presenters import path_map as map_pages
from roadmap.selectors.progress import LearnerOverview, learner_overview
from roadmap.templatetags import roadmap_dashboard
from tests.roadmap.factories import (
    EnrollmentFactory,
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)
from tests.roadmap.test_dashboard_afresh import random_overview

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)


def _set(learner, milestone, status, target=None) -> None:
    MilestoneProgress.objects.update_or_create(
        learner=learner, milestone=milestone, defaults={"status": status, "target_date": target}
    )


def test_each_node_shows_its_state_and_the_position_is_the_next_milestone():
    # given: one milestone in each state, and one planned for this week
    path = build_roadmap(steps=2, milestones_per_step=4)
    learner = enrolled_learner(path)
    m = path_milestones(path)
    _set(learner, m[0], ProgressStatus.DONE)
    _set(learner, m[1], ProgressStatus.SKIPPED)
    _set(learner, m[2], ProgressStatus.IN_PROGRESS, target=TODAY - dt.timedelta(days=1))
    _set(learner, m[3], ProgressStatus.IN_PROGRESS)
    _set(learner, m[4], ProgressStatus.DONE, target=TODAY - dt.timedelta(days=5))
    outline = learner_overview(learner=learner, today=TODAY, paths=[path]).paths[0]

    # when
    data = map_pages.path_map(outline=outline, today=TODAY, planned={m[5].pk, m[3].pk})

    # then: precedence done > skipped > overdue > in progress > planned > not started
    states = [node.state for step in data.steps for node in step.nodes]
    assert states == [
        "done",
        "skipped",
        "overdue",
        "in_progress",
        "done",
        "planned",
        "not_started",
        "not_started",
    ]
    # the position is the next action: started work first, the earliest target date first
    assert data.position is not None and data.position.title == m[2].title
    assert [n.number for s in data.steps for n in s.nodes] == list(range(1, 9))
    assert data.steps[0].nodes[0].url == m[0].get_absolute_url()
    assert data.steps[1].url == m[4].step.get_absolute_url()
    assert (data.steps[0].done, data.steps[0].total) == (1, 4)
    # and the legend names the states shown, in order
    assert [state for state, _text in data.legend] == list(map_pages.MAP_STATES)


def test_a_visitor_map_has_no_states_position_or_legend():
    path = build_roadmap(steps=2, milestones_per_step=2)

    page = browsing_pages.path_page(path_slug=path.slug, learner=None, today=TODAY)

    assert page.map is not None and not page.map.shows_progress
    assert page.map.position is None and page.map.legend == ()
    assert {n.state for s in page.map.steps for n in s.nodes} == {"not_started"}


def test_a_finished_path_has_no_position():
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner = enrolled_learner(path)
    for milestone in path_milestones(path):
        _set(learner, milestone, ProgressStatus.DONE)
    outline = learner_overview(learner=learner, today=TODAY, paths=[path]).paths[0]

    data = map_pages.path_map(outline=outline, today=TODAY)

    assert data.position is None and data.steps[0].is_finished
    assert data.legend == (("done", "Done"),)


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_the_map_reads_nothing_of_its_own(steps, per_step, django_assert_max_num_queries):
    # given: an outline already read, with progress on every other milestone
    path = build_roadmap(steps=steps, milestones_per_step=per_step)
    learner = enrolled_learner(path)
    MilestoneProgress.objects.bulk_create(
        MilestoneProgress(learner=learner, milestone=m, status=ProgressStatus.DONE)
        for m in path_milestones(path)[::2]
    )
    outline = learner_overview(learner=learner, today=TODAY, paths=[path]).paths[0]

    # when / then
    with django_assert_max_num_queries(0):
        data = map_pages.path_map(outline=outline, today=TODAY)
    assert sum(len(s.nodes) for s in data.steps) == steps * per_step


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_the_pages_draw_every_node_as_a_link_within_their_query_pins(
    client, steps, per_step, django_assert_max_num_queries
):
    # given: a learner on two paths, the first one half done
    path = build_roadmap(steps=steps, milestones_per_step=per_step)
    learner = enrolled_learner(path)
    EnrollmentFactory(learner=learner, path=build_roadmap(steps=2, milestones_per_step=3))
    milestones = path_milestones(path)
    MilestoneProgress.objects.bulk_create(
        MilestoneProgress(learner=learner, milestone=m, status=ProgressStatus.DONE)
        for m in milestones[::2]
    )
    client.force_login(learner)
    content_snapshot_read()  # the roadmap as most views find it (its reload has its own pin)

    # when / then: the path page and the dashboard keep their pins (session, user, the page's
    # own reads), and every milestone is a node linking to its page
    for address, limit, nodes in [
        (path.get_absolute_url(), 2 + 4, len(milestones)),
        (reverse("roadmap:dashboard"), 2 + 5, len(milestones) + 6),
    ]:
        with django_assert_max_num_queries(limit):
            response = client.get(address)
        html = response.content.decode()
        assert response.status_code == 200
        assert len(re.findall(r'<li class="map-node map-', html)) == nodes, address
        assert milestones[-1].get_absolute_url() in html
        assert html.count('aria-current="step"') == (1 if address == path.get_absolute_url() else 2)
        assert "css/map.css" in html


def test_node_links_carry_their_state_as_text_for_screen_readers(client):
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner = enrolled_learner(path)
    first, second = path_milestones(path)
    _set(learner, first, ProgressStatus.DONE)
    client.force_login(learner)

    html = client.get(path.get_absolute_url()).content.decode()

    node = re.search(r'<li class="map-node map-done">(.*?)</li>', html, re.S).group(1)
    assert first.title in node and '<span class="visually-hidden">: Done</span>' in node
    here = re.search(r'<li class="map-node map-not_started map-here">(.*?)</li>', html, re.S)
    assert second.title in here.group(1) and "you are here" in here.group(1)
    assert "You are here:" in html  # the position, in words, above the map


# --- The nodes' markup, each rendered once per process -------------------------------------------


def _nodes() -> list[map_pages.MapNode]:
    # Every field the node partial prints, each varied on its own, so a cache key that leaves one
    # out hands one node the markup of another that differs only there.
    return [
        map_pages.MapNode(
            number=1,
            title=title,
            url=address,
            state=state,
            state_text=text,
            is_position=is_position,
            planned_week=week,
        )
        for title, address in [("Scope <a> & project", "/paths/p/s/m/"), ("Other", "/paths/p/s/o/")]
        for state, text in [("done", "Done"), ("done", "Finished"), ("overdue", "Overdue")]
        for is_position in (False, True)
        for week in (None, TODAY, TODAY + dt.timedelta(weeks=1))
    ]


@pytest.mark.parametrize("compact", [True, False])
@pytest.mark.parametrize("shows_progress", [True, False])
def test_the_cached_nodes_print_what_the_partial_prints_for_each(settings, compact, shows_progress):
    # given: the partial rendered afresh for each node (as with DEBUG on)
    nodes = _nodes()
    settings.DEBUG = True
    fresh = [roadmap_dashboard.map_nodes((node,), compact, shows_progress) for node in nodes]
    settings.DEBUG = False

    # when: each node from the cache (twice: the second time every node is a hit), and all at once
    cached = [
        [roadmap_dashboard.map_nodes((node,), compact, shows_progress) for node in nodes]
        for _ in range(2)
    ]
    together = roadmap_dashboard.map_nodes(tuple(nodes), compact, shows_progress)

    # then: the same markup, node by node, the title escaped
    assert cached == [fresh, fresh]
    assert together == "".join(fresh)
    assert "Scope &lt;a&gt; &amp; project" in together
    assert ("planned: week of" in together) is not compact


def test_the_nodes_are_placed_as_the_template_loop_placed_them(settings):
    # given: a step of two nodes, printed by the map's former loop over the node partial
    first, second = _nodes()[:2]
    loop = engines["jinja2"].from_string(
        '<ol class="map-nodes">\n        {% for node in nodes %}\n        '
        '{% include "roadmap/partials/map_node.html" %}\n        {% endfor %}\n      </ol>'
    )
    context = {"compact": False, "shows_progress": True}

    # when
    printed = engines["jinja2"].from_string(
        '<ol class="map-nodes">\n        {{ map_nodes(nodes, compact, shows_progress) }}'
        "\n      </ol>"
    )

    # then
    assert printed.render({**context, "nodes": (first, second)}) == loop.render(
        {**context, "nodes": (first, second)}
    )


def test_a_node_partial_that_reads_a_field_outside_its_cache_key_fails_loudly(settings, tmp_path):
    # given: the node partial changed to read a field its cache key does not hold
    partial = tmp_path / "roadmap" / "partials" / "map_node.html"
    partial.parent.mkdir(parents=True)
    partial.write_text("<li>{{ node.title }} {{ node.number }}</li>")
    jinja2 = settings.TEMPLATES[1]
    settings.TEMPLATES = [settings.TEMPLATES[0], {**jinja2, "DIRS": [tmp_path, *jinja2["DIRS"]]}]
    roadmap_dashboard._map_node.cache_clear()

    # when / then: the cached node raises, naming the field, instead of printing it empty (or
    # another learner's) from the cache
    try:
        with pytest.raises(roadmap_dashboard.PartialReadsMore, match="node.number"):
            roadmap_dashboard.map_nodes(tuple(_nodes()[:1]), True, True)
    finally:
        roadmap_dashboard._map_node.cache_clear()


def former_path_map(*, outline, today, shows_progress=True, planned=(), addresses):
    """path_map() as it was, kept as the reference: each node's state by node_state() and its
    planned week through MilestoneState's properties."""

    texts = map_pages._state_texts(get_language())
    position_state = None
    if shows_progress:
        upcoming = LearnerOverview(today=today, paths=[outline]).next_actions(1)
        position_state = upcoming[0] if upcoming else None
    steps, position, number, used = [], None, 0, set()
    for step_number, step_progress in enumerate(outline.steps, start=1):
        step = step_progress.step
        nodes = []
        for state in step_progress.milestones:
            number += 1
            value = (
                map_pages.node_state(state, today=today, planned=planned)
                if shows_progress
                else map_pages.NOT_STARTED
            )
            node = map_pages.MapNode(
                number=number,
                title=state.milestone.title,
                url=addresses[state.milestone.pk],
                state=value,
                state_text=texts[value],
                is_position=state is position_state,
                planned_week=(
                    state.progress.plan_week
                    if shows_progress and state.progress is not None and not state.is_finished
                    else None
                ),
            )
            if node.is_position:
                position = node
            used.add(value)
            nodes.append(node)
        steps.append(
            map_pages.MapStep(
                number=step_number,
                title=step.title,
                url=url("roadmap:step_detail", path_slug=outline.path.slug, step_slug=step.slug),
                nodes=tuple(nodes),
                done=step_progress.done,
                total=step_progress.total,
            )
        )
    return map_pages.PathMap(
        title=outline.path.title,
        url=url("roadmap:path_detail", path_slug=outline.path.slug),
        steps=tuple(steps),
        position=position,
        shows_progress=shows_progress,
        legend=(
            tuple((s, texts[s]) for s in map_pages.MAP_STATES if s in used)
            if shows_progress
            else ()
        ),
    )


def _random_outline(seed: int):
    """A random outline (tests/roadmap/test_dashboard_afresh.py's overviews: every status,
    target dates around today, planned weeks or none), its milestones numbered, some of them
    in this week's plan."""
    rng = random.Random(seed)
    outline = random_overview(rng, TODAY).paths[0]
    states = [state for step in outline.steps for state in step.milestones]
    for number, state in enumerate(states, start=1):
        state.milestone.pk = number
        state.milestone.slug = f"m{number}"
    planned = {state.milestone.pk for state in states if rng.random() < 0.3}
    addresses = {state.milestone.pk: f"/m/{state.milestone.pk}/" for state in states}
    return outline, planned, addresses


@pytest.mark.parametrize("shows_progress", [True, False])
@pytest.mark.parametrize("seed", range(40))
def test_the_maps_nodes_are_what_node_state_and_the_rows_gave(seed, shows_progress):
    outline, planned, addresses = _random_outline(seed)
    drawn = map_pages.path_map(
        outline=outline,
        today=TODAY,
        shows_progress=shows_progress,
        planned=planned,
        addresses=addresses,
    )
    assert drawn == former_path_map(
        outline=outline,
        today=TODAY,
        shows_progress=shows_progress,
        planned=planned,
        addresses=addresses,
    )


def test_the_random_outlines_meet_every_node_state_with_and_without_a_planned_week():
    seen = set()
    for seed in range(40):
        outline, planned, addresses = _random_outline(seed)
        drawn = map_pages.path_map(
            outline=outline, today=TODAY, planned=planned, addresses=addresses
        )
        seen |= {
            (node.state, node.planned_week is None) for step in drawn.steps for node in step.nodes
        }
    open_states = {map_pages.OVERDUE, map_pages.IN_PROGRESS, map_pages.PLANNED}
    open_states.add(map_pages.NOT_STARTED)
    assert {(state, True) for state in map_pages.MAP_STATES} <= seen
    assert {(state, False) for state in open_states} <= seen


# --- The map's steps, each printed once per process ----------------------------------------------

# partials/path_map.html's step loop as it was before map_steps(), kept as the reference.
FORMER_STEP_LOOP = """<ol class="map-steps">
    {% for step in map.steps %}
    <li class="map-step{% if step.is_finished %} map-step-finished{% endif %}">
      <p class="map-step-head"><span class="map-step-number">{% trans n=step.number %}Step {{ n }}{% endtrans %}</span>
        <a class="map-step-title" href="{{ step.url }}">{{ step.title }}</a>
        {% if map.shows_progress %}<span class="map-step-count">{% trans done=step.done, total=step.total %}{{ done }} of {{ total }} done{% endtrans %}</span>{% endif %}</p>
      <ol class="map-nodes">
        {% if step.nodes %}{{ map_nodes(step.nodes, compact, map.shows_progress) }}{% else %}
        <li class="map-node-empty muted">{{ _("No milestones yet.") }}</li>
        {% endif %}
      </ol>
    </li>
    {% endfor %}
  </ol>"""  # noqa: E501
STEPS_NOW = """<ol class="map-steps">
    {{ map_steps(map.steps, compact, map.shows_progress) }}
  </ol>"""


def _steps() -> list[map_pages.MapStep]:
    # Every field the step partial prints, each varied on its own (the nodes too: none, one of
    # another state, a finished step's), so a key that left one out would hand one step the
    # markup of another.
    nodes = _nodes()
    base = {"number": 2, "title": "Plan <the> & scope", "url": "/paths/p/s/", "done": 1}
    return [
        map_pages.MapStep(**{**base, **change, "nodes": chosen, "total": len(chosen)})
        for change in [{}, {"number": 3}, {"title": "Other"}, {"url": "/paths/p/t/"}, {"done": 0}]
        for chosen in [(), (nodes[0],), (nodes[0], nodes[12]), (nodes[12], nodes[13])]
    ]


@pytest.mark.parametrize("compact", [True, False])
@pytest.mark.parametrize("shows_progress", [True, False])
def test_the_cached_steps_print_what_the_partial_prints_for_each(settings, compact, shows_progress):
    # given: the step partial rendered afresh for each step (as with DEBUG on)
    steps = _steps()
    assert {step.is_finished for step in steps} == {True, False}
    settings.DEBUG = True
    fresh = [roadmap_dashboard.map_steps((step,), compact, shows_progress) for step in steps]
    settings.DEBUG = False

    # when: each step from the cache (twice: the second time every step is a hit), and together
    cached = [
        [roadmap_dashboard.map_steps((step,), compact, shows_progress) for step in steps]
        for _ in range(2)
    ]
    together = roadmap_dashboard.map_steps(tuple(steps), compact, shows_progress)

    # then
    assert cached == [fresh, fresh]
    assert together == "".join(fresh)
    if shows_progress:  # each field varied shows in the markup (a visitor's, all but `done`)
        assert len(set(fresh)) == len(fresh)
    assert "Plan &lt;the&gt; &amp; scope" in together


@pytest.mark.parametrize("language", ["en-gb", "de"])
@pytest.mark.parametrize("compact", [True, False])
@pytest.mark.parametrize("shows_progress", [True, False])
def test_the_steps_print_what_the_maps_former_step_loop_printed(language, compact, shows_progress):
    # given: random outlines' maps (every node state, planned weeks, empty steps or none)
    former, now = (engines["jinja2"].from_string(code) for code in (FORMER_STEP_LOOP, STEPS_NOW))
    with translation.override(language):
        for seed in range(12):
            outline, planned, addresses = _random_outline(seed)
            drawn = map_pages.path_map(
                outline=outline,
                today=TODAY,
                shows_progress=shows_progress,
                planned=planned,
                addresses=addresses,
            )
            context = {"map": drawn, "compact": compact}

            # when / then: the same bytes, the first time (each step a miss) and the second (a hit)
            expected = former.render(context)
            assert now.render(context) == expected
            assert now.render(context) == expected


def test_a_step_partial_that_reads_a_name_outside_its_cache_key_fails_loudly(settings, tmp_path):
    # given: the step partial changed to read the map, which its cache key does not hold
    partial = tmp_path / "roadmap" / "partials" / "map_step.html"
    partial.parent.mkdir(parents=True)
    partial.write_text("<li>{{ step.title }} {{ map.title }}</li>")
    jinja2 = settings.TEMPLATES[1]
    settings.TEMPLATES = [settings.TEMPLATES[0], {**jinja2, "DIRS": [tmp_path, *jinja2["DIRS"]]}]
    roadmap_dashboard._map_step.cache_clear()

    # when / then: the render fails, naming it, instead of printing another map's title from
    # the cache
    try:
        with pytest.raises(jinja2_errors.UndefinedError, match="'map' is undefined"):
            roadmap_dashboard.map_steps(tuple(_steps()[:1]), True, True)
    finally:
        roadmap_dashboard._map_step.cache_clear()


def test_a_steps_cache_key_is_hashed_and_compared_without_a_python_call_per_node():
    # given: two equal steps of ten nodes, not the same objects (as two renders make them)
    def step():
        nodes = tuple(node._replace(number=number) for number, node in enumerate(_nodes()[:10]))
        return map_pages.MapStep(number=1, title="S", url="/s/", nodes=nodes, done=0, total=10)

    first, second = step(), step()
    python_calls = []

    # when: map_steps' lookup of the second under the first's key
    sys.setprofile(lambda frame, event, arg: event == "call" and python_calls.append(frame))
    try:
        assert hash(first) == hash(second) and first == second
    finally:
        sys.setprofile(None)

    # then: the steps' own __hash__ (two) and __eq__, none for their nodes (MapNode is a tuple;
    # as a dataclass it was 33)
    assert len(python_calls) <= 3


# The map partial's former loop over its legend, kept as the reference for
# roadmap_dashboard.map_legend.
FORMER_LEGEND_LOOP = """{% for state, text in map.legend %}<li class="map-{{ state }}"><span class="map-dot" aria-hidden="true"></span> {{ text }}</li>{% endfor %}"""  # noqa: E501
LEGEND_NOW = "{{ map_legend(map.legend) }}"


@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_the_legend_prints_what_the_maps_former_legend_loop_printed(language):
    former, now = (engines["jinja2"].from_string(c) for c in (FORMER_LEGEND_LOOP, LEGEND_NOW))
    with translation.override(language):
        maps = [
            map_pages.path_map(outline=outline, today=TODAY, planned=planned, addresses=addresses)
            for outline, planned, addresses in (_random_outline(seed) for seed in range(12))
        ]
    # and legends whose texts and states need escaping
    awkward = [("done", "<b>R&D</b>"), ('x"y', "it's"), ("skipped", "a\u00a0b")]
    legends = [m.legend for m in maps] + [tuple(awkward), (), tuple(awkward[:1])]
    assert len(set(legends)) > 5
    for legend in legends:
        context = {"map": {"legend": legend}}

        # when / then: the same bytes, a miss and a hit
        assert now.render(context) == former.render(context)
        assert now.render(context) == former.render(context)
