"""The certification catalogue (curated by admins) and each learner's certification tracker."""

import calendar
import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.bounds import CREDITS_MAX, HOURS_MAX, MONTHS_MAX
from core.dates import date_in_window
from roadmap.models import Milestone, http_url_validator


class CertificationQuerySet(models.QuerySet["Certification"]):
    def published(self) -> "CertificationQuerySet":
        return self.filter(is_published=True)


class Certification(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    abbreviation = models.CharField(max_length=20, blank=True)
    issuer = models.CharField(max_length=120)
    url = models.URLField(max_length=500, validators=[http_url_validator])
    description = models.TextField(blank=True, help_text=_("In our own words."))
    cost_amount = models.DecimalField(
        _("cost (non-member)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("0 for a free certification."),
    )
    member_cost_amount = models.DecimalField(
        _("cost (member)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Only where members pay a different price."),
    )
    cost_currency = models.CharField(max_length=3, help_text=_("ISO 4217, e.g. USD"))
    cost_notes = models.CharField(max_length=300, blank=True)
    prerequisites = models.TextField(blank=True)
    exam_format = models.TextField(blank=True)
    prep_hours = models.PositiveIntegerField(
        _("typical preparation hours"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(HOURS_MAX)],
    )
    milestones = models.ManyToManyField(
        Milestone,
        related_name="certifications",
        blank=True,
        help_text=_("Satisfied by earning it."),
    )
    validity_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MONTHS_MAX)],
        help_text=_("Empty: never expires."),
    )
    # The renewal rule; empty credits means it cannot be renewed with credits.
    renewal_credits = models.PositiveIntegerField(
        _("credits needed per cycle"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(CREDITS_MAX)],
    )
    credit_name = models.CharField(max_length=20, blank=True, help_text=_("PDU, SEU, CEU…"))
    renewal_cycle_months = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MONTHS_MAX)]
    )
    renewal_fee_amount = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    renewal_notes = models.CharField(max_length=300, blank=True)
    # Issuers change their rules: every figure says where it came from and when it was checked.
    source = models.URLField(max_length=500, blank=True, validators=[http_url_validator])
    checked_on = models.DateField(null=True, blank=True, validators=[date_in_window])
    is_published = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(renewal_credits__isnull=True)
                | models.Q(renewal_cycle_months__isnull=False),
                name="certification_renewal_needs_cycle",
                violation_error_message=_("A renewal rule with credits needs a cycle length."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def expires(self) -> bool:
        return self.validity_months is not None

    @property
    def renews_with_credits(self) -> bool:
        return bool(self.renewal_credits)


class RenewalCategory(models.Model):
    """A category of renewal credits with an optional minimum and maximum per cycle.

    A category may count toward a parent (PMP's three talent-triangle areas count toward
    "Education"), so the parent's total is its own credits plus its children's.
    """

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="categories"
    )
    slug = models.SlugField()
    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    min_credits = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(CREDITS_MAX)]
    )
    max_credits = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(CREDITS_MAX)]
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "renewal categories"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "slug"], name="renewal_category_unique_slug"
            )
        ]

    def __str__(self) -> str:
        return self.name


DEFAULT_NOTICE_DAYS = "60,30,7"
# An expiry later than this counts as none (see LearnerCertification.expires_on): a year short
# of date.max, so adding days or a renewal period to any expiry shown stays a date.
LATEST_EXPIRY = dt.date(dt.MAXYEAR - 1, 12, 31)


class CertStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    STUDYING = "studying", _("Studying")
    EXAM_BOOKED = "exam_booked", _("Exam booked")
    EARNED = "earned", _("Earned")
    EXPIRED = "expired", _("Expired")
    DROPPED = "dropped", _("Dropped")


