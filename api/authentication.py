"""`Authorization: Token <key>` for other systems (browsers use their session)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.services import api_token_check


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"token", b"bearer"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the key after 'Token ', nothing else."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("This key is not valid.")) from exc
        token = api_token_check(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This key is not valid or was revoked."))
        if token.user.held_by_reform:
            # The same hold as the pages' (org.middleware.AbolishedUnitMiddleware).
            raise exceptions.PermissionDenied(
                _(
                    "This key's unit was abolished by the 2025 reform: the administrator must "
                    "issue a key for the new unit."
                ),
                code="unit_abolished",
            )
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
