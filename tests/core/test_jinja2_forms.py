"""Forms on Jinja2 pages (templates/jinja2/includes/forms.html): form_fields(form) prints what
templates/includes/form_fields.html prints, byte for byte, unbound, with initial values, and bound
with data and errors: labels tied to inputs, help text and errors tied by aria-describedby,
aria-invalid, required, maxlength, min/max, placeholders. The one difference is Jinja2's (every
Jinja2 page's): a quote in a value is escaped as &#34; / &#39;, which Django spells &quot; /
&#x27; (the same characters to a browser)."""

import datetime as dt

import pytest
from django import forms
from django.template import engines
from django.utils import translation

from roadmap.forms import EvidenceForm, NotesForm, PlanSettingsForm, TargetDateForm

DJANGO = '{% include "includes/form_fields.html" %}'
QUOTES = {"&#34;": "&quot;", "&#39;": "&#x27;"}
JINJA = '{% from "includes/forms.html" import form_fields %}{{ form_fields(form) }}'


class EverythingForm(forms.Form):
    """Widgets the macro prints itself, and ones it leaves to Django (checkbox, select, hidden)."""

    name = forms.CharField(max_length=20, help_text="Your <b>name</b>.")
    email = forms.EmailField(required=False, disabled=True, initial="a@example.com")
    count = forms.IntegerField(min_value=1, max_value=9, required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "id": "own-id"}))
    text = forms.CharField(widget=forms.Textarea(attrs={"aria-describedby": "elsewhere"}))
    agree = forms.BooleanField(required=False, label="I agree")
    pick = forms.ChoiceField(choices=[("a", "A & a"), ("b", "B")])
    secret = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Something <wrong> overall.")


FORMS = {
    "target date": lambda: TargetDateForm(initial={"target_date": dt.date(2026, 6, 30)}),
    "target date, none": lambda: TargetDateForm(initial={"target_date": None}),
    "target date, bad": lambda: TargetDateForm({"target_date": "30/06/2026"}),
    "target date, too early": lambda: TargetDateForm({"target_date": "1900-01-01"}),
    "notes": lambda: NotesForm(initial={"notes": "Mine <& yours>\nline two"}),
    "notes, empty": lambda: NotesForm(initial={"notes": ""}),
    "notes, too long": lambda: NotesForm({"notes": "x" * 10001}),
    "evidence": lambda: EvidenceForm(),
    "evidence, bad": lambda: EvidenceForm({"url": "", "label": 'a "quoted" <label>'}),
    "evidence, good": lambda: EvidenceForm({"url": "https://example.com/?a=1&b=2", "label": ""}),
    "plan settings": lambda: PlanSettingsForm(),
    "plan settings, bad": lambda: PlanSettingsForm({"hours_per_week": "0", "weekdays": ["1"]}),
    "everything": lambda: EverythingForm(),
    "everything, bound": lambda: EverythingForm({"name": "<x>", "count": "12", "agree": "on"}),
}


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_form_fields_prints_what_the_django_include_prints(name, language):
    form = FORMS[name]()
    form.is_valid()  # a bound form's errors; nothing for an unbound one
    with translation.override(language):
        expected = engines["django"].from_string(DJANGO).render({"form": form})
        printed = engines["jinja2"].from_string(JINJA).render({"form": form})
    for jinja_spelling, django_spelling in QUOTES.items():
        printed = printed.replace(jinja_spelling, django_spelling)
    assert printed == expected
    assert "<label for=" in printed
