"""Form widgets shared by the apps."""

from django import forms


class IsoDateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO 8601 whatever the learner's language: the
    localised format (e.g. 01/12/2023) is ignored by the browser, which shows an empty field."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
