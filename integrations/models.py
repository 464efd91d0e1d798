"""API tokens of integration accounts: only a digest of the key is stored, and a token may be limited to reading.
Every change-history row written with a token is noted (ApiTokenWrite), so the history names the token and its
issuer beside the account it acted as."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A key an integration sends as ``Authorization: Token <key>``; it acts as its user, or only reads."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Which integration uses the token."))
    # The first characters of the key, to recognise a token in lists and logs; never enough to use it.
    prefix = models.CharField(_("key begins with"), max_length=12, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(
        _("read only"),
        default=True,
        help_text=_("A read-only token can only read (GET), whatever its account may do."),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: never expires."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="apitoken_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_usable(self, now=None) -> bool:
        """Neither revoked nor expired (the account's own state is checked at authentication)."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def is_integration_account(user) -> bool:
    """An account made for a machine: no password and no admin access, so no person logs in with it."""
    return not user.has_usable_password() and not user.is_staff and not user.is_superuser


class ApiTokenWrite(models.Model):
    """One change-history row (django-simple-history) written through an API token: the token and its issuer.

    The history row itself names the token's account; this names how the change came. The key's prefix is
    kept too, so the note still says which token it was should the token's row ever be deleted."""

    history_model = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    history_id = models.BigIntegerField()
    token = models.ForeignKey(
        ApiToken, verbose_name=_("API token"), on_delete=models.SET_NULL, null=True, related_name="writes"
    )
    token_prefix = models.CharField(_("key begins with"), max_length=12)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("write with an API token")
        verbose_name_plural = _("writes with API tokens")
        constraints = [
            models.UniqueConstraint(fields=["history_model", "history_id"], name="apitokenwrite_one_per_history_row")
        ]

    def __str__(self) -> str:
        return describe_write(self)


def describe_write(write: ApiTokenWrite) -> str:
    """The note on a history page: API token «name» (svk_ab12…), issued by <username>."""
    token = write.token
    label = f"«{token.name}» ({write.token_prefix}…)" if token is not None else f"{write.token_prefix}…"
    if write.issued_by is not None:
        return _("API token %(token)s, issued by %(issuer)s") % {"token": label, "issuer": write.issued_by}
    return _("API token %(token)s, issued on the command line") % {"token": label}
