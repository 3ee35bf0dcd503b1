"""Reads of a learner's job applications: the board, the filtered list, one application, and the
follow-ups that are due (for the reminder digest and the calendar)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.fields.json import KT
from django.shortcuts import get_object_or_404

from accounts.models import User
from portfolio.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    ApplicationStatusChange,
    CVCheck,
    JobApplication,
)

__all__ = [
    "DUE_SOON_DAYS",
    "ApplicationFilters",
    "BoardColumn",
    "applications_for",
    "application_get",
    "board_columns",
    "follow_ups_due",
    "follow_ups_due_for_learners",
]

DUE_SOON_DAYS = 7


class Due:
    """Values of the list's "next action" filter."""

    OVERDUE = "overdue"  # an open application whose next action date has passed
    SOON = "soon"  # an open one due today or in the next DUE_SOON_DAYS days
    DATED = "dated"  # any open one with a next action date


class State:
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class ApplicationFilters:
    status: str = ""
    state: str = ""
    q: str = ""
    due: str = ""


def applications_for(
    *,
    learner: User,
    status: str | None = None,
    filters: ApplicationFilters | None = None,
    today: dt.date | None = None,
) -> QuerySet[JobApplication]:
    """The learner's applications, most recently moved first; `status` or `filters` narrow
    them. A "due" filter needs `today` (the learner's date)."""
    filters = filters or ApplicationFilters()
    qs = JobApplication.objects.filter(learner=learner)
    status = status or filters.status
    if status:
        qs = qs.filter(status=status)
    if filters.state == State.OPEN:
        qs = qs.open()
    elif filters.state == State.CLOSED:
        qs = qs.exclude(status__in=OPEN_APPLICATION_STATUSES)
    words = filters.q.split()
    for word in words[:5]:
        qs = qs.filter(Q(company__icontains=word) | Q(role__icontains=word))
    if filters.due and today is not None:
        qs = qs.open().filter(next_action_on__isnull=False)
        if filters.due == Due.OVERDUE:
            qs = qs.filter(next_action_on__lt=today)
        elif filters.due == Due.SOON:
            qs = qs.filter(
                next_action_on__gte=today,
                next_action_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
            )
    return qs.order_by("-status_changed_at", "-id")


def application_get(*, learner: User, pk: int, details: bool = True) -> JobApplication:
    """The learner's own application, with its history, contacts and CV checks unless
    `details` is false (a write needs only the row). Anyone else's (or a missing one) is a 404,
    so nobody learns which ids exist."""
    qs = JobApplication.objects.filter(learner=learner)
    if details:
        qs = qs.prefetch_related(
            "contacts",
            Prefetch(
                "status_changes",
                queryset=ApplicationStatusChange.objects.order_by("changed_at", "id"),
            ),
            Prefetch(
                "cv_checks",
                # the caveat, not the whole result: a withheld score is shown as "no score"
                queryset=CVCheck.objects.only(
                    "id", "application_id", "score", "created_at"
                ).annotate(score_caveat=KT("result__score_caveat")),
            ),
        )
    return get_object_or_404(qs, pk=pk)


@dataclass
class BoardColumn:
    status: str
    label: str
    applications: list[JobApplication] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES


def board_columns(*, learner: User) -> list[BoardColumn]:
    """One column per status in the pipeline's order, each with its applications (one query)."""
    columns = {s.value: BoardColumn(status=s.value, label=str(s.label)) for s in ApplicationStatus}
    for application in applications_for(learner=learner):
        columns[application.status].applications.append(application)
    return list(columns.values())


def follow_ups_due(
    *, learner: User, today: dt.date, days_ahead: int = DUE_SOON_DAYS
) -> QuerySet[JobApplication]:
    """Open applications whose next action is due by `today + days_ahead`, overdue ones
    included, earliest first."""
    return (
        JobApplication.objects.open()
        .filter(learner=learner, next_action_on__lte=today + dt.timedelta(days=days_ahead))
        .order_by("next_action_on", "id")
    )


def follow_ups_due_for_learners(
    *, learners: Sequence[User], today_by_learner: dict[int, dt.date], days_ahead: int
) -> dict[int, list[JobApplication]]:
    """follow_ups_due for many learners at once, each on their own date (one query)."""
    if not learners:
        return {}
    horizon = max(today_by_learner.values()) + dt.timedelta(days=days_ahead)
    found: dict[int, list[JobApplication]] = {}
    for application in (
        JobApplication.objects.open()
        .filter(learner__in=[lr.pk for lr in learners], next_action_on__lte=horizon)
        .order_by("learner_id", "next_action_on", "id")
    ):
        today = today_by_learner[application.learner_id]
        if application.next_action_on <= today + dt.timedelta(days=days_ahead):
            found.setdefault(application.learner_id, []).append(application)
    return found
