"""progress_learner_status dropped: with the status in no index, a status change is a HOT
update (PostgreSQL rewrites the row in its page and no index), where it wrote every index of
the table before. Reads of a learner's rows by status use progress_unique, which leads with the
learner (issue 17)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0010_learner_indexes_covered"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="milestoneprogress",
            name="progress_learner_status",
        ),
    ]
