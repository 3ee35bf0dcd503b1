"""`manage.py loadcertifications [FILE]`: load the certification catalogue (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certifications.content import DATA_FILE, ContentError, certifications_load_file


class Command(BaseCommand):
    help = (
        "Load the certification catalogue (default: certifications/data/certifications.yaml). "
        "Matched by slug: a rerun changes nothing; learners' trackers are never touched."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", type=Path, default=DATA_FILE)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            counts = certifications_load_file(path=file)
        except ContentError as exc:
            raise CommandError(exc.args[0], returncode=1) from exc
        self.stdout.write(f"{file.name}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        self.stdout.write(self.style.SUCCESS("Done."))
