"""The one list of what a learner owns: every model holding their rows, and how it reaches them.

The export writes one table per entry and account deletion is checked against it; a test walks
every installed model's foreign keys and fails when a model that reaches the user is missing
here and is not listed in NOT_LEARNER_OWNED with a reason. Models are named by label, so this
module imports no app's models.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class OwnedTable:
    """One learner-owned model, as it appears in the export."""

    name: str  # the export's table name (a JSON key, a CSV file name)
    model_label: str  # "app_label.ModelName"
    lookup: str  # from the model to the learner, e.g. "progress__learner"; "pk" for the User
    description: str
    exclude: tuple[str, ...] = ()  # secrets never leave the database, not even to their owner
    # Catalogue context worth having next to an id, e.g. the title of the milestone a row is for.
    labels: tuple[str, ...] = ()

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Exported columns: the model's own columns (foreign keys as `<name>_id`) in model
        order, then the catalogue labels."""
        own = tuple(
            f.attname for f in self.model._meta.concrete_fields if f.name not in self.exclude
        )
        return own + self.labels

    def rows_of(self, learner) -> QuerySet:
        """The learner's rows, oldest first. Every lookup follows to-one relations only, so a
        row appears once."""
        return self.model._base_manager.filter(**{self.lookup: learner.pk}).order_by("pk")


LEARNER_OWNED: tuple[OwnedTable, ...] = (
    OwnedTable(
        "account",
        "accounts.User",
        "pk",
        "The account: email, profile, reminder preferences, dates.",
        exclude=("password", "calendar_token_hash"),
    ),
    OwnedTable(
        "email_addresses", "account.EmailAddress", "user", "Email addresses and their state."
    ),
    OwnedTable(
        "email_confirmations",
        "account.EmailConfirmation",
        "email_address__user",
        "Pending email confirmations (the confirmation key is left out).",
        exclude=("key",),
    ),
    OwnedTable(
        "user_groups", "accounts.User_groups", "user", "Staff groups.", labels=("group__name",)
    ),
    OwnedTable(
        "user_permissions",
        "accounts.User_user_permissions",
        "user",
        "Staff permissions.",
        labels=("permission__codename",),
    ),
    OwnedTable(
        "access_tokens",
        "accounts.PersonalAccessToken",
        "learner",
        "Personal access tokens for the API (names and dates; the tokens are not kept).",
        exclude=("token_hash",),
    ),
    OwnedTable(
        "enrollments",
        "roadmap.Enrollment",
        "learner",
        "Career paths joined.",
        labels=("path__slug", "path__title"),
    ),
    OwnedTable(
        "milestone_progress",
        "roadmap.MilestoneProgress",
        "learner",
        "Status, dates and private notes per milestone.",
        labels=("milestone__slug", "milestone__title", "milestone__step__path__slug"),
    ),
    OwnedTable(
        "evidence_links",
        "roadmap.EvidenceLink",
        "progress__learner",
        "Evidence links on milestones.",
        labels=("progress__milestone__title",),
    ),
    OwnedTable(
        "progress_events",
        "roadmap.ProgressEvent",
        "learner",
        "The history of every progress change.",
        labels=("milestone__title",),
    ),
    OwnedTable(
        "reminder_deliveries",
        "reminders.ReminderDelivery",
        "learner",
        "Reminder emails sent or due (subject, period, status).",
    ),
    OwnedTable(
        "certifications",
        "certifications.LearnerCertification",
        "learner",
        "Certifications tracked, with status and dates.",
        labels=("certification__slug", "certification__name"),
    ),
    OwnedTable(
        "credit_activities",
        "certifications.CreditActivity",
        "learner_certification__learner",
        "Renewal credits logged.",
        labels=("category__name",),
    ),
    OwnedTable(
        "certification_renewals",
        "certifications.CertificationRenewal",
        "learner_certification__learner",
        "Renewals recorded: the expiry before and after, and the credits of the cycle closed.",
    ),
    OwnedTable("projects", "portfolio.Project", "learner", "Portfolio projects."),
    OwnedTable(
        "project_milestones",
        "portfolio.Project_milestones",
        "project__learner",
        "Which milestones each project completes.",
        labels=("milestone__title",),
    ),
    OwnedTable("project_links", "portfolio.ProjectLink", "project__learner", "Project links."),
    OwnedTable(
        "public_portfolio", "portfolio.PublicPortfolio", "learner", "The public portfolio page."
    ),
    OwnedTable("job_applications", "portfolio.JobApplication", "learner", "Job applications."),
    OwnedTable(
        "application_status_changes",
        "portfolio.ApplicationStatusChange",
        "application__learner",
        "Each application's status history.",
    ),
    OwnedTable(
        "application_contacts",
        "portfolio.ApplicationContact",
        "application__learner",
        "Contacts for applications.",
    ),
    OwnedTable("cv_checks", "portfolio.CVCheck", "learner", "CV checks and their results."),
    OwnedTable(
        "practice_answers",
        "portfolio.PracticeAnswer",
        "learner",
        "Interview practice answers.",
        labels=("question__slug", "question__text"),
    ),
)

# Every other model of the project and of the libraries it installs, with why it is not the
# learner's own. A new model must be added to one of the two lists (a test checks).
NOT_LEARNER_OWNED: dict[str, str] = {
    "admin.LogEntry": (
        "Staff audit trail: it names other people's records, so it is not exported; it is "
        "deleted with the staff member's account (cascade)."
    ),
    "auth.Permission": "Catalogue of permissions, shared by everyone.",
    "auth.Group": "Staff groups, shared; membership is in user_groups.",
    "auth.Group_permissions": "Which permissions a shared group has.",
    "contenttypes.ContentType": "Django's catalogue of models.",
    "sessions.Session": (
        "Login sessions hold no foreign key; deleting the account logs this session out and "
        "leaves other sessions pointing at no user (anonymous)."
    ),
    "roadmap.CareerPath": "Roadmap catalogue, curated by admins.",
    "roadmap.Step": "Roadmap catalogue.",
    "roadmap.Milestone": "Roadmap catalogue.",
    "roadmap.Course": "Course catalogue.",
    "roadmap.Course_steps": "Course catalogue.",
    "roadmap.MilestoneResource": "Roadmap catalogue.",
    "certifications.Certification": "Certification catalogue.",
    "certifications.Certification_milestones": "Certification catalogue.",
    "certifications.RenewalCategory": "Certification catalogue.",
    "portfolio.QuestionCategory": "Interview question bank, curated by admins.",
    "portfolio.InterviewQuestion": "Interview question bank, curated by admins.",
    "curation.LinkCheck": "Health of the catalogue's links, for admins; names no learner.",
    "curation.CourseInsight": "A read-only view of the course catalogue (proxy, no table).",
    "curation.CertificationInsight": "A read-only view of the certification catalogue (proxy).",
    "curation.MilestoneInsight": "A read-only view of the roadmap catalogue (proxy, no table).",
    "curation.StepInsight": "A read-only view of the roadmap catalogue (proxy, no table).",
}


def owned_table(name: str) -> OwnedTable:
    return next(t for t in LEARNER_OWNED if t.name == name)
