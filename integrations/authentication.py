"""Token authentication for integrations: ``Authorization: Token <key>``.

Keys issued by ``create_api_token`` or the admin (integrations.ApiToken) are stored as digests and may be
limited to reading; a read-only token is refused (403) for anything but GET/HEAD/OPTIONS here, in
authentication, so no view's own permission classes can forget it. Keys made earlier with DRF's
``drf_create_token`` (rest_framework.authtoken) are still accepted, with their account's permissions.

A client that keeps sending unknown keys is refused with 429 for a while (``API_TOKEN_FAILURE_LIMIT``
failures per ``API_TOKEN_FAILURE_WINDOW`` seconds), counted in the cache shared by all processes (or, while it
is unreachable, in each process); a valid token is accepted all the same.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from samverkan_project.access import client_address
from samverkan_project.ratelimit import FailureLimiter

bad_tokens = FailureLimiter(
    "api:bad-tokens",
    limit_setting="API_TOKEN_FAILURE_LIMIT",
    window_setting="API_TOKEN_FAILURE_WINDOW",
    limit_default=20,
    window_default=600,
    description="the API token failure limit",
)


def client_ident(request) -> str:
    """The client's address as the login limit and the answer page see it (samverkan_project.access): behind
    TRUSTED_PROXY_COUNT proxies, X-Forwarded-For counted from the right, so a client cannot pick its own."""
    return client_address(request) or "unknown"


class TooManyFailedTokens(exceptions.Throttled):
    default_detail = _("Too many requests with an unknown or invalid token.")


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This API token may only read (GET, HEAD, OPTIONS); ask for a token that may write.")
    default_code = "read_only_token"


class ApiTokenAuthentication(TokenAuthentication):
    """``Token <key>``: an integrations.ApiToken (by digest) or, for older keys, a DRF authtoken."""

    keyword = "Token"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        try:
            user, token = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            # Only failures are counted and refused: a valid token always gets in, so a client sharing an
            # address (a NAT, a proxy) with one that keeps sending a wrong key is never locked out with it.
            client = client_ident(request)
            if bad_tokens.blocked(client):
                raise TooManyFailedTokens(wait=bad_tokens.window) from None
            bad_tokens.failed(client)
            raise
        if getattr(token, "read_only", False) and request.method not in SAFE_METHODS:
            raise ReadOnlyToken()
        return user, token

    def authenticate_credentials(self, key):
        # Imported here: DRF imports this class while building APIView, which may be before the models are ready.
        from rest_framework.authtoken.models import Token

        from integrations.models import is_integration_account
        from integrations.selectors import api_token_for_key
        from integrations.services import api_token_used

        token = api_token_for_key(key)
        if token is None:
            # An older DRF key (40 hex characters, stored as is); never a key of ours.
            token = Token.objects.select_related("user").filter(key=key).first() if len(key) == 40 else None
            if token is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
        elif not token.is_usable():
            raise exceptions.AuthenticationFailed(_("The token has expired or was revoked."))
        elif token.created_by_id not in (None, token.user_id) and not is_integration_account(token.user):
            # Issued by someone else for a person's login (possible before that was refused): it would act,
            # and appear in the history, as that person.
            raise exceptions.AuthenticationFailed(
                _("This token was issued by someone else for a personal login and is not accepted.")
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if hasattr(token, "last_used_at"):
            api_token_used(token=token)
        return token.user, token
