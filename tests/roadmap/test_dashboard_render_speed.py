"""The dashboard's first render after a change (roadmap.views.dashboard with a new stamp): a fixed
number of queries at any size, and the same markup from the cheaper ways it is now built (the
badge tags for the shared partials, cached dates, the recent events' milestones taken from the
overview, every progress row of the learner read at once)."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import jinja2
import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from roadmap.models import (
    Milestone,
    MilestoneProgress,
    ProgressEvent,
    ProgressEventKind,
    ProgressStatus,
    Step,
)
from roadmap.presenters import activity as activity_pages
from roadmap.selectors import paths as path_selectors
from roadmap.selectors.progress import MilestoneState, learner_enrolled_paths, learner_overview
from roadmap.services import progress as services
from roadmap.templatetags import roadmap_dashboard
from tests.roadmap.factories import (
    EnrollmentFactory,
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)
from tests.roadmap.test_dashboard_afresh import random_activity

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("roadmap:dashboard")
TODAY = dt.date(2026, 3, 11)


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


# --- Queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_a_fresh_render_reads_a_fixed_number_of_queries(
    client, settings, steps, per_step, django_assert_max_num_queries
):
    # given: no page cache, two enrolled paths, progress with target dates (next up, overdue,
    # due soon) and more events than the page lists, one of them on a retired milestone
    settings.DASHBOARD_CACHE_SECONDS = 0
    path = build_roadmap(steps=steps, milestones_per_step=per_step)
    learner = enrolled_learner(path)
    EnrollmentFactory(learner=learner, path=build_roadmap(steps=2, milestones_per_step=3))
    milestones = path_milestones(path)
    today = path_selectors.learner_today(learner)
    for offset, milestone in enumerate(milestones[:10]):
        services.milestone_status_set(
            learner=learner, milestone=milestone, status=ProgressStatus.IN_PROGRESS
        )
        MilestoneProgress.objects.filter(learner=learner, milestone=milestone).update(
            target_date=today + dt.timedelta(days=offset - 3)
        )
    for milestone in milestones[10:]:
        services.milestone_status_set(
            learner=learner, milestone=milestone, status=ProgressStatus.DONE
        )
    milestones[-1].retired_at = timezone.now()
    milestones[-1].save()
    client.force_login(learner)

    content_snapshot_read()  # the roadmap as most views find it (its reload has its own pin)

    # when
    with django_assert_max_num_queries(5):
        response = client.get(DASHBOARD)

    # then: session, user, stamp, then one read of the learner's rows (the enrolments with the
    # content version, the progress rows, the activity by day, the recent events), and one for
    # the retired milestone's event
    assert response.status_code == 200
    assert response.content.count(b'class="badge badge-overdue"') == 3 + 3  # next up, overdue
    assert milestones[-1].title.encode() in response.content


def test_recent_events_read_only_the_milestones_the_overview_lacks(
    django_assert_num_queries,
):
    # given: events on two milestones of the path, and the latest on one since retired
    path = build_roadmap(steps=1, milestones_per_step=3)
    learner = enrolled_learner(path)
    m = path_milestones(path)
    for i, milestone in enumerate(m):
        ProgressEvent.objects.create(
            learner=learner,
            milestone=milestone,
            kind=ProgressEventKind.STATUS,
            to_status="done",
            occurred_at=at(TODAY) + dt.timedelta(minutes=i),
        )
    m[2].retired_at = timezone.now()
    m[2].save()
    overview = learner_overview(learner=learner, today=TODAY)
    known = {s.milestone.pk: s.milestone for s in overview.milestones}

    # when
    with django_assert_num_queries(2):
        given = activity_pages.recent_activity(learner=learner, milestones=known)
        links = [e.event.milestone.get_absolute_url() for e in given]
    with django_assert_num_queries(1):
        joined = activity_pages.recent_activity(
            learner=learner, milestones={**known, m[2].pk: m[2]}
        )

    # then: the same entries as the joined query's, the overview's own milestones reused
    plain = activity_pages.recent_activity(learner=learner)
    assert [(e.event.pk, e.event.milestone.pk, e.text) for e in given] == [
        (e.event.pk, e.event.milestone.pk, e.text) for e in plain
    ]
    assert [e.event.pk for e in joined] == [e.event.pk for e in plain]
    assert links == [e.event.milestone.get_absolute_url() for e in plain]
    assert given[1].event.milestone is known[m[1].pk]


def test_the_overview_of_every_path_ignores_rows_on_paths_left():
    # given: progress on an enrolled path and on one the learner left
    path = build_roadmap(steps=2, milestones_per_step=2, slug="kept")
    left = build_roadmap(steps=1, milestones_per_step=2, slug="left")
    learner = enrolled_learner(path)
    for milestone in path_milestones(path)[:1] + path_milestones(left):
        services.milestone_status_set(
            learner=learner, milestone=milestone, status=ProgressStatus.DONE
        )

    # when: every enrolled path (one query for all the learner's rows) and the same paths named
    every = learner_overview(learner=learner, today=TODAY)
    named = learner_overview(
        learner=learner, today=TODAY, paths=learner_enrolled_paths(learner=learner)
    )

    # then
    assert (every.total, every.done) == (named.total, named.done) == (4, 1)
    assert [(s.milestone.pk, s.progress and s.progress.pk) for s in every.milestones] == [
        (s.milestone.pk, s.progress and s.progress.pk) for s in named.milestones
    ]


# --- The same markup ----------------------------------------------------------------------------


@pytest.fixture
def state_for():
    path = build_roadmap(steps=1, milestones_per_step=1)
    milestone = path_milestones(path)[0]

    def make(status: str | None, target: dt.date | None) -> MilestoneState:
        progress = None
        if status is not None:
            progress = MilestoneProgress(milestone=milestone, status=status, target_date=target)
        return MilestoneState(milestone=milestone, progress=progress)

    return make


OFFSETS = [None, -400, -8, -1, 0, 1, 2, 7, 8, 30, 1200]


@pytest.mark.parametrize("status", [None, *ProgressStatus.values])
def test_the_badge_tags_print_the_partials(state_for, status):
    # given: each status, with target dates before, on and after today (overdue by one day or
    # many, due today, due soon, later) and none
    for offset, today in itertools.product(OFFSETS, [TODAY, dt.date(2026, 12, 31)]):
        target = today + dt.timedelta(days=offset) if offset is not None else None
        state = state_for(status, target)

        # when: the tags (twice: the second from the cache) and the includes
        tags = [
            render(
                "{% load roadmap_dashboard %}"
                "{% status_badge state %} {% target_badge state today %}",
                state=state,
                today=today,
            )
            for _ in range(2)
        ]
        includes = render(
            '{% include "roadmap/partials/status_badge.html" %}'
            ' {% include "roadmap/partials/target_badge.html" %}',
            state=state,
            today=today,
        )

        # then
        assert tags == [includes, includes], (status, offset)


def test_a_badge_partial_that_reads_a_field_outside_its_cache_key_fails_loudly(
    settings, tmp_path, state_for
):
    # given: the status badge partial changed to read a field its cache key does not hold
    partial = tmp_path / "roadmap" / "partials" / "status_badge.html"
    partial.parent.mkdir(parents=True)
    partial.write_text("{{ state.status_label }} {{ state.notes }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    roadmap_dashboard._status_badge.cache_clear()
    state = state_for(ProgressStatus.IN_PROGRESS, TODAY)

    # when / then: rendering the cached badge raises, naming the field, instead of printing it
    # empty for every learner who shares the cache entry
    try:
        with pytest.raises(roadmap_dashboard.PartialReadsMore, match="state.notes"):
            render("{% load roadmap_dashboard %}{% status_badge state %}", state=state)
    finally:
        roadmap_dashboard._status_badge.cache_clear()


def test_the_badge_tags_read_the_partials_afresh_with_debug_on(settings, state_for):
    settings.DEBUG = True
    state = state_for(ProgressStatus.IN_PROGRESS, TODAY)

    tag = render(
        "{% load roadmap_dashboard %}{% target_badge state today %}", state=state, today=TODAY
    )

    assert tag == render(
        '{% include "roadmap/partials/target_badge.html" %}', state=state, today=TODAY
    )
    assert "Due today" in tag


@pytest.mark.parametrize("fmt", ["", ':"j M"', ':"l j F"', ':"Y-m-d"'])
def test_day_text_is_the_date_filter(fmt):
    days = [TODAY + dt.timedelta(days=n) for n in range(-90, 400, 7)]
    for day in days:
        for _ in range(2):  # the second from the cache
            assert render(
                "{% load roadmap_dashboard %}{{ day|day_text" + fmt + " }}", day=day
            ) == render("{{ day|date" + fmt + " }}", day=day)


def test_the_page_prints_each_badge_and_date_the_old_way(client, settings):
    # given: a learner with a started milestone overdue, one due soon and one due later
    settings.DASHBOARD_CACHE_SECONDS = 0
    path = build_roadmap(steps=2, milestones_per_step=3)
    learner = enrolled_learner(path)
    today = path_selectors.learner_today(learner)
    m = path_milestones(path)
    for milestone, offset in zip(m[:3], (-2, 3, 20), strict=True):
        services.milestone_status_set(
            learner=learner, milestone=milestone, status=ProgressStatus.IN_PROGRESS
        )
        MilestoneProgress.objects.filter(learner=learner, milestone=milestone).update(
            target_date=today + dt.timedelta(days=offset)
        )
    client.force_login(learner)

    # when
    page = client.get(DASHBOARD).content.decode()

    # then: the badges as the partials print them, and the heatmap's dates as |date does
    overview = learner_overview(learner=learner, today=today)
    for state in overview.next_actions(3):
        expected = render(
            '<a href="{{ state.milestone.get_absolute_url }}">{{ state.milestone.title }}</a>\n'
            '        <span class="muted">· {{ state.milestone.step.title }}</span>\n'
            '        {% include "roadmap/partials/status_badge.html" %}'
            ' {% include "roadmap/partials/target_badge.html" %}',
            state=state,
            today=today,
        )
        assert expected in page
    for state in overview.overdue + overview.due_soon:
        expected = render(
            '<li><a href="{{ state.milestone.get_absolute_url }}">{{ state.milestone.title }}</a>'
            ' {% include "roadmap/partials/target_badge.html" %}</li>',
            state=state,
            today=today,
        )
        assert expected in page
    start = today - dt.timedelta(days=activity_pages.HEATMAP_DAYS - 1)
    assert render("from {{ s|date }} to {{ t|date }},", s=start, t=today) in page
    assert render('<th scope="row">{{ d|date:"j M" }} – ', d=start) in page


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/London", "Asia/Kolkata", "America/St_Johns", "Pacific/Kiritimati"]
)
def test_the_recent_changes_times_are_the_date_filters_in_the_active_zone(zone):
    # given: events across a year (both sides of daylight saving, midnight, a month's end)
    times = [
        dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC) + dt.timedelta(hours=37 * n, minutes=n)
        for n in range(0, 240, 7)
    ]
    entries = [
        activity_pages.HistoryEntry(event=ProgressEvent(occurred_at=at), text=str(n))
        for n, at in enumerate(times)
    ]

    # when: printed in the learner's zone, as the dashboard's middleware activates it
    with timezone.override(zone):
        timed = activity_pages.timed_history(entries)
        printed = [
            render('{{ at|date:"c" }} {{ at|date:"j M, H:i" }}', at=e.event.occurred_at)
            for e in entries
        ]

    # then
    assert [f"{e.iso} {e.local}" for e in timed] == printed
    assert [e.text for e in timed] == [e.text for e in entries]


@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 12, 31), dt.date(2027, 3, 1)])
def test_the_heatmap_labels_and_week_rows_print_what_the_template_loops_printed(today):
    # given: heatmaps ending on days that start and end months, with quiet, busy and very busy
    # weeks (a thousand changes and more)
    loops = engines["jinja2"].from_string(
        "{% for label in heatmap.month_labels %}"
        '<text class="heatmap-label" x="{{ label.x }}" y="{{ label.y }}">{{ label.text }}</text>'
        "{% endfor %}|{% for label in heatmap.weekday_labels %}"
        '<text class="heatmap-label" x="{{ label.x }}" y="{{ label.y }}">{{ label.text }}</text>'
        '{% endfor %}|{% for week in heatmap.weeks %}<tr><th scope="row">'
        '{{ week.start|day_text("j M") }} – {{ week.end|day_text("j M") }}</th>'
        "<td>{{ week.count }}</td><td>{{ week.active_days }}</td></tr>{% endfor %}"
    )
    helpers = engines["jinja2"].from_string(
        "{{ heatmap_labels(heatmap.month_labels) }}|{{ heatmap_labels(heatmap.weekday_labels) }}"
        "|{{ heatmap_week_rows(heatmap.weeks) }}"
    )
    for busy in (0, 1, 5, 1234):
        counts = {today - dt.timedelta(days=n): busy * (n % 4) for n in range(0, 90, 3)}
        heatmap = activity_pages.build_heatmap(counts=counts, today=today)

        # when / then: twice, the second time from the cache
        for _ in range(2):
            assert helpers.render({"heatmap": heatmap}) == loops.render({"heatmap": heatmap})


def test_the_heatmaps_quiet_days_are_shared_but_a_learners_active_days_are_their_own():
    # given: one learner busy on some days, then another with no change at all, on the same day
    busy = {TODAY - dt.timedelta(days=n): n + 1 for n in (0, 1, 5, 40, 83)}

    # when
    first = activity_pages.build_heatmap(counts=busy, today=TODAY)
    second = activity_pages.build_heatmap(counts={}, today=TODAY)
    again = activity_pages.build_heatmap(counts=busy, today=TODAY)

    # then: the second shows nothing of the first's, and both are laid out the same, a day's
    # column from the Monday of the first week and its row by weekday
    assert {c.day: c.count for c in first.cells if c.count} == busy
    assert [c.count for c in second.cells] == [0] * activity_pages.HEATMAP_DAYS
    assert first.cells == again.cells
    monday = first.cells[0].day - dt.timedelta(days=first.cells[0].day.weekday())
    for cell, quiet in zip(first.cells, second.cells, strict=True):
        assert (cell.day, cell.x, cell.y) == (quiet.day, quiet.x, quiet.y)
        assert cell.x == activity_pages.LEFT + (cell.day - monday).days // 7 * activity_pages.PITCH
        assert cell.y == activity_pages.TOP + cell.day.weekday() * activity_pages.PITCH
        assert cell.level == activity_pages.heatmap_level(cell.count)
    assert (first.total, second.total) == (sum(busy.values()), 0)


# The dashboard's former loop over its recent changes, kept as the reference for
# roadmap_dashboard.recent_changes.
FORMER_RECENT_LOOP = """<ul class="history-list">
    {% for entry in dash.recent %}
    <li><time datetime="{{ entry.iso }}">{{ entry.local }}</time> · <a href="{{ links[entry.event.milestone_id] }}">{{ entry.event.milestone.title }}</a>: {{ entry.text }}</li>
    {% endfor %}
  </ul>"""  # noqa: E501
RECENT_TAG = """<ul class="history-list">
    {{ recent_changes(dash.recent, links) }}
  </ul>"""


@pytest.mark.parametrize("count", [0, 1, 6])
def test_the_recent_changes_print_what_the_template_loop_printed(count):
    # given: lines whose every value needs escaping (markup, quotes, ampersands), one kept safe
    # already (as a translation may be), and a link with a query string
    awkward = ["<b>R&D</b>", 'say "hi"', "it's", "a\u00a0b", "plain"]
    entries = []
    for n in range(count):
        event = ProgressEvent(id=n, milestone_id=n, occurred_at=at(TODAY))
        event.milestone = Milestone(id=n, title=awkward[n % len(awkward)] + str(n))
        entries.append(
            activity_pages.TimedHistoryEntry(
                event=event,
                text=mark_safe("<em>done</em>") if n == 1 else awkward[(n + 2) % len(awkward)],
                iso=f"2026-03-11T10:0{n}:00+00:00",
                local=f"11 Mar, 10:0{n} <{n}>",
            )
        )
    links = {n: f"/paths/a&b/{n}/?x='{n}'\"" for n in range(count)}
    dash = {"recent": entries}
    former, tag = (engines["jinja2"].from_string(s) for s in (FORMER_RECENT_LOOP, RECENT_TAG))

    # when / then: the same bytes
    assert tag.render({"dash": dash, "links": links}) == former.render(
        {"dash": dash, "links": links}
    )


def test_a_recent_change_on_a_milestone_without_a_link_fails_the_render():
    # given: a line whose milestone the page's links lack
    event = ProgressEvent(id=1, milestone_id=99, occurred_at=at(TODAY))
    entry = activity_pages.TimedHistoryEntry(event=event, text="x", iso="i", local="l")

    # when / then
    with pytest.raises(KeyError):
        roadmap_dashboard.recent_changes([entry], {})


# The dashboard's former loops over "Next up" and its target dates, kept as the reference for
# roadmap_dashboard.next_up and target_date_lines.
FORMER_LIST_LOOPS = """<ol class="todo-list" id="next-actions">
      {% for state in next_actions %}
      <li>
        <a href="{{ links[state.milestone.id] }}">{{ state.milestone.title }}</a>
        <span class="muted">· {{ state.milestone.step.title }}</span>
        {{ status_badge(state) }} {{ target_badge(state, today) }}
      </li>
      {% endfor %}
    </ol>
    <ul class="todo-list" id="overdue-list" aria-labelledby="overdue-heading">
      {% for state in overdue %}<li><a href="{{ links[state.milestone.id] }}">{{ state.milestone.title }}</a> {{ target_badge(state, today) }}</li>{% endfor %}
    </ul>"""  # noqa: E501
LIST_FUNCTIONS = """<ol class="todo-list" id="next-actions">
      {{ next_up(next_actions, links, today) }}
    </ol>
    <ul class="todo-list" id="overdue-list" aria-labelledby="overdue-heading">
      {{ target_date_lines(overdue, links, today) }}
    </ul>"""


@pytest.mark.parametrize("count", [0, 1, 7])
@pytest.mark.parametrize("debug", [False, True])
def test_next_up_and_the_target_dates_print_what_the_template_loops_printed(settings, count, debug):
    # given: milestones whose titles, steps and links need escaping, in every status, with
    # target dates passed, today, soon, later and none (so every badge), on two days
    settings.DEBUG = debug
    awkward = ["<b>R&D</b>", 'say "hi"', "it's", "a\u00a0b", "plain"]
    statuses = [None, *ProgressStatus.values]
    offsets = [None, -9, -1, 0, 1, 7, 30]
    for today in [TODAY, dt.date(2026, 12, 31)]:
        states = []
        for n in range(count):
            step = Step(id=n, title=awkward[(n + 1) % len(awkward)] + f" step {n}")
            milestone = Milestone(id=n, title=awkward[n % len(awkward)] + str(n), step=step)
            status, offset = statuses[n % len(statuses)], offsets[n % len(offsets)]
            progress = None
            if status is not None:
                target = None if offset is None else today + dt.timedelta(days=offset)
                progress = MilestoneProgress(status=status, target_date=target)
            states.append(MilestoneState(milestone=milestone, progress=progress))
        links = {n: f"/paths/a&b/{n}/?x='{n}'\"" for n in range(count)}
        context = {"next_actions": states, "overdue": states, "links": links, "today": today}
        former, functions = (
            engines["jinja2"].from_string(s) for s in (FORMER_LIST_LOOPS, LIST_FUNCTIONS)
        )

        # when / then: the same bytes (twice: the badges from the cache the second time)
        for _ in range(2):
            assert functions.render(context) == former.render(context), today


def test_a_next_up_line_without_a_link_fails_the_render():
    state = MilestoneState(
        milestone=Milestone(id=99, title="t", step=Step(title="s")), progress=None
    )

    with pytest.raises(KeyError):
        roadmap_dashboard.next_up([state], {}, TODAY)
    with pytest.raises(KeyError):
        roadmap_dashboard.target_date_lines([state], {}, TODAY)


# The heatmap partial as it was before its frame and its legend were held (heatmap_head,
# heatmap_legend), kept as the reference.
FORMER_HEATMAP = """<figure class="heatmap">
  <div class="heatmap-scroll">
  <svg class="heatmap-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{ heatmap.width }} {{ heatmap.height }}" width="{{ heatmap.width }}" height="{{ heatmap.height }}" role="img" aria-labelledby="heatmap-title heatmap-summary">
    <title id="heatmap-title">{% trans start=heatmap.start|day_text, end=heatmap.today|day_text %}Your activity from {{ start }} to {{ end }}, one square per day{% endtrans %}</title>
    {{ heatmap_labels(heatmap.month_labels) }}
    {{ heatmap_labels(heatmap.weekday_labels) }}
    {{ heatmap_cells(heatmap) }}
  </svg>
  </div>
  <figcaption id="heatmap-summary" class="heatmap-summary">
    {% trans n=heatmap.total, active=heatmap.active_days, days=heatmap.days %}{{ n }} change on {{ active }} of the last {{ days }} days.{% pluralize n %}{{ n }} changes on {{ active }} of the last {{ days }} days.{% endtrans %}
    {% if heatmap.busiest %}{% trans day=heatmap.busiest.day|day_text("l j F"), n=heatmap.busiest.count %}Busiest day: {{ day }} ({{ n }}).{% endtrans %}{% endif %}
    {% trans n=heatmap.longest_streak %}Longest run in this time: {{ n }} day in a row.{% pluralize n %}Longest run in this time: {{ n }} days in a row.{% endtrans %}
  </figcaption>
  <ul class="heatmap-legend" aria-label="{{ _('Colour key: changes per day') }}">
    <li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect class="heat heat-0" width="12" height="12" rx="2"/></svg> {{ _("none") }}</li>
    <li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect class="heat heat-1" width="12" height="12" rx="2"/></svg> 1</li>
    <li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect class="heat heat-2" width="12" height="12" rx="2"/></svg> 2–3</li>
    <li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect class="heat heat-3" width="12" height="12" rx="2"/></svg> 4–6</li>
    <li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect class="heat heat-4" width="12" height="12" rx="2"/></svg> {{ _("7 or more") }}</li>
  </ul>
  <details class="heatmap-table">
    <summary>{{ _("Activity by week, as a table") }}</summary>
    <table>
      <caption class="visually-hidden">{{ _("Changes per week over the last 12 weeks") }}</caption>
      <thead><tr><th scope="col">{{ _("Week") }}</th><th scope="col">{{ _("Changes") }}</th><th scope="col">{{ _("Active days") }}</th></tr></thead>
      <tbody>
        {{ heatmap_week_rows(heatmap.weeks) }}
      </tbody>
    </table>
  </details>
