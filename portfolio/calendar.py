"""Applications' next actions in the learner's calendar feed (PortfolioConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from accounts.calendar_feed import FeedEvent, absolute_url
from accounts.models import User
from portfolio.models import JobApplication


def application_events(learner: User, host: str) -> Iterable[FeedEvent]:
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
            url=absolute_url(application.get_absolute_url()),
            changed_at=application.updated_at,
        )
