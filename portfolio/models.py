"""A learner's portfolio (projects, the opt-in public page), job applications with CV checks,
and interview practice against an admin-curated question bank."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.bounds import SALARY_MAX
from core.dates import date_in_window
from roadmap.models import Milestone, http_url_validator

# --- Projects and the public portfolio -------------------------------------------------------


class ProjectKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer work")
    INTERNSHIP = "internship", _("Internship or apprenticeship")
    SIDE_PROJECT = "side_project", _("Side project")
    JOB = "job", _("Job")
    COURSE_PROJECT = "course_project", _("Course project")


class Project(models.Model):
    """Something the learner did that shows they can do the job."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ProjectKind.choices)
    role = models.CharField(_("my role"), max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True, validators=[date_in_window])
    ended_on = models.DateField(
        null=True,
        blank=True,
        validators=[date_in_window],
        help_text=_("Empty while it goes on."),
    )
    context = models.TextField(blank=True, max_length=5_000)
    what_i_did = models.TextField(_("what I did"), blank=True, max_length=5_000)
    outcome = models.TextField(
        blank=True, max_length=5_000, help_text=_("With numbers where you can.")
    )
    # Free-form tags, normalised by the service (trimmed, de-duplicated case-insensitively).
    skills = models.JSONField(default=list, blank=True)
    milestones = models.ManyToManyField(
        Milestone,
        related_name="projects",
        blank=True,
        help_text=_("Roadmap milestones this project completes."),
    )
    # Only projects marked public appear on the public portfolio page.
    is_public = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="project_ends_after_start",
                violation_error_message=_("A project cannot end before it starts."),
            )
        ]
        indexes = [models.Index(fields=["learner", "is_public"], name="project_learner_public")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portfolio:project_detail", kwargs={"pk": self.pk})


class ProjectLink(models.Model):
    """A link or piece of evidence for a project (repository, demo, write-up, certificate)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, validators=[http_url_validator])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.label or self.url


class PublicPortfolio(models.Model):
    """The learner's opt-in public page at /p/<slug>/: off until they publish it."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="public_portfolio"
    )
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text=_("The address of your page: letters, digits and hyphens."),
    )
    is_published = models.BooleanField(default=False)
    headline = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True, max_length=3_000)
    # What else the learner chose to share; progress and certifications stay private by default.
    show_certifications = models.BooleanField(
        default=False, help_text=_("List the certifications you have earned.")
    )
    show_progress = models.BooleanField(
        default=False, help_text=_("Show how far along your career path you are.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "public portfolios"
        constraints = [
            models.UniqueConstraint(Lower("slug"), name="public_portfolio_slug_ci_unique")
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("portfolio_public", kwargs={"slug": self.slug})


# --- Job applications ------------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    SAVED = "saved", _("Saved")
    APPLIED = "applied", _("Applied")
    INTERVIEWING = "interviewing", _("Interviewing")
    OFFER = "offer", _("Offer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Applications in these states still need the learner; the others are closed.
OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SAVED,
    ApplicationStatus.APPLIED,
    ApplicationStatus.INTERVIEWING,
    ApplicationStatus.OFFER,
)


class JobApplicationQuerySet(models.QuerySet["JobApplication"]):
    def open(self) -> "JobApplicationQuerySet":
        return self.filter(status__in=OPEN_APPLICATION_STATUSES)


class JobApplication(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_applications"
    )
    company = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    posting_url = models.URLField(max_length=500, blank=True, validators=[http_url_validator])
    source = models.CharField(
        max_length=100, blank=True, help_text=_("Where you found it: a job board, a referral…")
    )
    salary_min = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(SALARY_MAX)]
    )
    salary_max = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(SALARY_MAX)]
    )
    salary_currency = models.CharField(max_length=3, blank=True, help_text=_("ISO 4217, e.g. EUR"))
    status = models.CharField(
        max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SAVED
    )
    status_changed_at = models.DateTimeField()
    next_action = models.CharField(max_length=200, blank=True)
    next_action_on = models.DateField(null=True, blank=True, validators=[date_in_window])
    notes = models.TextField(blank=True, max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-status_changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(salary_min__isnull=True)
                | models.Q(salary_max__isnull=True)
                | models.Q(salary_max__gte=models.F("salary_min")),
                name="application_salary_range",
                violation_error_message=_("The salary range's maximum is below its minimum."),
            )
        ]
        indexes = [
            models.Index(fields=["learner", "status"], name="application_learner_status"),
            models.Index(fields=["next_action_on"], name="application_next_action_on"),
        ]

    def __str__(self) -> str:
        return f"{self.role} at {self.company}"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:application_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES


class ApplicationStatusChange(models.Model):
    """When an application moved from one status to another (the board's history)."""

    application = models.ForeignKey(
        JobApplication, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status} at {self.changed_at:%Y-%m-%d}"


class ApplicationContact(models.Model):
    application = models.ForeignKey(
        JobApplication, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class CVCheck(models.Model):
    """One CV checked against one job description, kept with the application it was for."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cv_checks"
    )
    application = models.ForeignKey(
        JobApplication,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cv_checks",
    )
    cv_text = models.TextField()
    job_text = models.TextField()
    # The analysis as computed then (terms found and missing, power words, score and reasons), so
    # a later change to the analyser never rewrites what the learner saw.
    result = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "CV check"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"CV check {self.score}/100 on {self.created_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:cv_check_detail", kwargs={"pk": self.pk})


# --- Interview practice ----------------------------------------------------------------------


class QuestionCategory(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "question categories"
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class InterviewQuestionQuerySet(models.QuerySet["InterviewQuestion"]):
    def published(self) -> "InterviewQuestionQuerySet":
        return self.filter(is_published=True)


class InterviewQuestion(models.Model):
    slug = models.SlugField(unique=True)
    category = models.ForeignKey(
        QuestionCategory, on_delete=models.PROTECT, related_name="questions"
    )
    text = models.CharField(max_length=500)
    guidance = models.TextField(
        blank=True, help_text=_("What a strong answer covers, in our own words.")
    )
    is_published = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # Set by `loadquestions`. Only such questions are unpublished when the data file drops them:
    # a question an admin wrote in the admin is never touched by the loader.
    from_data_file = models.BooleanField(default=False, editable=False)

    objects = InterviewQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["category__position", "position", "id"]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("portfolio:question_detail", kwargs={"slug": self.slug})


class PracticeAnswer(models.Model):
    """A learner's practice answer in the STAR shape, with how confident they felt."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_answers"
    )
    question = models.ForeignKey(
        InterviewQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    situation = models.TextField(blank=True, max_length=3_000)
    task = models.TextField(blank=True, max_length=3_000)
    action = models.TextField(blank=True, max_length=3_000)
    result = models.TextField(blank=True, max_length=3_000)
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (shaky) to 5 (ready)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__gte=1) & models.Q(confidence__lte=5),
                name="practice_answer_confidence_1_to_5",
            )
        ]
        indexes = [models.Index(fields=["learner", "question"], name="practice_learner_question")]

    def __str__(self) -> str:
        return f"{self.learner} on {self.question}"