</figure>
"""  # noqa: E501


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_the_heatmap_prints_what_it_printed_before_its_frame_and_legend_were_held(
    settings, debug, language
):
    # given: random charts (any day, lengths of whole weeks and not, quiet and busy days), in
    # two languages, the frame and legend held (DEBUG off) or rendered afresh (on)
    settings.DEBUG = debug
    former = engines["jinja2"].from_string(FORMER_HEATMAP)
    partial = engines["jinja2"].get_template("roadmap/partials/heatmap.html")
    heads = set()
    with translation.override(language):
        for seed in range(30):
            today, days, counts = random_activity(random.Random(seed))
            heatmap = activity_pages.build_heatmap(counts=counts, today=today, days=days)

            # when / then: the same bytes, a miss and a hit
            expected = former.render({"heatmap": heatmap})
            assert partial.render({"heatmap": heatmap}) == expected, seed
            assert partial.render({"heatmap": heatmap}) == expected, seed
            heads.add(roadmap_dashboard.heatmap_head(heatmap))
    assert len(heads) > 20  # the frames differ by day and length


@pytest.mark.parametrize(
    ("partial_name", "source", "error", "raises"),
    [
        (
            "heatmap_head.html",
            "{{ heatmap.width }} {{ heatmap.total }}",
            roadmap_dashboard.PartialReadsMore,
            "heatmap.total",
        ),
        (
            "heatmap_legend.html",
            "{{ _('none') }} {{ heatmap.total }}",
            jinja2.exceptions.UndefinedError,
            "'heatmap' is undefined",
        ),
    ],
)
def test_a_heatmap_frame_or_legend_that_reads_more_than_its_key_fails_loudly(
    settings, tmp_path, partial_name, source, error, raises
):
    # given: the partial changed to read a learner's figure its cache key does not hold
    partial = tmp_path / "roadmap" / "partials" / partial_name
    partial.parent.mkdir(parents=True)
    partial.write_text(source)
    backend = settings.TEMPLATES[1]
    settings.TEMPLATES = [settings.TEMPLATES[0], {**backend, "DIRS": [tmp_path, *backend["DIRS"]]}]
    roadmap_dashboard._heatmap_head.cache_clear()
    roadmap_dashboard._heatmap_legend.cache_clear()
    heatmap = activity_pages.build_heatmap(counts={TODAY: 3}, today=TODAY)

    # when / then: it raises, naming the field, instead of printing from the cache what another
    # learner's chart showed
    try:
        with pytest.raises(error, match=raises):
            roadmap_dashboard.heatmap_head(heatmap)
            roadmap_dashboard.heatmap_legend()
    finally:
        roadmap_dashboard._heatmap_head.cache_clear()
        roadmap_dashboard._heatmap_legend.cache_clear()
