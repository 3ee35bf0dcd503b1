"""Admin for reminders: a read-only delivery log (status, error, attempts) to watch sending;
the error of a failed delivery is kept here until its retry succeeds."""

from django.contrib import admin

from core.admin_readonly import ReadOnlyAdminMixin
from reminders.models import ReminderDelivery
from reminders.services.registry import kind_label


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "claimed_at",
        "learner_email",
        "kind_display",
        "period_key",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["learner"]
    search_fields = ["learner__email", "period_key"]
    ordering = ["-claimed_at", "-id"]
    date_hierarchy = "claimed_at"
    readonly_fields = [
        "learner",
        "kind",
        "period_key",
        "milestone",
        "target_date",
        "status",
        "attempts",
        "subject",
        "error",
        "claimed_at",
        "sent_at",
        "updated_at",
    ]
    # Only the sender writes here: an edit could make a learner miss or repeat an email.

    @admin.display(description="learner", ordering="learner__email")
    def learner_email(self, obj: ReminderDelivery) -> str:
        return obj.learner.email

    @admin.display(description="kind", ordering="kind")
    def kind_display(self, obj: ReminderDelivery) -> str:
        return kind_label(obj.kind)

    @admin.display(description="error")
    def short_error(self, obj: ReminderDelivery) -> str:
        return obj.error[:80]
