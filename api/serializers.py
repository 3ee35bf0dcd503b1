"""What the API sends and accepts. Output serializers read the apps' objects (and the
selectors' dataclasses); input serializers only validate: every write goes through a service."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import DateField, SingleLineField
from certifications.models import CertStatus
from core.bounds import SALARY_MAX
from portfolio.models import ApplicationStatus, JobApplication
from roadmap.models import MilestoneKind, ProgressStatus
from roadmap.services.progress import NOTES_MAX_LENGTH


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know (a typo must not be silently ignored) and an empty
    change."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown field.")] for name in unknown}, code="unknown_field"
            )
        if not attrs:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _("Send at least one of: %(fields)s.") % {"fields": ", ".join(self.fields)}
                    ]
                },
                code="empty",
            )
        return attrs


def absolute(path: str) -> str:
    return settings.SITE_URL + path


# --- Paths and steps ----------------------------------------------------------------------------


class MilestoneSummarySerializer(serializers.Serializer):
    """A milestone inside a step, from a selectors' MilestoneState."""

    id = serializers.IntegerField(source="milestone.pk")
    slug = serializers.CharField(source="milestone.slug")
    title = serializers.CharField(source="milestone.title")
    kind = serializers.ChoiceField(source="milestone.kind", choices=MilestoneKind.choices)
    status = serializers.ChoiceField(choices=ProgressStatus.choices)
    target_date = serializers.DateField(allow_null=True)


class StepSerializer(serializers.Serializer):
    """A step with the learner's counts (from a StepProgress)."""

    slug = serializers.CharField(source="step.slug")
    title = serializers.CharField(source="step.title")
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    skipped = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Whole percent; skipped milestones leave it.")
    milestones = MilestoneSummarySerializer(many=True)


class PathSerializer(serializers.Serializer):
    """A path the learner is enrolled in, with their progress (from a PathProgress)."""

    slug = serializers.CharField(source="path.slug")
    title = serializers.CharField(source="path.title")
    summary = serializers.CharField(source="path.summary")
    url = serializers.SerializerMethodField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    skipped = serializers.IntegerField()
    percent = serializers.IntegerField()
    is_complete = serializers.BooleanField()

    def get_url(self, outline) -> str:
        return absolute(outline.path.get_absolute_url())


class PathDetailSerializer(PathSerializer):
    steps = StepSerializer(many=True)


# --- Milestones ---------------------------------------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    label = serializers.CharField()
    created_at = serializers.DateTimeField()


class MilestoneSerializer(serializers.Serializer):
    """A milestone of one of the learner's paths with their progress (from
    api.selectors.learner_milestones)."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    effort_hours = serializers.IntegerField()
    path = serializers.CharField(source="step.path.slug")
    step = serializers.CharField(source="step.slug")
    step_title = serializers.CharField(source="step.title")
    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(source="my_status", choices=ProgressStatus.choices)
    started_at = serializers.DateTimeField(source="my_progress.started_at", allow_null=True)
    completed_at = serializers.DateTimeField(source="my_progress.completed_at", allow_null=True)
    target_date = serializers.DateField(source="my_progress.target_date", allow_null=True)
    notes = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    def to_representation(self, milestone):
        # The prefetched list holds the learner's one progress row, or nothing yet.
        milestone.my_progress = milestone.mine[0] if milestone.mine else None
        return super().to_representation(milestone)

    def get_url(self, milestone) -> str:
        return absolute(milestone.get_absolute_url())

    def get_notes(self, milestone) -> str:
        return milestone.my_progress.notes if milestone.my_progress else ""

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, milestone):
        progress = milestone.my_progress
        return EvidenceSerializer(progress.evidence.all() if progress else [], many=True).data


class MilestoneUpdateSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(choices=ProgressStatus.choices, required=False)
    target_date = DateField(
        required=False, allow_null=True, help_text="Today or later in your timezone; null clears."
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH, trim_whitespace=False
    )


# --- Certifications -----------------------------------------------------------------------------


class CertificationSerializer(serializers.Serializer):
    """One of the learner's certifications (from certifications.selectors.TrackerRow)."""

    id = serializers.IntegerField(source="tracked.pk")
    name = serializers.CharField(source="tracked.name")
    issuer = serializers.CharField(source="tracked.issuer")
    catalogue_slug = serializers.SerializerMethodField()
    status = serializers.ChoiceField(source="tracked.status", choices=CertStatus.choices)
    effective_status = serializers.ChoiceField(
        source="status",
        choices=CertStatus.choices,
        help_text="The status, or expired once an earned certification's expiry date passed.",
    )
    exam_date = serializers.DateField(source="tracked.exam_date", allow_null=True)
    earned_on = serializers.DateField(source="tracked.earned_on", allow_null=True)
    expires_on = serializers.DateField(source="tracked.expires_on", allow_null=True)
    expires_on_override = serializers.DateField(
        source="tracked.expires_on_override", allow_null=True
    )
    days_to_expiry = serializers.IntegerField(allow_null=True)
    credential_id = serializers.CharField(source="tracked.credential_id")
    verification_url = serializers.CharField(source="tracked.verification_url")
    expiry_notice_days = serializers.ListField(
        source="tracked.notice_days", child=serializers.IntegerField()
    )
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="tracked.created_at")
    updated_at = serializers.DateTimeField(source="tracked.updated_at")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_catalogue_slug(self, row):
        return row.tracked.certification.slug if row.tracked.certification_id else None

    def get_url(self, row) -> str:
        return absolute(row.tracked.get_absolute_url())


class CertificationUpdateSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(choices=CertStatus.choices, required=False)
    exam_date = DateField(required=False, help_text="With status exam_booked (or while it is).")
    earned_on = DateField(
        required=False, help_text="With status earned or expired: today or earlier."
    )
    credential_id = SingleLineField(required=False, allow_blank=True, max_length=100)
    verification_url = SingleLineField(required=False, allow_blank=True, max_length=500)
    expires_on_override = DateField(
        required=False, allow_null=True, help_text="Overrides the computed expiry; null resets."
    )
    expiry_notice_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=365),
        required=False,
        min_length=1,
        max_length=5,
        help_text="Days before expiry to remind you, e.g. [60, 30, 7].",
    )


# --- Job applications ---------------------------------------------------------------------------


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class ApplicationSerializer(serializers.Serializer):
    """One of the learner's job applications."""

    id = serializers.IntegerField()
    company = serializers.CharField()
    role = serializers.CharField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    status_changed_at = serializers.DateTimeField()
    is_open = serializers.BooleanField()
    posting_url = serializers.CharField()
    source = serializers.CharField()
    salary_min = serializers.IntegerField(allow_null=True)
    salary_max = serializers.IntegerField(allow_null=True)
    salary_currency = serializers.CharField()
    next_action = serializers.CharField()
    next_action_on = serializers.DateField(allow_null=True)
    notes = serializers.CharField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_url(self, application) -> str:
        return absolute(application.get_absolute_url())


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.CharField(help_text="Empty for the first status.")
    to_status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    changed_at = serializers.DateTimeField()


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    notes = serializers.CharField()


class ApplicationDetailSerializer(ApplicationSerializer):
    history = StatusChangeSerializer(source="status_changes.all", many=True)
    contacts = ContactSerializer(source="contacts.all", many=True)


class ApplicationUpdateSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(
        choices=ApplicationStatus.choices,
        required=False,
        help_text="Moves the application on the board; the change is kept in its history.",
    )
    company = SingleLineField(required=False, max_length=_max_length(JobApplication, "company"))
    role = SingleLineField(required=False, max_length=_max_length(JobApplication, "role"))
    posting_url = SingleLineField(
        required=False,
        allow_blank=True,
        max_length=_max_length(JobApplication, "posting_url"),
        help_text="http:// or https://, or empty.",
    )
    source = SingleLineField(
        required=False, allow_blank=True, max_length=_max_length(JobApplication, "source")
    )
    salary_min = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=SALARY_MAX
    )
    salary_max = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=SALARY_MAX
    )
    salary_currency = SingleLineField(
        required=False, allow_blank=True, max_length=3, help_text="ISO 4217, e.g. EUR."
    )
    next_action = SingleLineField(
        required=False, allow_blank=True, max_length=_max_length(JobApplication, "next_action")
    )
    next_action_on = DateField(required=False, allow_null=True)
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=_max_length(JobApplication, "notes"),
        trim_whitespace=False,
    )


# --- The personal plan --------------------------------------------------------------------------


class PlanMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    planned_hours = serializers.FloatField()


class PlanWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="A Monday, in your timezone.")
    planned_hours = serializers.FloatField(help_text="Never more than hours_per_week.")
    milestones = PlanMilestoneSerializer(many=True)


class MissedAnchorSerializer(serializers.Serializer):
    milestone_id = serializers.IntegerField()
    due = serializers.DateField()
    finishes_week = serializers.DateField()


class PlanSerializer(serializers.Serializer):
    """Your plan: every open milestone's remaining hours laid over your weeks."""

    hours_per_week = serializers.IntegerField(min_value=1, max_value=40)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), help_text="0 is Monday."
    )
    finish_by = serializers.DateField(allow_null=True)
    projected_finish = serializers.DateField(allow_null=True)
    weeks = PlanWeekSerializer(many=True)
    missed_anchors = MissedAnchorSerializer(
        many=True, help_text="Fixed dates the plan cannot keep at your hours a week."
    )


class PlanUpdateSerializer(StrictInputSerializer):
    hours_per_week = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=40,
        help_text="From 1 to 40.",
        error_messages={
            "min_value": "Hours a week must be a whole number from 1 to 40.",
            "max_value": "Hours a week must be a whole number from 1 to 40.",
        },
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        allow_empty=True,
        max_length=7,
        help_text="Days you study, 0 (Monday) to 6; at least one.",
    )
    finish_by = DateField(
        required=False, allow_null=True, help_text="Today or later in your timezone; null clears."
    )
