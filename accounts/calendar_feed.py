"""The learner's private calendar feed (iCalendar, RFC 5545): milestone target dates, exam
dates, certification expiries and job applications' next actions as all-day events.

Each event's UID names its row (e.g. `milestone-<progress id>@host`), so a calendar that polls
the feed updates or drops the event rather than adding a copy. Four queries whatever the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from certifications.models import CertStatus, LearnerCertification
from portfolio.models import JobApplication
from roadmap.models import MilestoneProgress, ProgressStatus

PRODID = "-//careerpath//calendar feed//EN"


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    day: dt.date
    summary: str
    description: str
    url: str
    changed_at: dt.datetime


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "careerpath.local"


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _milestone_events(learner: User, host: str) -> Iterable[FeedEvent]:
    rows = (
        MilestoneProgress.objects.filter(
            learner=learner, target_date__isnull=False, milestone__retired_at__isnull=True
        )
        .exclude(status__in=[ProgressStatus.DONE, ProgressStatus.SKIPPED])
        .select_related("milestone__step__path")
        .order_by("target_date", "pk")
    )
    for progress in rows:
        milestone = progress.milestone
        yield FeedEvent(
            uid=f"milestone-{progress.pk}@{host}",
            day=progress.target_date,
            summary=_("Target: %(title)s") % {"title": milestone.title},
            description=f"{milestone.step.path.title} · {milestone.step.title}",
            url=_absolute(milestone.get_absolute_url()),
            changed_at=progress.updated_at,
        )


def _certification_events(learner: User, host: str) -> Iterable[FeedEvent]:
    rows = (
        LearnerCertification.objects.filter(learner=learner)
        .exclude(status=CertStatus.DROPPED)
        .select_related("certification")
        .order_by("pk")
    )
    for tracked in rows:
        url = _absolute(tracked.get_absolute_url())
        if tracked.exam_date and tracked.status in (
            CertStatus.PLANNED,
            CertStatus.STUDYING,
            CertStatus.EXAM_BOOKED,
        ):
            yield FeedEvent(
                uid=f"exam-{tracked.pk}@{host}",
                day=tracked.exam_date,
                summary=_("Exam: %(name)s") % {"name": tracked.name},
                description=tracked.issuer,
                url=url,
                changed_at=tracked.updated_at,
            )
        expires_on = tracked.expires_on
        if expires_on and tracked.status in (CertStatus.EARNED, CertStatus.EXPIRED):
            yield FeedEvent(
                uid=f"expiry-{tracked.pk}@{host}",
                day=expires_on,
                summary=_("%(name)s expires") % {"name": tracked.name},
                description=_("The last day the credential is valid."),
                url=url,
                changed_at=tracked.updated_at,
            )


def _application_events(learner: User, host: str) -> Iterable[FeedEvent]:
    rows = (
        JobApplication.objects.open()
        .filter(learner=learner, next_action_on__isnull=False)
        .order_by("next_action_on", "pk")
    )
    for application in rows:
        action = application.next_action or _("Next step")
        yield FeedEvent(
            uid=f"application-{application.pk}@{host}",
            day=application.next_action_on,
            summary=_("%(action)s: %(role)s at %(company)s")
            % {"action": action, "role": application.role, "company": application.company},
            description=application.get_status_display(),
            url=_absolute(application.get_absolute_url()),
            changed_at=application.updated_at,
        )


def feed_events(*, learner: User) -> list[FeedEvent]:
    host = _host()
    return [
        *_milestone_events(learner, host),
        *_certification_events(learner, host),
        *_application_events(learner, host),
    ]


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
