"""The learner's own indexes on progress rows and progress events dropped: progress_unique
(learner, milestone) and event_learner_time (learner, occurred_at) lead with the learner and
serve every query by learner, while each status change wrote both again (issue 17).

Only the indexes go: Django's own way of altering the fields would also drop and re-add the
foreign keys, which checks every row of both tables again under a lock. The names are the ones
0001 gave the indexes, the same on PostgreSQL and SQLite."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("roadmap_milestoneprogress", "roadmap_milestoneprogress_learner_id_e7dc9ace"),
    ("roadmap_progressevent", "roadmap_progressevent_learner_id_8952cb65"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0009_content_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("learner_id")',
                )
                for table, index in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="milestoneprogress",
                    name="learner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="milestone_progress",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="progressevent",
                    name="learner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="progress_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
