"""Roadmap's reminder kinds (the progress digest, the due and missed-date nudges), registered
with the reminder engine from RoadmapConfig.ready()."""

from __future__ import annotations

from reminders.services.registry import ReminderKindSpec as Kind
from reminders.services.registry import reminder_kind_register
from reminders.services.unsubscribe import UnsubscribeKind
from roadmap.models import ReminderKind


def register() -> None:
    from roadmap.reminders.digest import digest_deliveries_render, digest_preview
    from roadmap.reminders.nudges import nudges_render
    from roadmap.selectors.reminders import due_digests, due_nudges

    reminder_kind_register(
        Kind(
            name=ReminderKind.DIGEST.value,
            label=ReminderKind.DIGEST.label,
            opt_out=UnsubscribeKind.DIGEST,
            due=due_digests,
            render=digest_deliveries_render,
            preview=digest_preview,
            count_label="digest(s)",
        )
    )
    # One selection claims both nudge kinds; one render call sends both.
    reminder_kind_register(
        Kind(
            name=ReminderKind.NUDGE_DUE.value,
            label=ReminderKind.NUDGE_DUE.label,
            opt_out=UnsubscribeKind.NUDGES,
            due=due_nudges,
            render=nudges_render,
            count_label="nudge(s)",
        )
    )
    reminder_kind_register(
        Kind(
            name=ReminderKind.NUDGE_OVERDUE.value,
            label=ReminderKind.NUDGE_OVERDUE.label,
            opt_out=UnsubscribeKind.NUDGES,
            render=nudges_render,
            count_label="nudge(s)",
        )
    )
