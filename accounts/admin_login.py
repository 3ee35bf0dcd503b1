"""The admin's log-in page under the site's log-in limits: allauth's rate limits, one budget per
account and per address whichever of the two pages is used, and 429 once it is spent.

Django's admin checks passwords with no limit at all, so a staff account, the most valuable one,
was the one open to guessing. Staff keep their log-in page (no email verification needed, as
before); only the checking goes through allauth.
"""

from allauth.account.adapter import get_adapter
from allauth.decorators import rate_limit
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's form, checking the password as the site's log-in form does: through the
    adapter, which counts failures per account (by email, in any case) and per address, takes
    a success back off the count, and answers 429 over the limit
    (AccountAdapter.pre_authenticate)."""

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            adapter = get_adapter(self.request)
            self.user_cache = adapter.authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def admin_site_limit_logins(site: AdminSite) -> None:
    """Puts `site`'s log-in page under the limits; call it before `site.urls` is read."""
    site.login_form = StaffLoginForm
    # Every attempt, right or wrong, counts against the address's "login" budget (30/m/ip by
    # default), as allauth's LoginView does for the site's page.
    site.login = rate_limit(action="login")(site.login)
