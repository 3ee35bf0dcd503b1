"""Forms for interview practice: a STAR answer with a confidence rating, and the question bank's
filters. They parse input; portfolio.services.interview decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio.models import QuestionCategory
from portfolio.selectors.interview import LOW_CONFIDENCE, Show

CONFIDENCE_CHOICES = [
    (1, _("1 – shaky")),
    (2, _("2")),
    (3, _("3 – getting there")),
    (4, _("4")),
    (5, _("5 – ready")),
]


def _star(label, help_text, rows: int) -> forms.CharField:
    # No max_length: a browser would silently cut a long paste at the textarea's maxlength; the
    # service refuses an over-long part with its length instead.
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class PracticeAnswerForm(forms.Form):
    situation = _star(
        _("Situation"), _("Where and when: the project, the team, what was at stake."), 3
    )
    task = _star(_("Task"), _("What you were responsible for, and what success meant."), 3)
    action = _star(
        _("Action"),
        _("What you did, step by step, in the first person. This is the longest part."),
        6,
    )
    result = _star(
        _("Result"), _("What changed, with numbers if you have them, and what you learned."), 3
    )
    confidence = forms.TypedChoiceField(
        label=_("How confident do you feel answering this?"),
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Rate your confidence from 1 (shaky) to 5 (ready).")},
    )


class QuestionFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (Show.ALL, _("All questions")),
            (Show.NOT_PRACTISED, _("Not practised yet")),
            (
                Show.LOW_CONFIDENCE,
                _("Low confidence (last rated %(n)s or less)") % {"n": LOW_CONFIDENCE},
            ),
        ],
    )

    def __init__(self, *args, categories: list[QuestionCategory], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in categories
        ]
