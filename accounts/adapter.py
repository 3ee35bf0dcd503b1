"""allauth adapter: the one place where the project adjusts how allauth signs learners up and
checks their passwords."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Anyone may follow the roadmap; close sign-ups here if that ever changes.
        return True

    def pre_authenticate(self, request, **credentials) -> None:
        """Counts a log-in attempt against the account's and the address's failed-login limits
        (allauth's "login_failed"); over them, answers 429 "Too many attempts".

        allauth shows a locked account as a form error with 200; every other limit answers 429,
        and a client (or a monitor) should not have to read the page to tell the two apart. The
        site's log-in page, the admin's (accounts/admin_login.py) and
        re-authentication all come through here."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            raise ImmediateHttpResponse(respond_429(request)) from None
