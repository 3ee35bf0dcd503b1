"""The sign-up form: allauth's, made to cost the same whether or not the address has an account.

allauth answers a sign-up with a registered address exactly as a new one (same page, and a mail
to the owner), but skipped the work a new account costs, above all hashing its password: 15 ms
against 264 ms with the production hasher, which told anyone timing the answer which addresses
are registered.
"""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # What save() spends on a new account's password, spent and thrown away. The
            # remaining difference (two small inserts) is within the noise of a request.
            make_password(self.cleaned_data.get("password1", ""))
        return super().try_save(request)
