"""The learner's private calendar feed (iCalendar, RFC 5545): the events each app registers
(milestone target dates, exam dates, certification expiries, job applications' next actions) as
all-day events.

Each event's UID names its row (e.g. `milestone-<progress id>@host`), so a calendar that polls
the feed updates or drops the event rather than adding a copy. Accounts knows no app: each app
registers its event source in `AppConfig.ready()` with `calendar_source_register`, one query each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User

PRODID = "-//careerpath//calendar feed//EN"


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    day: dt.date
    summary: str
    description: str
    url: str
    changed_at: dt.datetime


# A source yields a learner's events; `host` goes into each UID (`<kind>-<row id>@<host>`).
CalendarSource = Callable[[User, str], Iterable[FeedEvent]]
_SOURCES: list[CalendarSource] = []


def calendar_source_register(source: CalendarSource) -> CalendarSource:
    """Add an app's events to every learner's feed (call from `AppConfig.ready()`)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "careerpath.local"


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def feed_events(*, learner: User) -> list[FeedEvent]:
    host = _host()
    return [event for source in _SOURCES for event in source(learner, host)]


def feed_ics(*, learner: User) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("careerpath: %(name)s") % {"name": learner.name})
    # A hint for clients that honour it: poll twice a day.
    calendar.add("refresh-interval", dt.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", dt.timedelta(hours=12))
    for item in feed_events(learner=learner):
        event = icalendar.Event()
        event.add("uid", item.uid)
        # DTSTAMP is the row's last change, so an unchanged event reads the same on every poll.
        event.add("dtstamp", item.changed_at.astimezone(dt.UTC))
        event.add("dtstart", item.day)
        event.add("dtend", item.day + dt.timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("url", item.url)
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        calendar.add_component(event)
    return calendar.to_ical()
