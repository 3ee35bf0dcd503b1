"""Forms for job applications, their moves on the board, contacts and the list's filters. They
parse input; the services in portfolio.services.applications decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.bounds import SALARY_MAX
from core.form_fields import DateField, SingleLineField
from portfolio.models import ApplicationContact, ApplicationStatus, JobApplication


def _max(name: str) -> int:
    return JobApplication._meta.get_field(name).max_length


class ApplicationForm(forms.Form):
    company = SingleLineField(label=_("Company"), max_length=_max("company"))
    role = SingleLineField(label=_("Role"), max_length=_max("role"))
    posting_url = SingleLineField(
        label=_("Job posting link"),
        required=False,
        max_length=_max("posting_url"),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    source = SingleLineField(
        label=_("Source"),
        required=False,
        max_length=_max("source"),
        help_text=_("Where you found it: a job board, a referral, the company's site…"),
    )
    salary_min = forms.IntegerField(
        label=_("Salary from"), required=False, min_value=0, max_value=SALARY_MAX
    )
    salary_max = forms.IntegerField(
        label=_("Salary to"), required=False, min_value=0, max_value=SALARY_MAX
    )
    salary_currency = SingleLineField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("A three-letter code, e.g. EUR, GBP, USD."),
    )
    next_action = SingleLineField(
        label=_("Next action"),
        required=False,
        max_length=_max("next_action"),
        help_text=_("e.g. Follow up with the recruiter"),
    )
    next_action_on = DateField(
        label=_("Next action by"),
        required=False,
        help_text=_("Follow-ups due within a week appear in your reminder digest."),
        error_messages={"invalid": _("Enter a date such as 2026-06-30.")},
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=JobApplication._meta.get_field("notes").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Private: only you can see them."),
    )

    FIELDS = (
        "company",
        "role",
        "posting_url",
        "source",
        "salary_min",
        "salary_max",
        "salary_currency",
        "next_action",
        "next_action_on",
        "notes",
    )

    @classmethod
    def initial_for(cls, application: JobApplication) -> dict:
        return {name: getattr(application, name) for name in cls.FIELDS}


class ApplicationCreateForm(ApplicationForm):
    field_order = ["company", "role", "status"]
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ApplicationStatus.choices,
        initial=ApplicationStatus.SAVED,
        help_text=_("Where it stands now; later, move it on the board."),
    )


class MoveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Move to"),
        choices=ApplicationStatus.choices,
        error_messages={"invalid_choice": _("“%(value)s” is not an application status.")},
    )


class ContactForm(forms.Form):
    name = SingleLineField(
        label=_("Name"), max_length=ApplicationContact._meta.get_field("name").max_length
    )
    title = SingleLineField(
        label=_("Job title"),
        required=False,
        max_length=ApplicationContact._meta.get_field("title").max_length,
    )
    email = SingleLineField(
        label=_("Email"),
        required=False,
        max_length=ApplicationContact._meta.get_field("email").max_length,
        widget=forms.EmailInput,
    )
    phone = SingleLineField(
        label=_("Phone"),
        required=False,
        max_length=ApplicationContact._meta.get_field("phone").max_length,
    )
    notes = SingleLineField(
        label=_("Notes"),
        required=False,
        max_length=ApplicationContact._meta.get_field("notes").max_length,
    )


class ApplicationFilterForm(forms.Form):
    q = SingleLineField(label=_("Company or role"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ApplicationStatus.choices],
    )
    state = forms.ChoiceField(
        label=_("Open or closed"),
        required=False,
        choices=[
            ("", _("Open and closed")),
            ("open", _("Open (saved to offer)")),
            ("closed", _("Closed (accepted, rejected, withdrawn)")),
        ],
    )
    due = forms.ChoiceField(
        label=_("Next action"),
        required=False,
        choices=[
            ("", _("Any")),
            ("overdue", _("Overdue")),
            ("soon", _("Due in the next 7 days")),
            ("dated", _("Has a date")),
        ],
    )
