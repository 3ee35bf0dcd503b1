"""`manage.py loadquestions [FILE] [--dry-run]`: load the interview question bank (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portfolio.services.interview import (
    DATA_FILE,
    ContentError,
    questions_load,
    questions_read_file,
)


class Command(BaseCommand):
    help = (
        "Load the interview question bank (default: portfolio/data/interview-questions.yaml). "
        "Matched by slug: a rerun changes nothing; questions removed from the file are "
        "unpublished, and learners' answers are kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", type=Path, default=DATA_FILE)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would change, then roll everything back.",
        )

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        try:
            with transaction.atomic():
                report = questions_load(data=questions_read_file(path=file))
                if dry_run:
                    transaction.set_rollback(True)
        except ContentError as exc:
            raise CommandError(exc.args[0], returncode=1) from exc
        verb = "would load" if dry_run else "loaded"
        self.stdout.write(f"{file.name}: {verb}")
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
