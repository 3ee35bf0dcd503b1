# ReminderDelivery moves here from roadmap: state only. The table (roadmap_reminderdelivery),
# its rows, constraint and indexes stay exactly as they are; roadmap 0005 drops it from
# roadmap's state. Both directions touch no table, so this is reversible and loses no row.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import reminders.services.registry


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("roadmap", "0004_reminder_kind_cert_expiry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ReminderDelivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                max_length=16,
                                validators=[reminders.services.registry.validate_kind],
                            ),
                        ),
                        ("period_key", models.CharField(max_length=100)),
                        ("target_date", models.DateField(blank=True, null=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("claimed", "Claimed"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                    ("skipped", "Skipped"),
                                ],
                                default="claimed",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("subject", models.CharField(blank=True, max_length=255)),
                        ("error", models.TextField(blank=True)),
                        ("claimed_at", models.DateTimeField()),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "learner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminder_deliveries",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "milestone",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminder_deliveries",
                                to="roadmap.milestone",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "reminder deliveries",
                        "db_table": "roadmap_reminderdelivery",
                        "ordering": ["-claimed_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["status", "claimed_at"], name="reminder_status_claimed"
                            ),
                            models.Index(
                                fields=["learner", "kind", "milestone", "target_date"],
                                name="reminder_nudge",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("learner", "kind", "period_key"),
                                name="reminder_delivery_once",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