class LearnerCertification(models.Model):
    """One learner's certification: from the catalogue, or a custom one they name."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications"
    )
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, null=True, blank=True, related_name="holders"
    )
    custom_name = models.CharField(max_length=200, blank=True)
    custom_issuer = models.CharField(max_length=120, blank=True)
    custom_validity_months = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MONTHS_MAX)]
    )
    status = models.CharField(max_length=12, choices=CertStatus.choices, default=CertStatus.PLANNED)
    exam_date = models.DateField(null=True, blank=True, validators=[date_in_window])
    earned_on = models.DateField(null=True, blank=True, validators=[date_in_window])
    credential_id = models.CharField(max_length=100, blank=True)
    verification_url = models.URLField(max_length=500, blank=True, validators=[http_url_validator])
    expires_on_override = models.DateField(null=True, blank=True, validators=[date_in_window])
    # Days before expiry to remind the learner, comma-separated; each is sent once per expiry date.
    expiry_notice_days = models.CharField(max_length=50, default=DEFAULT_NOTICE_DAYS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "certification"],
                condition=models.Q(certification__isnull=False),
                name="learner_certification_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(certification__isnull=False) | ~models.Q(custom_name=""),
                name="learner_certification_catalogue_or_name",
            ),
        ]
        indexes = [models.Index(fields=["learner", "status"], name="learner_cert_status")]

    def __str__(self) -> str:
        return f"{self.learner} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("certifications:tracker_detail", kwargs={"pk": self.pk})

    @property
    def name(self) -> str:
        return self.certification.name if self.certification_id else self.custom_name

    @property
    def issuer(self) -> str:
        return self.certification.issuer if self.certification_id else self.custom_issuer

    @property
    def validity_months(self) -> int | None:
        if self.certification_id:
            return self.certification.validity_months
        return self.custom_validity_months

    @property
    def computed_expires_on(self) -> dt.date | None:
        """The last day the credential is valid: earned date + validity, minus one day."""
        if self.earned_on is None or not self.validity_months:
            return None
        return add_months(self.earned_on, self.validity_months) - dt.timedelta(days=1)

    @property
    def expires_on(self) -> dt.date | None:
        """The expiry date; None when it never expires, or when a stored row names one past
        LATEST_EXPIRY (a validity of 100,000 months): no calendar shows that, and the pages,
        emails and feeds that add days to an expiry must never leave the calendar's range."""
        expires_on = self.expires_on_override or self.computed_expires_on
        if expires_on is not None and expires_on > LATEST_EXPIRY:
            return None
        return expires_on

    @property
    def notice_days(self) -> list[int]:
        """The reminder days, largest first; a malformed value falls back to the default."""
        try:
            days = {int(d) for d in self.expiry_notice_days.split(",") if d.strip()}
        except ValueError:
            days = {int(d) for d in DEFAULT_NOTICE_DAYS.split(",")}
        return sorted((d for d in days if d > 0), reverse=True)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)
    and to the calendar's range (date.min, date.max), whatever a stored row says."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class CreditActivity(models.Model):
    """A renewal activity the learner logged: credits (PDUs, SEUs…) earned on a date."""

    learner_certification = models.ForeignKey(
        LearnerCertification, on_delete=models.CASCADE, related_name="credits"
    )
    date = models.DateField(validators=[date_in_window])
    credits = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    category = models.ForeignKey(
        RenewalCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=300)
    evidence_url = models.URLField(max_length=500, blank=True, validators=[http_url_validator])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "credit activities"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credits__gt=0), name="credit_positive")
        ]

    def __str__(self) -> str:
        return f"{self.credits} on {self.date}: {self.description}"


class CertificationRenewal(models.Model):
    """A renewal the learner recorded: the credit cycle it closed, with the credits counted in
    it, and what the certification was before, so the last renewal can be undone exactly."""

    learner_certification = models.ForeignKey(
        LearnerCertification, on_delete=models.CASCADE, related_name="renewals"
    )
    renewed_on = models.DateField()
    previous_expires_on = models.DateField()
    new_expires_on = models.DateField()
    # What undoing restores: the date the learner had set (None: computed) and the status.
    previous_expires_on_override = models.DateField(null=True, blank=True)
    previous_status = models.CharField(max_length=12, choices=CertStatus.choices)
    # The closed cycle and its credits; empty for a certification renewed without credits.
    cycle_start = models.DateField(null=True, blank=True)
    credits_counted = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    credits_needed = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(CREDITS_MAX)]
    )
    credit_name = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-new_expires_on", "-id"]
        # Not unique per period: a learner who put the old expiry back by hand (rather than
        # undoing) may record that renewal again. A double submission is stopped by the row lock
        # and the expiry the page showed (services.certification_renew).
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_expires_on__gt=models.F("previous_expires_on")),
                name="certification_renewal_moves_expiry_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_certification}: {self.previous_expires_on} → {self.new_expires_on}"
