"""The IANA timezone names a learner can pick, and the validator that holds the model to them."""

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@functools.cache
def timezone_names() -> tuple[str, ...]:
    # "localtime" and the like are not zones a person would pick.
    return tuple(sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC"))


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(
            _("“%(value)s” is not a timezone we know. Pick one from the list, e.g. Europe/London."),
            code="invalid_timezone",
            params={"value": value},
        )
