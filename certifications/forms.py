"""Plain forms for the certification pages; the rules themselves live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certifications.models import CertStatus
from core.bounds import HOURS_MAX, MONTHS_MAX
from core.form_fields import DateField, SingleLineField


class CatalogueFilterForm(forms.Form):
    max_cost = forms.DecimalField(
        label=_("Costs at most"), required=False, min_value=0, max_digits=9, decimal_places=2
    )
    max_hours = forms.IntegerField(
        label=_("Preparation hours at most"), required=False, min_value=0, max_value=HOURS_MAX
    )
    issuer = forms.ChoiceField(label=_("Issuer"), required=False)
    renews = forms.ChoiceField(
        label=_("Renewal"),
        required=False,
        choices=[
            ("", _("Any")),
            ("yes", _("Expires and must be renewed")),
            ("no", _("Never expires")),
        ],
    )

    def __init__(self, *args, issuers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [("", _("Any issuer"))] + [(i, i) for i in issuers]


class CustomCertificationForm(forms.Form):
    name = SingleLineField(label=_("Name"), max_length=200)
    issuer = SingleLineField(label=_("Issuer"), max_length=120, required=False)
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"),
        required=False,
        min_value=1,
        max_value=MONTHS_MAX,
        help_text=_("Leave empty if it never expires."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CertStatus.choices)
    exam_date = DateField(label=_("Exam date"), required=False)
    earned_on = DateField(label=_("Date earned"), required=False)
    credential_id = SingleLineField(label=_("Credential ID"), max_length=100, required=False)
    verification_url = SingleLineField(
        label=_("Verification link"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )


class ExpiryForm(forms.Form):
    expires_on = DateField(
        label=_("Expires on"),
        required=False,
        help_text=_(
            "Leave empty to use the date computed from the validity. After renewing, give the "
            "new expiry date: the renewal cycle moves with it."
        ),
    )
    notice_days = SingleLineField(
        label=_("Remind me (days before expiry)"),
        max_length=50,
        help_text=_("Comma-separated, e.g. 60, 30, 7. Each reminder is sent once."),
    )


class RenewForm(forms.Form):
    # The expiry the page showed: a second click (or another tab) does not renew twice.
    previous_expires_on = forms.DateField(required=False, widget=forms.HiddenInput)


class CreditForm(forms.Form):
    date = DateField(label=_("Date"))
    credits = forms.DecimalField(label=_("Credits"), max_digits=6, decimal_places=2)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int)
    description = SingleLineField(label=_("What you did"), max_length=300)
    evidence_url = SingleLineField(
        label=_("Evidence link"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(c.pk, c.name) for c in categories]
        self.fields["category"].empty_value = None
        if not categories:
            del self.fields["category"]
