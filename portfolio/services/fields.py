"""Checks the portfolio services share: each turns raw input (a form's cleaned data or an API's
JSON) into a stored value or raises ValidationError with a message a learner can act on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.bounds import SALARY_MAX
from core.dates import EARLIEST, LATEST
from roadmap.models import http_url_validator


def refuse_unknown(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError(
            _("These fields cannot be set here: %(fields)s."),
            params={"fields": ", ".join(unknown)},
            code="unknown_fields",
        )


def text(value: Any, *, label: str, max_length: int, required: bool = False) -> str:
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationError(_("Give the %(label)s."), params={"label": label}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            _("The %(label)s can be at most %(max)d characters long (this has %(length)d)."),
            params={"label": label, "max": max_length, "length": len(value)},
            code="too_long",
        )
    return value


def choice(value: Any, *, label: str, choices: Iterable[str]) -> str:
    value = "" if value is None else str(value).strip()
    if value not in set(choices):
        raise ValidationError(
            _("“%(value)s” is not a %(label)s we know."),
            params={"value": value[:40], "label": label},
            code="invalid_choice",
        )
    return value


def web_address(value: Any, *, label: str, max_length: int = 500) -> str:
    """An http(s) address or "" (a form's URLField would accept ftp:// and guess schemes)."""
    value = text(value, label=label, max_length=max_length)
    if not value:
        return ""
    try:
        http_url_validator(value)
    except ValidationError:
        raise ValidationError(
            _(
                "The %(label)s “%(url)s” is not a web address we can link to: it must start "
                "with http:// or https://, e.g. https://example.com/jobs/42."
            ),
            params={"label": label, "url": value[:80]},
            code="invalid_url",
        ) from None
    return value


def date_or_none(value: Any, *, label: str) -> dt.date | None:
    """A date, an ISO date string (YYYY-MM-DD), or empty for none."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                _("The %(label)s must be a date such as 2026-06-30."),
                params={"label": label},
                code="invalid_date",
            ) from None
    if not EARLIEST <= value <= LATEST:  # core.dates: the site's one date window
        raise ValidationError(
            _("The %(label)s must be between %(earliest)s and %(latest)s."),
            params={"label": label, "earliest": EARLIEST, "latest": LATEST},
            code="invalid_date",
        )
    return value


def whole_number_or_none(value: Any, *, label: str, maximum: int = SALARY_MAX) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        number = None
    if number is None or isinstance(value, bool) or not 0 <= number <= maximum:
        raise ValidationError(
            _("The %(label)s must be a whole number from 0 to %(max)s."),
            params={"label": label, "max": f"{maximum:,}"},
            code="invalid_number",
        )
    return number


def boolean(value: Any, *, label: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValidationError(
        _("The %(label)s must be true or false."), params={"label": label}, code="invalid_bool"
    )
