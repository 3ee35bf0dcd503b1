"""Run the reminder dispatch by hand, in this process (no broker): who gets what, now."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from reminders.services import dispatch, registry, sending


class Command(BaseCommand):
    help = (
        "Claim and send every reminder due now (every registered kind: digests, nudges, "
        "certification expiry notices...), synchronously. "
        "--dry-run prints who would get what and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Claim nothing, send nothing.")
        parser.add_argument(
            "--now",
            help="Pretend it is this time (ISO 8601, e.g. 2026-03-10T09:00:00+13:00; UTC if no "
            "offset).",
        )

    def handle(self, *args, dry_run: bool = False, now: str | None = None, **options):
        moment = self._parse_now(now) if now else timezone.now()
        totals = sending.SendReport()

        def show(kind: str, page: list) -> None:
            emails = dict(
                User.objects.filter(pk__in={due.learner_id for due in page}).values_list(
                    "pk", "email"
                )
            )
            for due in page:
                self.stdout.write(
                    f"{emails.get(due.learner_id, due.learner_id)}\t{due.kind}\t{due.period_key}"
                )

        def deliver(ids: list[int]) -> None:
            report = sending.reminder_deliveries_send(delivery_ids=ids, now=moment)
            totals.sent += report.sent
            totals.skipped += report.skipped
            totals.failed += report.failed

        verb = "Would send" if dry_run else "Claimed"
        self.stdout.write(f"{verb} reminders due at {moment.isoformat()}:")
        summary = dispatch.reminders_dispatch(
            now=moment, deliver=deliver, dry_run=dry_run, report=show
        )
        counts = ", ".join(
            f"{summary.count(*kinds)} {label}" for label, kinds in registry.count_labels().items()
        )
        self.stdout.write(
            counts
            + (
                ""
                if dry_run
                else f", {summary.requeued} abandoned claim(s) again; {summary.batches} batch(es)"
            )
        )
        if summary.failed_kinds:
            self.stderr.write(
                "selecting failed (the other kinds went on; see the log): "
                + ", ".join(summary.failed_kinds)
            )
        if not dry_run:
            self.stdout.write(
                f"sent {len(totals.sent)}, skipped (nothing to say) {len(totals.skipped)}, "
                f"failed {len(totals.failed)}"
            )
            if totals.failed:
                raise CommandError(
                    f"{len(totals.failed)} reminder(s) failed; see the delivery log in the admin."
                )
        if summary.failed_kinds:
            raise CommandError(f"selecting {', '.join(summary.failed_kinds)} reminders failed.")

    def _parse_now(self, value: str) -> dt.datetime:
        moment = parse_datetime(value)
        if moment is None:
            raise CommandError(f"--now: “{value}” is not an ISO date-time, e.g. 2026-03-10T09:00")
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=dt.UTC)
        return moment
