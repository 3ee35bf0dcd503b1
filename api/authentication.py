"""Personal access tokens as API credentials: `Authorization: Bearer cpat_…`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from accounts import selectors, services


class AccessTokenAuthentication(BaseAuthentication):
    """Authenticates as the token's learner; `request.auth` is the PersonalAccessToken row.

    No CSRF check: a token is sent deliberately by a script, never added by a browser.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("The token is unknown, revoked or expired.")) from None
        now = timezone.now()
        token = selectors.access_token_check(token=raw, now=now)
        if token is None:
            raise AuthenticationFailed(_("The token is unknown, revoked or expired."))
        services.access_token_mark_used(token=token, now=now)
        return token.learner, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
