# ReminderDelivery now belongs to the reminders app (reminders 0001): dropped from roadmap's
# state only; the table and its rows stay where they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0005_number_bounds_and_date_window"),
        ("reminders", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="ReminderDelivery")],
        ),
    ]
