"""Career paths, their ordered steps and milestones, the course catalogue, and learner progress."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.addresses import url
from core.bounds import HOURS_MAX
from core.dates import date_in_window

http_url_validator = URLValidator(schemes=["http", "https"])


class CareerPathQuerySet(models.QuerySet["CareerPath"]):
    def published(self) -> "CareerPathQuerySet":
        return self.filter(is_published=True)


class CareerPath(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # The data file's version last loaded; admins' own paths leave it empty.
    source_version = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CareerPathQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    # The pages print these addresses by the dozen (the dashboard some ten a view): url() is
    # reverse() remembered per process, URLconf and script prefix (core/addresses.py).
    def get_absolute_url(self) -> str:
        return url("roadmap:path_detail", path_slug=self.slug)


class Step(models.Model):
    path = models.ForeignKey(CareerPath, on_delete=models.CASCADE, related_name="steps")
    slug = models.SlugField()
    title = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["path", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["path", "slug"], name="step_unique_slug_per_path")
        ]

    def __str__(self) -> str:
        return f"{self.path.title}: {self.title}" if self.path_id else self.title

    def get_absolute_url(self) -> str:
        return url("roadmap:step_detail", path_slug=self.path.slug, step_slug=self.slug)


class MilestoneKind(models.TextChoices):
    LEARN = "learn", _("Learn")
    PRACTISE = "practise", _("Practise")
    CERTIFY = "certify", _("Certify")
    BUILD = "build", _("Build")
    APPLY = "apply", _("Apply")


class MilestoneQuerySet(models.QuerySet["Milestone"]):
    def active(self) -> "MilestoneQuerySet":
        """Milestones still on the roadmap; retired ones keep learners' history but drop out."""
        return self.filter(retired_at__isnull=True)


class Milestone(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="milestones")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    why = models.TextField(_("why it matters"), blank=True)
    how = models.TextField(_("how to do it"), blank=True, help_text=_("One step per line."))
    kind = models.CharField(
        max_length=10, choices=MilestoneKind.choices, default=MilestoneKind.LEARN
    )
    effort_hours = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(HOURS_MAX)]
    )
    position = models.PositiveIntegerField(default=0)
    # Removed from the data file: hidden from the roadmap, never deleted, so progress survives.
    retired_at = models.DateTimeField(null=True, blank=True)
    # The tools the milestone offers (roadmap/actions.py), set by the data file's loader only:
    # [{"kind": "certification", "target": "pmp", "name": "PMP"}, ...]. Read with the milestone,
    # so a page shows them without a query of its own.
    actions = models.JSONField(default=list, blank=True, editable=False)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["step__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "slug"], name="milestone_unique_slug_per_step")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url(
            "roadmap:milestone_detail",
            path_slug=self.step.path.slug,
            step_slug=self.step.slug,
            milestone_slug=self.slug,
        )

    @property
    def how_steps(self) -> list[str]:
        return [line.strip() for line in self.how.splitlines() if line.strip()]


class CourseLevel(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class CourseQuerySet(models.QuerySet["Course"]):
    def free(self) -> "CourseQuerySet":
        return self.filter(is_free=True)


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=120)
    url = models.URLField(max_length=500, validators=[http_url_validator])
    is_free = models.BooleanField(default=False)
    cost_amount = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    cost_currency = models.CharField(max_length=3, blank=True, help_text=_("ISO 4217, e.g. USD"))
    hours = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(HOURS_MAX)]
    )
    level = models.CharField(
        max_length=12, choices=CourseLevel.choices, default=CourseLevel.BEGINNER
    )
    steps = models.ManyToManyField(Step, related_name="courses", blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_free=True, cost_amount__isnull=True)
                | models.Q(is_free=False, cost_amount__isnull=False),
                name="course_free_xor_cost",
                violation_error_message=_("A course is either free or has a cost amount."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.provider})"

    @property
    def cost_display(self) -> str:
        if self.is_free:
            return str(_("Free"))
        return f"{self.cost_amount} {self.cost_currency}".strip()


