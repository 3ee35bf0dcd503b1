"""A learner with at least one row in every learner-owned table (accounts/ownership.py),
for the export and account-deletion tests. Rows are made directly: these tests are about what
is stored, not about how the apps' services write it."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from allauth.account.models import EmailAddress, EmailConfirmation
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts import services
from accounts.models import User
from certifications.models import (
    CertificationRenewal,
    CertStatus,
    CreditActivity,
    LearnerCertification,
)
from portfolio.models import (
    ApplicationContact,
    ApplicationStatus,
    ApplicationStatusChange,
    CVCheck,
    InterviewQuestion,
    JobApplication,
    PracticeAnswer,
    Project,
    ProjectKind,
    ProjectLink,
    PublicPortfolio,
    QuestionCategory,
)
from reminders.models import ReminderDelivery
from roadmap.models import (
    CareerPath,
    Enrollment,
    EvidenceLink,
    LearnerPlan,
    MilestoneProgress,
    PlanRevision,
    ProgressEvent,
    ProgressStatus,
    ReminderKind,
)
from tests.accounts.factories import UserFactory
from tests.certifications.factories import CertificationFactory, RenewalCategoryFactory
from tests.roadmap.factories import build_roadmap, path_milestones

_calls = itertools.count()


@dataclass
class LearnerData:
    learner: User
    access_token: str
    calendar_secret: str
    public_slug: str


def full_learner_data(
    learner: User | None = None, *, path: CareerPath | None = None, rows: int = 1
) -> LearnerData:
    """`learner` (or a new one) with `rows` rows of most kinds, at least one of each."""
    learner = learner or UserFactory()
    path = path or build_roadmap(steps=1, milestones_per_step=max(3, rows))
    milestones = path_milestones(path)
    now = timezone.now()
    today = timezone.localdate()
    key = f"{learner.pk}"
    call = next(_calls)  # unique values when a learner gets more data

    address = EmailAddress.objects.get_or_create(
        user=learner, email=learner.email, defaults={"primary": True, "verified": True}
    )[0]
    EmailConfirmation.objects.create(email_address=address, key=f"confirm-{key}-{call}", sent=now)
    learner.groups.add(Group.objects.get_or_create(name="editors")[0])
    learner.user_permissions.add(Permission.objects.get(codename="view_course"))
    _row, token = services.access_token_create(learner=learner, name="backup", lifetime_days=30)
    secret = services.calendar_feed_reset(user=learner)

    Enrollment.objects.get_or_create(learner=learner, path=path)
    for index in range(rows):
        milestone = milestones[index % len(milestones)]
        progress, _created = MilestoneProgress.objects.get_or_create(
            learner=learner,
            milestone=milestone,
            defaults={
                "status": ProgressStatus.IN_PROGRESS,
                "started_at": now,
                "target_date": today + dt.timedelta(days=5 + index),
                "notes": f"Private notes of {learner.email}",
            },
        )
        EvidenceLink.objects.create(progress=progress, url=f"https://example.com/{key}/{index}")
        ProgressEvent.objects.create(
            learner=learner,
            milestone=milestone,
            kind="status",
            from_status=ProgressStatus.NOT_STARTED,
            to_status=ProgressStatus.IN_PROGRESS,
            occurred_at=now,
        )
    LearnerPlan.objects.get_or_create(learner=learner, defaults={"starts_on": today})
    PlanRevision.objects.create(
        learner=learner, reason="replan", previous={"hours_per_week": 6}, created_at=now
    )
    ReminderDelivery.objects.create(
        learner=learner,
        kind=ReminderKind.DIGEST,
        period_key=f"digest:weekly:{key}-{call}",
        claimed_at=now,
        subject=f"Digest for {learner.email}",
    )

    certification = CertificationFactory(validity_months=24)
    category = RenewalCategoryFactory(certification=certification)
    tracked = LearnerCertification.objects.create(
        learner=learner,
        certification=certification,
        status=CertStatus.EARNED,
        earned_on=today - dt.timedelta(days=30),
        credential_id=f"CRED-{key}",
    )
    LearnerCertification.objects.create(
        learner=learner,
        custom_name=f"Custom cert of {key}",
        status=CertStatus.EXAM_BOOKED,
        exam_date=today + dt.timedelta(days=20),
    )
    CreditActivity.objects.create(
        learner_certification=tracked,
        date=today,
        credits=2,
        category=category,
        description="Webinar",
    )
    CertificationRenewal.objects.create(
        learner_certification=tracked,
        renewed_on=today,
        previous_expires_on=today - dt.timedelta(days=400 + call),
        new_expires_on=today + dt.timedelta(days=30),
        previous_status=CertStatus.EXPIRED,
        credits_counted=2,
        credits_needed=60,
        credit_name="PDU",
    )

    project = Project.objects.create(learner=learner, title="Chatbot", kind=ProjectKind.JOB)
    project.milestones.add(milestones[0])
    ProjectLink.objects.create(project=project, url=f"https://github.com/{key}/chatbot")
    public_slug = f"learner-{key}"
    PublicPortfolio.objects.get_or_create(
        learner=learner, defaults={"slug": public_slug, "is_published": True}
    )
    application = JobApplication.objects.create(
        learner=learner,
        company=f"Company of {key}",
        role="AI Project Manager",
        status=ApplicationStatus.APPLIED,
        status_changed_at=now,
        next_action="Follow up",
        next_action_on=today + dt.timedelta(days=3),
    )
    ApplicationStatusChange.objects.create(
        application=application, to_status=ApplicationStatus.APPLIED, changed_at=now
    )
    ApplicationContact.objects.create(application=application, name="Recruiter")
    CVCheck.objects.create(
        learner=learner, application=application, cv_text="cv", job_text="job", score=50
    )
    question_category = QuestionCategory.objects.get_or_create(
        slug="behavioural", defaults={"name": "Behavioural"}
    )[0]
    question = InterviewQuestion.objects.get_or_create(
        slug="conflict", defaults={"category": question_category, "text": "A conflict?"}
    )[0]
    PracticeAnswer.objects.create(learner=learner, question=question, confidence=3)
    return LearnerData(
        learner=learner, access_token=token, calendar_secret=secret, public_slug=public_slug
    )
