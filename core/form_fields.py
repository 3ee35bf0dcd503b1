"""Form fields shared by the apps' forms: a date under the site's date policy, and a one-line
text without control characters (core.dates, core.input_guard)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import EARLIEST, LATEST, date_in_window
from core.input_guard import single_line
from core.widgets import IsoDateInput


class DateField(forms.DateField):
    """A date a person gives: ISO in a date picker limited to the window, refused outside it."""

    default_validators = [date_in_window]
    default_error_messages = {"invalid": _("Enter a date such as 2026-06-30.")}

    def __init__(self, *, widget=None, **kwargs):
        if widget is None:
            widget = IsoDateInput(attrs={"min": EARLIEST.isoformat(), "max": LATEST.isoformat()})
        super().__init__(widget=widget, **kwargs)


class SingleLineField(forms.CharField):
    """A one-line text: each run of control characters (a pasted line break, a tab) becomes one
    space, so it can go into an email subject, a header or a CSV row as it is. A NUL character
    is refused, as by every CharField."""

    def to_python(self, value):
        value = super().to_python(value)
        return single_line(value) if isinstance(value, str) else value
