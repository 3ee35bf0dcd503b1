"""Booked exams as fixed dates of the learner's plan (registered in CertificationsConfig.ready)."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from certifications.models import Certification, CertStatus, LearnerCertification
from core.db import PreparedQuery

# Every re-plan runs it, so every planned learner's status change, most of them for a learner
# with no booked exam: a statement prepared once per connection (core/db.py), not a join the ORM
# builds and PostgreSQL plans each time (issue 17). The link table's rows name only catalogue
# certifications, so the learner's custom ones (no certification) never match.
_BOOKED_EXAMS = PreparedQuery(
    name="certifications_booked_exam_milestones",
    sql=(
        f"SELECT cm.milestone_id, lc.exam_date FROM {LearnerCertification._meta.db_table} lc"
        f" JOIN {Certification.milestones.through._meta.db_table} cm"
        " ON cm.certification_id = lc.certification_id"
        " WHERE lc.learner_id = %(learner)s AND lc.status = %(status)s"
        " AND lc.exam_date IS NOT NULL"
    ),
)


def exam_anchors(learner: User) -> dict[int, dt.date]:
    """{milestone id: the day before the exam} for the milestones of each certification whose
    exam the learner has booked: their study must be over before the exam day. One query."""
    rows = _BOOKED_EXAMS.fetchall({"learner": learner.pk, "status": CertStatus.EXAM_BOOKED.value})
    anchors: dict[int, dt.date] = {}
    for milestone_id, exam_date in rows:
        if isinstance(exam_date, str):  # SQLite answers a date as its text
            exam_date = dt.date.fromisoformat(exam_date)
        due = exam_date - dt.timedelta(days=1)
        anchors[milestone_id] = min(due, anchors.get(milestone_id, due))
    return anchors
