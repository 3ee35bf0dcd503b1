"""Forms for a learner's progress on a milestone. They parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.form_fields import DateField, SingleLineField
from roadmap.models import GoalKind, ProgressStatus
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


WEEKDAY_CHOICES = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class PlanSettingsForm(forms.Form):
    """The plan's time: the service checks the ranges and says what is wrong in one message."""

    hours_per_week = forms.IntegerField(
        label=_("Hours a week"),
        help_text=_("From 1 to 40."),
        min_value=1,
        max_value=40,
        widget=forms.NumberInput(attrs={"min": 1, "max": 40, "inputmode": "numeric"}),
        error_messages={
            "required": _("Give the hours a week you can study, from 1 to 40."),
            "invalid": _("Hours a week must be a whole number from 1 to 40."),
            "min_value": _("Hours a week must be a whole number from 1 to 40."),
            "max_value": _("Hours a week must be a whole number from 1 to 40."),
        },
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days you study"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    goal_kind = forms.ChoiceField(
        label=_("Weekly goal"),
        choices=GoalKind.choices,
        initial=GoalKind.HOURS,
        required=False,
        help_text=_("Your hours a week, or a number of milestones."),
    )
    goal_milestones = forms.IntegerField(
        label=_("Milestones a week (for a goal in milestones)"),
        required=False,
        min_value=1,
        max_value=20,
        widget=forms.NumberInput(attrs={"min": 1, "max": 20, "inputmode": "numeric"}),
    )
    finish_by = DateField(
        label=_("Finish by (optional)"),
        required=False,
        help_text=_("We tell you the hours a week it takes."),
        error_messages={"invalid": _("Enter a date such as 2027-06-30.")},
    )


class PlanAnchorForm(forms.Form):
    milestone = forms.TypedChoiceField(label=_("Milestone"), coerce=int, choices=())
    due = DateField(
        label=_("Done by"),
        error_messages={"invalid": _("Enter a date such as 2027-06-30.")},
    )

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here: the service says when it is not one of the learner's.
        self.fields["milestone"].choices = [(m.pk, m.title) for m in milestones]
        self.fields["milestone"].valid_value = lambda value: True
