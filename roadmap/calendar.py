"""Milestone target dates in the learner's calendar feed (registered in RoadmapConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from accounts.calendar_feed import FeedEvent, absolute_url
from accounts.models import User
from roadmap.models import MilestoneProgress, ProgressStatus


def milestone_events(learner: User, host: str) -> Iterable[FeedEvent]:
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
            url=absolute_url(milestone.get_absolute_url()),
            changed_at=progress.updated_at,
        )
