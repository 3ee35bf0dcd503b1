"""Preview: the email the preview page shows (the registered previewable kind, the digest),
made by the sender's own code as if it were sent now."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import User
from core.email import RenderedEmail
from reminders.services.registry import previewed_kind
from reminders.services.unsubscribe import OPT_OUTS


def reminder_preview(*, learner: User, now: dt.datetime | None = None) -> RenderedEmail | None:
    """The email this learner would get if it were sent now; None when there is nothing to say."""
    kind = previewed_kind()
    if kind is None:
        return None
    return kind.preview(learner=learner, now=now or timezone.now())


def preview_switched_off(*, learner: User) -> bool:
    """Whether the learner has switched the previewed kind off (the page says so)."""
    kind = previewed_kind()
    return kind is not None and OPT_OUTS[kind.opt_out].is_off(learner)
