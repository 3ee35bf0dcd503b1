"""A tenth of each page of the progress rows' table left free (fillfactor 90), so a status
change finds room to rewrite its row in the same page: a HOT update, which writes no index
(0011). With pages packed full, as PostgreSQL packs them by default, an update whose page has no
room moves the row to another page and writes every index of the table. New pages only: the
table is not rewritten (VACUUM FULL or a dump and restore would pack the old ones again)."""

from django.db import migrations

TABLE = "roadmap_milestoneprogress"


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 90)")


def pack_full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0011_status_not_indexed"),
    ]

    operations = [migrations.RunPython(leave_room, pack_full)]
