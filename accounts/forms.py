"""Forms for the learner's profile and reminder preferences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.timezones import timezone_choices
from core.form_fields import SingleLineField


class ProfileForm(forms.ModelForm):
    timezone = forms.TypedChoiceField(
        label=_("Timezone"),
        choices=timezone_choices,
        help_text=_("Reminders arrive at your chosen hour in this timezone."),
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a timezone we know. Pick one from the list, e.g. Europe/London."
            )
        },
    )

    class Meta:
        model = User
        fields = ["display_name", "timezone"]
        field_classes = {"display_name": SingleLineField}
        help_texts = {"display_name": _("How we greet you. Leave empty to use your email.")}


class ReminderPreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "digest_frequency",
            "digest_weekday",
            "digest_hour",
            "nudges_enabled",
            "nudge_days_ahead",
        ]
        widgets = {
            "digest_hour": forms.Select(choices=[(h, f"{h:02d}:00") for h in range(24)]),
        }
        help_texts = {
            "digest_frequency": _("A summary of your progress, what is overdue and what is next."),
            "digest_weekday": _("Used when the digest is weekly."),
            "digest_hour": _("In your own timezone; nudges arrive at this hour too."),
            "nudges_enabled": _(
                "Also certification expiry reminders (by default 60, 30 and 7 days before; "
                "set per certification)."
            ),
            "nudge_days_ahead": _("We nudge you this many days before a target date (1-30)."),
        }


class AccessTokenForm(forms.Form):
    LIFETIMES = [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
        ("never", _("Never")),
    ]

    name = SingleLineField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “weekly backup script”."),
    )
    lifetime = forms.ChoiceField(label=_("Expires after"), choices=LIFETIMES, initial="90")

    def clean_lifetime(self) -> int | None:
        value = self.cleaned_data["lifetime"]
        return None if value == "never" else int(value)


DELETE_WORD = "DELETE"


class DeleteAccountForm(forms.Form):
    confirmation = SingleLineField(
        label=_("Type your email address or DELETE to confirm"),
        max_length=254,
        help_text=_("This cannot be undone."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"].strip()
        if typed != DELETE_WORD and typed.lower() != self.user.email.lower():
            raise forms.ValidationError(
                _("That is neither your email address nor the word DELETE. Nothing was deleted."),
                code="mismatch",
            )
        return typed
