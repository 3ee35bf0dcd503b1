"""Input fields of the API's serializers that apply the site's policies, as the forms do: the
date window (core.dates) and one-line text without control characters
(core.input_guard)."""

from __future__ import annotations

from rest_framework import serializers

from core.dates import date_in_window
from core.input_guard import single_line


class DateField(serializers.DateField):
    """An ISO date between core.dates.EARLIEST and LATEST."""

    def __init__(self, **kwargs):
        kwargs["validators"] = [*kwargs.get("validators", ()), date_in_window]
        super().__init__(**kwargs)


class SingleLineField(serializers.CharField):
    """A one-line text: each run of control characters becomes one space."""

    def to_internal_value(self, data):
        value = single_line(super().to_internal_value(data))
        if not value and not self.allow_blank:
            self.fail("blank")
        return value