class MilestoneResource(models.Model):
    """A curated resource on a milestone: a catalogue course, or a plain link."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="resources")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True, validators=[http_url_validator])
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(course__isnull=False) | ~models.Q(url=""),
                name="resource_course_or_url",
                violation_error_message=_("A resource needs a course or a URL."),
            )
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or (self.course.title if self.course_id else self.url)

    @property
    def link(self) -> str:
        return self.url or (self.course.url if self.course_id else "")


class ContentVersion(models.Model):
    """One row (id 1) whose token changes on every write to the curated content tables.

    Database triggers (roadmap/content_triggers.py, created by migration 0009) set `token` to a
    random value on any insert, update, delete or truncate of those tables, however it is made:
    the admin, the loader, QuerySet.update(), bulk_create, raw SQL. A process keeps the published
    content it read under the token it read it with (roadmap/selectors/content_snapshot.py) and
    reads it again when the token differs. Random rather than a counter: a rolled-back
    transaction (every test) would bring a counter back to a value some process already holds
    other content under. No row (after a flush): nothing is kept, every page reads afresh.
    """

    token = models.BigIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return f"content version {self.token}"


class Enrollment(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    path = models.ForeignKey(CareerPath, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "path"], name="enrollment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.path}"


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class MilestoneProgress(models.Model):
    """One learner's state on one milestone. A missing row means "not started"."""

    # No index of its own: progress_unique leads with the learner, and every status change
    # would write a second copy (docs/performance.md, issue 17).
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="milestone_progress",
        db_index=False,
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(
        max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.NOT_STARTED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True, validators=[date_in_window])
    notes = models.TextField(blank=True, max_length=10_000)
    # "I already have this": done before joining, so it never counts as this week's work.
    prior_learning = models.BooleanField(default=False)
    # The personal plan's weeks for this milestone (roadmap/planning.py), distinct from the
    # learner's own target date: the Monday of the first planned week and the hours planned in
    # it and each following week. `planned_at` marks a row the learner's plan has placed (or
    # found finished), so a progress change knows to re-plan without asking for the plan.
    plan_week = models.DateField(null=True, blank=True)
    plan_hours = models.JSONField(default=list, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "milestone progress"
        constraints = [
            models.UniqueConstraint(fields=["learner", "milestone"], name="progress_unique")
        ]
        # No index holds the status: a status change is then a HOT update, one that writes no
        # index at all while its page has room (issue 17). The learner's rows by status are
        # read through progress_unique, which leads with the learner (a few hundred rows each).
        indexes = [models.Index(fields=["target_date"], name="progress_target_date")]

    def __str__(self) -> str:
        return f"{self.learner} / {self.milestone}: {self.status}"

    @property
    def plan_weeks(self) -> list[tuple[dt.date, float]]:
        """The planned (week start, hours), in order; empty when not planned."""
        if self.plan_week is None:
            return []
        return [
            (self.plan_week + dt.timedelta(weeks=n), float(hours))
            for n, hours in enumerate(self.plan_hours)
        ]

    @property
    def plan_last_week(self) -> dt.date | None:
        weeks = self.plan_weeks
        return weeks[-1][0] if weeks else None


class GoalKind(models.TextChoices):
    HOURS = "hours", _("Hours a week")
    MILESTONES = "milestones", _("Milestones a week")


class LearnerPlan(models.Model):
    """A learner's plan settings: their weekly hours, study days, finish-by date and weekly goal.
    The planned weeks themselves are on their MilestoneProgress rows."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_plan"
    )
    hours_per_week = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    # Study days as digits, 0 = Monday: "01234" is Monday to Friday.
    weekdays = models.CharField(max_length=7, default="01234")
    finish_by = models.DateField(null=True, blank=True)
    goal_kind = models.CharField(max_length=10, choices=GoalKind.choices, default=GoalKind.HOURS)
    # Milestones a week when goal_kind is milestones; an hours goal is the weekly budget.
    goal_milestones = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    # The Monday the plan was last made from (Re-plan from this week moves it).
    starts_on = models.DateField()
    # Anchors the plan cannot keep: [{"milestone_id", "due", "finishes_week"}].
    missed_anchors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.learner}: {self.hours_per_week} h a week"

    @property
    def weekday_list(self) -> list[int]:
        return sorted(int(d) for d in self.weekdays)


class PlanRevisionReason(models.TextChoices):
    CREATED = "created", _("Plan made")
    SETTINGS = "settings", _("Settings changed")
    REPLAN = "replan", _("Re-planned from this week")


class PlanRevision(models.Model):
    """The plan as it was before a re-plan or a change of settings: the history."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_revisions"
    )
    reason = models.CharField(max_length=10, choices=PlanRevisionReason.choices)
    # The settings and weeks in force until this revision: {"hours_per_week", "weekdays",
    # "finish_by", "starts_on", "weeks": [{"week_start", "milestones": [[id, hours], ...]}]}
    previous = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.reason} at {self.created_at:%Y-%m-%d %H:%M}"


class EvidenceLink(models.Model):
    progress = models.ForeignKey(
        MilestoneProgress, on_delete=models.CASCADE, related_name="evidence"
    )
    url = models.URLField(max_length=500, validators=[http_url_validator])
    label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.label or self.url


class ProgressEventKind(models.TextChoices):
    STATUS = "status", _("Status changed")
    TARGET_DATE = "target_date", _("Target date set")
    NOTES = "notes", _("Notes edited")
    EVIDENCE = "evidence", _("Evidence added")


class ProgressEvent(models.Model):
    """An append-only record of every change, for history, streaks and pace."""

    # No index of its own: event_learner_time leads with the learner, and every change would
    # write a second copy (docs/performance.md, issue 17).
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="progress_events",
        db_index=False,
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=ProgressEventKind.choices)
    from_status = models.CharField(max_length=12, choices=ProgressStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ProgressStatus.choices, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["learner", "occurred_at"], name="event_learner_time")]

    def __str__(self) -> str:
        return f"{self.learner} {self.kind} {self.milestone} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ReminderKind(models.TextChoices):
    """Roadmap's reminder kinds, registered with the reminder engine (roadmap/reminders/)."""

    DIGEST = "digest", _("Progress digest")
    NUDGE_DUE = "nudge_due", _("Due-date nudge")
    NUDGE_OVERDUE = "nudge_overdue", _("Missed-date nudge")
