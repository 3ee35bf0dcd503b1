"""Roadmap's milestone nudges: an email when a target date comes near (due) and one when it
has been missed (overdue), each once per milestone and date, re-checked at send time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.template.loader import get_template
from django.utils.translation import gettext as _

from core.email import RenderedEmail
from reminders.models import ReminderDelivery
from reminders.selectors import learner_zone
from reminders.services.email import reminder_headers
from reminders.services.unsubscribe import UnsubscribeKind, unsubscribe_url
from roadmap.models import ProgressStatus, ReminderKind
from roadmap.reminders.digest import Links, short_date
from roadmap.selectors import reminders as selectors


def _nudge_subject(*, kind: str, days_left: int, title: str, target: dt.date) -> str:
    if kind == ReminderKind.NUDGE_OVERDUE:
        return _("Missed target date (%(date)s): %(title)s") % {
            "date": short_date(target),
            "title": title,
        }
    if days_left == 0:
        return _("Due today: %(title)s") % {"title": title}
    if days_left == 1:
        return _("Due tomorrow: %(title)s") % {"title": title}
    return _("Due in %(n)d days: %(title)s") % {"n": days_left, "title": title}


def nudges_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    """Nudge emails by delivery id; None when the nudge no longer applies (done, date moved)."""
    progress = selectors.nudge_progress(pairs=[(d.learner_id, d.milestone_id) for d in deliveries])
    links = Links()
    html_template = get_template("roadmap/email/nudge.html")
    text_template = get_template("roadmap/email/nudge.txt")
    rendered: dict[int, RenderedEmail | None] = {}
    for delivery in deliveries:
        learner = delivery.learner
        row = progress.get((delivery.learner_id, delivery.milestone_id))
        milestone = row.milestone if row is not None else None
        today = now.astimezone(learner_zone(learner)).date()
        overdue = delivery.kind == ReminderKind.NUDGE_OVERDUE
        still_applies = (
            learner.nudges_enabled
            and milestone is not None
            and milestone.retired_at is None
            and row is not None
            and row.status not in (ProgressStatus.DONE, ProgressStatus.SKIPPED)
            and row.target_date == delivery.target_date
            and (row.target_date < today if overdue else row.target_date >= today)
        )
        if not still_applies:
            rendered[delivery.pk] = None
            continue
        days_left = (delivery.target_date - today).days
        subject = _nudge_subject(
            kind=delivery.kind, days_left=days_left, title=milestone.title, target=row.target_date
        )
        unsubscribe = unsubscribe_url(learner=learner, kind=UnsubscribeKind.NUDGES)
        headers = reminder_headers(
            unsubscribe=unsubscribe, key=delivery.period_key, delivery_id=delivery.pk
        )
        context = {
            "name": learner.name,
            "subject": subject,
            "overdue": overdue,
            "days_left": days_left,
            "title": milestone.title,
            "why": milestone.why,
            "path": milestone.step.path.title,
            "step": milestone.step.title,
            "target": short_date(row.target_date),
            "status": ProgressStatus(row.status).label,
            "milestone_url": links.milestone(milestone),
            "dashboard_url": links.dashboard,
            "settings_url": links.settings,
            "unsubscribe_url": unsubscribe,
        }
        rendered[delivery.pk] = RenderedEmail(
            to=learner.email,
            subject=subject,
            text=text_template.render(context),
            html=html_template.render(context),
            headers=headers,
        )
    return rendered
