"""Shared set-up for the reminder tests: learners enrolled on a small path, with progress."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from accounts.models import DigestFrequency
from roadmap.models import CareerPath, Milestone, ProgressStatus
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import EnrollmentFactory, MilestoneProgressFactory


def milestones_of(path: CareerPath) -> list[Milestone]:
    return list(
        Milestone.objects.filter(step__path=path)
        .select_related("step__path")
        .order_by("step__position", "position", "id")
    )


def learner_on(
    path: CareerPath,
    *,
    timezone: str = "UTC",
    frequency: str = DigestFrequency.DAILY,
    hour: int = 9,
    weekday: int = 0,
    **extra,
):
    """A verified learner enrolled on `path`, with the given reminder preferences."""
    learner = UserFactory(
        timezone=timezone,
        digest_frequency=frequency,
        digest_hour=hour,
        digest_weekday=weekday,
        **extra,
    )
    EnrollmentFactory(learner=learner, path=path)
    return learner


def progress(learner, milestone, status=ProgressStatus.IN_PROGRESS, **fields):
    if status == ProgressStatus.DONE:
        fields.setdefault("completed_at", dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC))
    return MilestoneProgressFactory(learner=learner, milestone=milestone, status=status, **fields)


def outbox_for(email: str, kind: str = "") -> list:
    """Emails sent to `email`; with `kind` ("digest", "nudge"), only that kind."""
    return [
        m
        for m in mail.outbox
        if m.to == [email] and m.extra_headers["X-Careerpath-Reminder"].startswith(kind)
    ]
