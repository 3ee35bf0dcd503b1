"""The milestone page's parts worked out in Python rather than by filters in its template
(roadmap/presenters/browsing.py): each prints what the template printed before."""

import datetime as dt

import pytest
from django.template import engines
from django.utils import timezone, translation

from roadmap.models import ProgressEvent
from roadmap.presenters import browsing
from roadmap.presenters.activity import HistoryEntry

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
