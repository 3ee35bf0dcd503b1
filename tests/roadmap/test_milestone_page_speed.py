"""The milestone page's parts worked out in Python rather than by filters in its template
(roadmap/presenters/browsing.py): each prints what the template printed before."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.utils import timezone, translation

from roadmap.models import Milestone, MilestoneProgress, ProgressEvent, ProgressStatus
from roadmap.presenters import browsing
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
