"""Booked exams as fixed dates of the learner's plan (registered in CertificationsConfig.ready)."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from certifications.models import CertStatus, LearnerCertification


def exam_anchors(learner: User) -> dict[int, dt.date]:
    """{milestone id: the day before the exam} for the milestones of each certification whose
    exam the learner has booked: their study must be over before the exam day. One query."""
    rows = LearnerCertification.objects.filter(
        learner=learner,
        status=CertStatus.EXAM_BOOKED,
        exam_date__isnull=False,
        certification__milestones__isnull=False,
    ).values_list("certification__milestones", "exam_date")
    anchors: dict[int, dt.date] = {}
    for milestone_id, exam_date in rows:
        due = exam_date - dt.timedelta(days=1)
        anchors[milestone_id] = min(due, anchors.get(milestone_id, due))
    return anchors
