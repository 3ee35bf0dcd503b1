"""The one date policy for every date a person gives, in forms, the API, services and the admin:
a date between EARLIEST and LATEST. Each field adds its own rule where it is decided (a target
not in the past, a date earned not in the future: see the services).

Dates outside the window are typing slips (0001-01-01, 9999-12-31) that later break arithmetic
such as "the day after the expiry" or an all-day event's end in the calendar feed.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST = dt.date(1950, 1, 1)
LATEST = dt.date(2100, 12, 31)


def date_in_window(value: dt.date) -> None:
    """A validator (forms, serializers, model fields): refuses a date outside the window."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s (this was %(date)s)."),
            params={
                "earliest": EARLIEST.isoformat(),
                "latest": LATEST.isoformat(),
                "date": value.isoformat(),
            },
            code="date_out_of_range",
        )
