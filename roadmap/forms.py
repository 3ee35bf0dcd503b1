"""Forms for a learner's progress on a milestone. They parse input; the services decide."""

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup, escape

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


def posted_status(data) -> str:
    """What StatusForm(data) cleans the status to, without making the form: a ValidationError
    with the form's messages when it is not valid. A form deep-copies its fields (the choice
    field and its widget) on every request, about a tenth of a status change's Python; reading
    the value by the class's own widget and cleaning it by the class's own field changes neither
    (clean() only reads them). tests/roadmap/test_status_form.py holds it to the form's answers
    and messages."""
    field = StatusForm.base_fields["status"]
    return field.clean(field.widget.value_from_datadict(data, None, "status"))


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


# --- The milestone page's forms, printed without a form ------------------------------------------
#
# The milestone page prints TargetDateForm, NotesForm and EvidenceForm unbound (a refused POST
# redirects back with a message), with at most the learner's date or notes as initial values.
# Through form_fields (templates/jinja2/includes/forms.html) that is a form, its fields' deep
# copies, a bound field and a widget's attributes per field on every view: about a fifth of the
# page's CPU. What it prints depends only on the form, the language and each field's value, so
# the markup is laid out once per process and language for which fields have a value (rendered
# by form_fields itself, a marker standing for each value) and a view only puts the values in,
# formatted by the field's own widget and escaped as Jinja2 escapes them.
# tests/roadmap/test_milestone_forms.py compares it with form_fields for each form, value and
# language; DEBUG renders the form every time.

_MARKER = "cpformvalue{}x"  # letters alone, so escaping leaves it as it is
_layouts: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _layout(
    form_class: type[forms.Form], valued: tuple[str, ...], language: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """form_fields(form_class(initial=...)) cut at its values: the pieces between them, and the
    name of the field whose value goes after each piece but the last."""
    key = (form_class, valued, language)
    layout = _layouts.get(key)
    if layout is None:
        markers = {name: _MARKER.format(index) for index, name in enumerate(valued)}
        printed = _form_fields_markup(form_class(initial=markers))
        names_by_marker = {marker: name for name, marker in markers.items()}
        found = re.compile("|".join(markers.values())) if markers else None
        pieces = tuple(found.split(printed)) if found else (printed,)
        order = tuple(names_by_marker[m] for m in found.findall(printed)) if found else ()
        if sorted(order) != sorted(valued):
            # A value printed twice or not at all: this form is not one to lay out.
            raise ValueError(f"{form_class.__name__} prints its values {order}, not {valued}")
        layout = _layouts[key] = (pieces, order)
    return layout


def _form_fields_markup(form: forms.Form) -> str:
    from django.template import engines  # the engines are ready only once the apps are

    return engines["jinja2"].from_string(FORM_FIELDS).render({"form": form})


FORM_FIELDS = '{% from "includes/forms.html" import form_fields %}{{ form_fields(form) }}'


def unbound_fields(form_class: type[forms.Form], **initial: Any) -> Markup:
    """What form_fields(form_class(initial=initial)) prints, for the milestone page's forms
    (text, date and textarea widgets): the layout from the process's copy, the values put in."""
    if settings.DEBUG:
        return Markup(_form_fields_markup(form_class(initial=initial)))
    fields = form_class.base_fields
    printed: dict[str, str] = {}
    for name, value in initial.items():
        field = fields[name]
        text = field.widget.format_value(field.prepare_value(value))
        if text is not None:
            printed[name] = text
    pieces, order = _layout(form_class, tuple(sorted(printed)), get_language())
    out = [pieces[0]]
    for name, piece in zip(order, pieces[1:], strict=True):
        out.append(escape(printed[name]))
        out.append(piece)
    return Markup("".join(out))


@receiver(setting_changed)
def _forget_layouts(*, setting: str, **kwargs: Any) -> None:
    """A test's override of what the layouts' words or attributes depend on forgets them."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "DEBUG"}:
        _layouts.clear()
