"""Portfolio reminders: the digest's "Applications to follow up" section."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from portfolio.selectors.applications import DUE_SOON_DAYS, follow_ups_due_for_learners
from reminders.services.registry import DigestItem, DigestSection
from reminders.services.unsubscribe import absolute_url


def _zone_date(learner: User, now: dt.datetime) -> dt.date:
    try:
        return timezone.localdate(now, learner.zone)
    except (ValueError, LookupError):
        return timezone.localdate(now, dt.UTC)


def application_digest_sections(learners: Sequence[User], now: dt.datetime) -> dict:
    """Open applications whose next action is due within a week (or overdue), on each
    learner's own date. One query for the whole batch."""
    today_by_learner = {learner.pk: _zone_date(learner, now) for learner in learners}
    due = follow_ups_due_for_learners(
        learners=learners, today_by_learner=today_by_learner, days_ahead=DUE_SOON_DAYS
    )
    title = _("Applications to follow up")
    sections = {}
    for learner_id, applications in due.items():
        today = today_by_learner[learner_id]
        items = []
        for application in applications:
            what = application.next_action or _("Follow up")
            when = application.next_action_on
            if when < today:
                note = _("was due %(date)s") % {"date": formats.date_format(when)}
            elif when == today:
                note = _("due today")
            else:
                note = _("due %(date)s") % {"date": formats.date_format(when)}
            items.append(
                DigestItem(
                    text=_("%(action)s: %(role)s at %(company)s")
                    % {"action": what, "role": application.role, "company": application.company},
                    url=absolute_url(application.get_absolute_url()),
                    note=note,
                )
            )
        sections[learner_id] = [DigestSection(title=title, items=tuple(items))]
    return sections
