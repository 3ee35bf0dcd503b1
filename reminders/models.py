"""The delivery log: one row per reminder email, the row that makes sending exactly once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reminders.services.registry import validate_kind


class DeliveryStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Nothing worth saying when its turn came (e.g. every milestone done): nothing was sent.
    SKIPPED = "skipped", _("Skipped")


class ReminderDeliveryQuerySet(models.QuerySet["ReminderDelivery"]):
    def sendable(self) -> "ReminderDeliveryQuerySet":
        """Claimed but not sent yet, or failed and due another try."""
        return self.filter(status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.FAILED])


class ReminderDelivery(models.Model):
    """One reminder email for one learner and one period: the row that makes sending exactly once.

    The unique (learner, kind, period_key) row is created before anything is sent; a worker
    sends only inside the transaction that moves it to "sent", so two workers never both send.
    `kind` names a registered kind (services.registry), checked there rather than by choices,
    so a new kind needs no migration. The table keeps its first name (it began in roadmap).
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    kind = models.CharField(max_length=16, validators=[validate_kind])
    # e.g. "digest:weekly:2026-W11", "nudge:due:<milestone id>:2026-03-10"
    period_key = models.CharField(max_length=100)
    # Nudges only: the milestone and target date the key names, so selection can filter in SQL.
    milestone = models.ForeignKey(
        "roadmap.Milestone",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_deliveries",
    )
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.CLAIMED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    subject = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderDeliveryQuerySet.as_manager()

    class Meta:
        db_table = "roadmap_reminderdelivery"
        verbose_name_plural = _("reminder deliveries")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "kind", "period_key"], name="reminder_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="reminder_status_claimed"),
            models.Index(
                fields=["learner", "kind", "milestone", "target_date"], name="reminder_nudge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.period_key}: {self.status}"
