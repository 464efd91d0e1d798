"""Issuing and revoking API tokens. The key is returned once, at creation; only its SHA-256 digest is kept."""

import hashlib
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import ApiToken, is_integration_account

# Keys look like ``svk_<43 url-safe characters>`` (256 random bits): recognisable in a leaked file or log.
KEY_PREFIX = "svk_"
SHOWN_PREFIX_LENGTH = 8


def key_digest(key: str) -> str:
    """The stored form of a key. A plain hash suffices: keys are random, not passwords a person chose."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_issue_refusal(*, issuer, account) -> str | None:
    """Why ``issuer`` (None: an operator on the command line) may not issue a token for ``account``, or None.

    A token acts as its account, and the change history names that account: a token for a colleague's login
    would let its holder act as that colleague. So a token is for yourself or for an integration account (no
    password, no admin access), and never reaches further than its issuer does."""
    if not is_integration_account(account) and (issuer is None or issuer.pk != account.pk):
        return _(
            "A token can only be issued for yourself or for an integration account (no password, no admin access)."
        )
    if issuer is None or issuer.is_superuser:
        return None
    if account.is_superuser or not account.get_all_permissions() <= issuer.get_all_permissions():
        return _("You cannot issue a token for an account that may do more than you.")
    return None


@transaction.atomic
def api_token_create(
    *, user, name: str, read_only: bool = True, expires_at: datetime | None = None, by=None
) -> tuple[ApiToken, str]:
    """Issue a token for ``user`` by ``by`` (None: the command line); returns the row and the key, shown once."""
    refusal = api_token_issue_refusal(issuer=by, account=user)
    if refusal:
        raise ValidationError({"user": refusal})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[:SHOWN_PREFIX_LENGTH],
        key_digest=key_digest(key),
        read_only=read_only,
        expires_at=expires_at,
        created_by=by,
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token from now on; revoking a revoked token changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)
    return token


def api_token_used(*, token: ApiToken, now: datetime | None = None) -> None:
    """Note when a token was used, at most once a minute, so reading through the API rarely writes."""
    now = now or timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
