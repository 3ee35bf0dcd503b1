"""Forms for a learner's progress on a milestone. They parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.form_fields import DateField, SingleLineField
from roadmap.models import ProgressStatus
from roadmap.services.progress import (
    EVIDENCE_LABEL_MAX_LENGTH,
    EVIDENCE_URL_MAX_LENGTH,
    NOTES_MAX_LENGTH,
)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=ProgressStatus.choices,
        error_messages={"invalid_choice": _("“%(value)s” is not a milestone status.")},
    )


class TargetDateForm(forms.Form):
    target_date = DateField(
        label=_("Finish by"),
        required=False,
        help_text=_("When you aim to finish. Today or later; leave empty to clear it."),
        error_messages={"invalid": _("Enter a date such as 2026-06-30.")},
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Private notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only you can see these."),
    )


class EvidenceForm(forms.Form):
    # A CharField, not a URLField: URLField would quietly prepend a scheme to "example.com" and
    # accept ftp://; the service checks the address and explains what it wants.
    url = SingleLineField(
        label=_("Link"),
        max_length=EVIDENCE_URL_MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("A repository, certificate or write-up, starting with https:// or http://."),
    )
    label = SingleLineField(
        label=_("Label (optional)"), required=False, max_length=EVIDENCE_LABEL_MAX_LENGTH
    )
