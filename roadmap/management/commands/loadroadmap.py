"""`manage.py loadroadmap [FILE ...] [--dry-run]`: load career path data files (idempotent)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from roadmap.services.content import (
    ContentError,
    roadmap_load,
    roadmap_read_file,
    roadmap_validate,
)

DATA_DIR = Path(settings.BASE_DIR) / "roadmap" / "data"


class Command(BaseCommand):
    help = (
        "Load career path YAML files (default: every roadmap/data/*.yaml). Matched by slug: a "
        "rerun changes nothing, milestones removed from a file are retired, progress is kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="YAML files to load")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would change, then roll everything back.",
        )

    def handle(self, *args, files: list[Path], dry_run: bool, **options) -> None:
        files = files or sorted(DATA_DIR.glob("*.yaml"))
        if not files:
            raise CommandError(f"No *.yaml files in {DATA_DIR}.")

        # Every file is read and validated before any is written: all problems in one run, and
        # a bad second file never leaves the first one loaded on its own.
        errors: list[str] = []
        loaded: list[tuple[Path, dict]] = []
        seen_paths: dict[str, Path] = {}
        for file in files:
            try:
                data = roadmap_read_file(path=file)
            except ContentError as exc:
                errors.extend(exc.errors)
                continue
            errors.extend(f"{file.name}: {e}" for e in roadmap_validate(data=data))
            slug = (data.get("path") or {}).get("slug") if isinstance(data, dict) else None
            if isinstance(slug, str) and slug in seen_paths:
                errors.append(f"{file.name}: path {slug!r} is also in {seen_paths[slug].name}")
            elif isinstance(slug, str):
                seen_paths[slug] = file
            loaded.append((file, data))
        if errors:
            raise CommandError(ContentError(errors).args[0], returncode=1)

        with transaction.atomic():
            for file, data in loaded:
                report = roadmap_load(data=data)
                verb = "would load" if dry_run else "loaded"
                self.stdout.write(
                    f"{file.name}: {verb} path {report.path_slug!r} (version {report.version})"
                )
                for line in report.lines():
                    self.stdout.write(f"  {line}")
            if dry_run:
                transaction.set_rollback(True)
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
