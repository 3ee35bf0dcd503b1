"""The content version token and the triggers that change it (roadmap/content_triggers.py)."""

import random

from django.db import migrations, models

from roadmap.content_triggers import content_triggers_create, content_triggers_drop

# The curated content the learner pages show: paths, steps, milestones, courses, a milestone's
# resources and the course <-> step links. Frozen here: a content table added later gets its
# triggers from its own migration.
CONTENT_TABLES = (
    "roadmap_careerpath",
    "roadmap_step",
    "roadmap_milestone",
    "roadmap_course",
    "roadmap_milestoneresource",
    "roadmap_course_steps",  # Course.steps (Step.courses)
)


def forwards(apps, schema_editor):
    ContentVersion = apps.get_model("roadmap", "ContentVersion")
    ContentVersion.objects.using(schema_editor.connection.alias).create(
        pk=1, token=random.getrandbits(62)
    )
    content_triggers_create(schema_editor, CONTENT_TABLES)


def backwards(apps, schema_editor):
    content_triggers_drop(schema_editor, CONTENT_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0008_milestone_actions"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.BigIntegerField(default=0, editable=False)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
