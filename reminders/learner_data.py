"""What of reminders is a learner's own (exported, deleted with the account), what not."""

from accounts.ownership import OwnedTable

OWNED: tuple[OwnedTable, ...] = (
    OwnedTable(
        "reminder_deliveries",
        "reminders.ReminderDelivery",
        "learner",
        "Reminder emails sent or due (subject, period, status).",
    ),
)
NOT_OWNED: dict[str, str] = {}
