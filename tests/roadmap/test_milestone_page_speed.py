"""The milestone page's parts worked out in Python rather than by filters in its template
(roadmap/presenters/browsing.py): each prints what the template printed before."""

import dataclasses
import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation

from roadmap import actions as registry
from roadmap.actions import milestone_action_kind
from roadmap.models import Milestone, MilestoneProgress, ProgressEvent, ProgressStatus
from roadmap.presenters import browsing
from roadmap.presenters.actions import milestone_actions
from roadmap.presenters.activity import HistoryEntry
from roadmap.selectors.progress import MilestoneState

# The history line's time as milestone_detail.html printed it with the |date filter.
HISTORY_TIME = '<time datetime="{{ at|date(\'c\') }}">{{ at|date("j M Y, H:i") }}</time>'


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/London", "Asia/Kolkata", "America/St_Johns", "Pacific/Kiritimati"]
)
@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_the_history_times_are_the_date_filters_in_the_active_zone(zone, language):
    # given: events across two years (both sides of daylight saving, midnight, a month's and a
    # year's end, with and without microseconds)
    times = [
        dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
        + dt.timedelta(hours=37 * n, minutes=n, microseconds=n % 3 * 1001)
        for n in range(0, 480, 7)
    ]
    entries = [
        HistoryEntry(event=ProgressEvent(occurred_at=at), text=str(n)) for n, at in enumerate(times)
    ]
    template = engines["jinja2"].from_string(HISTORY_TIME)

    # when: printed in the learner's zone and language, as the middleware activates them
    with timezone.override(zone), translation.override(language):
        dated = browsing.dated_history(entries)
        printed = [template.render({"at": e.event.occurred_at}) for e in entries]

    # then
    assert [f'<time datetime="{e.iso}">{e.local}</time>' for e in dated] == printed
    assert [e.text for e in dated] == [e.text for e in entries]
    assert [e.event for e in dated] == [e.event for e in entries]


# The "Planned" item as milestone_detail.html printed it with a loop and |date, and as it does now.
PLANNED_LINK = '<a href="{{ url(\'roadmap:plan\') }}">{{ _("your plan") }}</a></li>{% endif %}'
PLANNED_ITEM = (
    "{% if state.progress and state.progress.plan_week and not state.is_finished %}"
    '<li><span class="fact-label">{{ _("Planned") }}</span> <span class="plan-badge">'
    "{% for day, hours in state.progress.plan_weeks %}"
    '{% if loop.first %}{% trans day=day|date("j M Y") %}from the week of {{ day }}{% endtrans %}'
    "{% endif %}{% if loop.last and not loop.first %} "
    '{% trans day=day|date("j M Y") %}to the week of {{ day }}{% endtrans %}{% endif %}'
    "{% endfor %}</span> " + PLANNED_LINK
)
PLANNED_ITEM_NOW = (
    "{% with weeks=page.planned_weeks %}{% if weeks is not none %}"
    '<li><span class="fact-label">{{ _("Planned") }}</span> <span class="plan-badge">'
    "{% if weeks %}{% trans day=weeks[0] %}from the week of {{ day }}{% endtrans %}{% endif %}"
    "{% if weeks|length > 1 %} {% trans day=weeks[1] %}to the week of {{ day }}{% endtrans %}"
    "{% endif %}</span> " + PLANNED_LINK + "{% endwith %}"
)


@pytest.mark.parametrize("language", ["en-gb", "de"])
@pytest.mark.parametrize("status", ProgressStatus.values)
@pytest.mark.parametrize("hours", [None, [], [3.0], [2.0, 4.0], [1.0, 1.0, 1.5, 2.0, 6.0]])
def test_the_planned_weeks_print_what_the_template_loop_printed(language, status, hours):
    # given: a milestone's row unplanned, or planned over none, one or several weeks (one
    # across a year's end)
    progress = MilestoneProgress(
        status=status,
        plan_week=None if hours is None else dt.date(2026, 12, 14),
        plan_hours=hours or [],
    )
    page = browsing.MilestonePage(
        milestone=Milestone(),
        resources=[],
        state=MilestoneState(milestone=Milestone(), progress=progress),
        history=[],
        siblings=[],
        is_enrolled=True,
        today=dt.date(2026, 12, 7),
    )
    env = engines["jinja2"]

    # when
    with translation.override(language):
        before = env.from_string(PLANNED_ITEM).render({"state": page.state})
        now = env.from_string(PLANNED_ITEM_NOW).render({"page": page})

    # then
    assert now == before
    assert ("plan-badge" in now) is (hours is not None and not page.state.is_finished)


def test_the_page_prints_the_planned_item_the_test_above_compares():
    source = Path(settings.BASE_DIR, "templates/jinja2/roadmap/milestone_detail.html").read_text()
    assert PLANNED_ITEM_NOW in source


@contextmanager
def script_prefix(prefix: str):
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        yield
    finally:
        set_script_prefix(before)


# --- The milestones' tools, once per process --------------------------------------------------

