"""Forms for the learner's profile and reminder preferences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from careerpath.accounts.models import User
from careerpath.accounts.timezones import timezone_choices


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
            "nudge_days_ahead": _("We nudge you this many days before a target date (1-30)."),
        }
