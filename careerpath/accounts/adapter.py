"""allauth adapter: the one place where the project adjusts how allauth signs learners up."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Anyone may follow the roadmap; close sign-ups here if that ever changes.
        return True
