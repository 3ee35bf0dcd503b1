"""Milestone target dates and the plan's weeks in the learner's calendar feed (registered in
RoadmapConfig.ready)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from accounts.calendar_feed import FeedEvent, absolute_url
from accounts.models import User
from roadmap.models import LearnerPlan, MilestoneProgress, ProgressStatus


def milestone_events(learner: User, host: str) -> Iterable[FeedEvent]:
    """Each open milestone's target date, and the plan's work as its own events: one per
    milestone and planned week, on the week's first study day. One query."""
    rows = (
        MilestoneProgress.objects.filter(learner=learner, milestone__retired_at__isnull=True)
        .filter(Q(target_date__isnull=False) | Q(plan_week__isnull=False))
        .exclude(status__in=[ProgressStatus.DONE, ProgressStatus.SKIPPED])
        .select_related("milestone__step__path")
        .annotate(
            study_days=Subquery(
                LearnerPlan.objects.filter(learner=OuterRef("learner")).values("weekdays")[:1]
            )
        )
        .order_by("target_date", "pk")
    )
    for progress in rows:
        milestone = progress.milestone
        where = f"{milestone.step.path.title} · {milestone.step.title}"
        url = absolute_url(milestone.get_absolute_url())
        if progress.target_date is not None:
            yield FeedEvent(
                uid=f"milestone-{progress.pk}@{host}",
                day=progress.target_date,
                summary=_("Target: %(title)s") % {"title": milestone.title},
                description=where,
                url=url,
                changed_at=progress.updated_at,
            )
        if not progress.study_days:
            continue  # planned once, but the plan is gone
        first_day = min(int(d) for d in progress.study_days)
        for week_start, hours in progress.plan_weeks:
            yield FeedEvent(
                uid=f"plan-{progress.pk}-{week_start:%Y%m%d}@{host}",
                day=week_start + dt.timedelta(days=first_day),
                summary=_("Planned: %(title)s (%(hours)s h this week)")
                % {"title": milestone.title, "hours": f"{hours:g}"},
                description=where,
                url=url,
                changed_at=progress.updated_at,
            )