ACTIONS = [
    {"kind": "certification", "target": "pmp", "name": "PMP"},
    {"kind": "cv-check", "target": "", "name": ""},
    {"kind": "interview", "target": "technical", "name": "Technical <delivery>"},
    {"kind": "retired-tool", "target": "", "name": ""},
    "junk",
    {"kind": "application-board"},
]


@pytest.fixture
def held_actions(settings):
    settings.DEBUG = False
    browsing._held_actions.clear()
    yield browsing._held_actions
    browsing._held_actions.clear()


@pytest.mark.parametrize("signed_in", [True, False])
@pytest.mark.parametrize("language", ["en-gb", "de"])
@pytest.mark.parametrize("prefix", ["/", "/careers/"])
def test_a_milestones_held_tools_are_what_milestone_actions_makes(
    held_actions, signed_in, language, prefix
):
    milestone = Milestone(pk=7, actions=ACTIONS)
    with translation.override(language), script_prefix(prefix):
        context = browsing.actions_context(signed_in=signed_in)
        first = browsing.held_milestone_actions(milestone, context)
        again = browsing.held_milestone_actions(Milestone(pk=7, actions=list(ACTIONS)), context)
        expected = milestone_actions(milestone, signed_in=signed_in)
    assert first == again == expected and len(expected) == 4
    assert again is first and len(held_actions) == 1
    assert all(link.url.startswith(prefix) for link in expected)


def test_held_tools_follow_the_milestone_the_actions_and_the_kinds(held_actions):
    context = browsing.actions_context(signed_in=True)
    browsing.held_milestone_actions(Milestone(pk=7, actions=ACTIONS), context)

    # another milestone with the same actions: its own id in the links back
    other = browsing.held_milestone_actions(Milestone(pk=8, actions=ACTIONS), context)
    assert other == milestone_actions(Milestone(pk=8, actions=ACTIONS), signed_in=True)
    assert "from=8" in other[1].url

    # the actions changed (an admin's edit, a new content version), in place or not
    changed = [dict(ACTIONS[1]), {"kind": "interview", "target": "behavioural", "name": "B"}]
    milestone = Milestone(pk=7, actions=changed)
    assert browsing.held_milestone_actions(milestone, context) == milestone_actions(
        milestone, signed_in=True
    )
    changed[1]["name"] = "Renamed"
    assert browsing.held_milestone_actions(milestone, context)[1].label.endswith("Renamed")

    # a kind registered again (a reload, a test) with another label
    cv_check = milestone_action_kind("cv-check")
    try:
        registry.milestone_action_kind_register(
            dataclasses.replace(cv_check, label=lambda name: "Another label")
        )
        assert browsing.held_milestone_actions(milestone, context)[0].label == "Another label"
    finally:
        registry.milestone_action_kind_register(cv_check)
    assert browsing.held_milestone_actions(milestone, context)[0].label == cv_check.label("")


def test_no_tools_are_held_under_debug_or_for_a_milestone_without_any(held_actions, settings):
    context = browsing.actions_context(signed_in=True)
    assert browsing.held_milestone_actions(Milestone(pk=7, actions=[]), context) == ()
    assert browsing.held_milestone_actions(Milestone(pk=7, actions=None), context) == ()
    settings.DEBUG = True
    assert browsing.held_milestone_actions(Milestone(pk=7, actions=ACTIONS), context)
    assert not held_actions


def test_held_tools_are_forgotten_when_a_test_changes_the_urlconf(held_actions, settings):
    browsing.held_milestone_actions(Milestone(pk=7, actions=ACTIONS), (True, "en-gb", "/", None))
    assert held_actions
    settings.ROOT_URLCONF = "tests.core.urls_mounted"
    assert not held_actions


# The status card's former loop over its buttons (partials/milestone_status.html), kept as the
# reference for roadmap_dashboard.status_card_buttons.
FORMER_CARD_BUTTONS = """{% for button in state|status_buttons %}
  <button type="submit" name="status" value="{{ button.value }}" class="{{ button.css }}" data-status="{{ button.value }}">{{ button.label }}<span class="visually-hidden">: {{ m.title }}</span></button>{% endfor %}"""  # noqa: E501
CARD_BUTTONS_NOW = "{{ status_card_buttons(state.status, m.title) }}"


@pytest.mark.parametrize("language", ["en-gb", "de"])
@pytest.mark.parametrize("status", [None, *ProgressStatus.values])
def test_the_status_card_buttons_print_what_the_cards_former_loop_printed(language, status):
    former, now = (
        engines["jinja2"].from_string(code) for code in (FORMER_CARD_BUTTONS, CARD_BUTTONS_NOW)
    )
    printed = set()
    for title in ["Plan <the> & scope", 'say "hi"', "it's", "plain"]:
        milestone = Milestone(id=1, title=title)
        progress = None if status is None else MilestoneProgress(status=status)
        context = {"state": MilestoneState(milestone=milestone, progress=progress), "m": milestone}
        with translation.override(language):
            # when / then: the same bytes, a miss and a hit
            expected = former.render(context)
            assert now.render(context) == expected
            assert now.render(context) == expected
        printed.add(expected)
    assert len(printed) == 4  # the title is in each
