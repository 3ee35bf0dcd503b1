"""The sign-up form: allauth's, with the learner's timezone, made to cost the same whether or not
the address has an account.

The timezone is a plain list (UTC first selected) that app.js pre-selects from the browser's own
(Intl API), so "09:00" reminders come at nine where the learner lives; the learner can change it,
and the server accepts only a zone from the list.

allauth answers a sign-up with a registered address exactly as a new one (same page, and a mail
to the owner), but skipped the work a new account costs, above all hashing its password: 15 ms
against 264 ms with the production hasher, which told anyone timing the answer which addresses
are registered.
"""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from accounts.services import profile_timezone_set
from accounts.timezones import timezone_choices


class SignupForm(AllauthSignupForm):
    timezone = forms.ChoiceField(
        label=_("Your timezone"),
        choices=timezone_choices,
        initial="UTC",
        required=False,  # a form that never showed the list (no field sent) means UTC
        help_text=_(
            "Guessed from your browser; change it if it is wrong. Reminders arrive at "
            "your chosen hour in this timezone."
        ),
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a timezone we know. Pick one from the list, e.g. Europe/London."
            )
        },
        widget=forms.Select(attrs={"data-detect-timezone": ""}),
    )

    def clean_timezone(self) -> str:
        return self.cleaned_data["timezone"] or "UTC"

    def custom_signup(self, request, user) -> None:
        profile_timezone_set(user=user, timezone=self.cleaned_data["timezone"])

    def try_save(self, request):
        if self.account_already_exists:
            # What save() spends on a new account's password, spent and thrown away. The
            # remaining difference (two small inserts) is within the noise of a request.
            make_password(self.cleaned_data.get("password1", ""))
        return super().try_save(request)
