"""Who may log in: the client address of a request, the limit on usernames failed from one address (password
spraying) and the page shown to a login refused by django-axes or that limit."""

import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_address(request) -> str | None:
    """The client's IP address: the direct peer, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost trusted proxy saw (X-Forwarded-For counted from the right, which a client cannot forge).
    None when there is no valid address (a test client's login, a Unix socket)."""
    candidates = []
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidates.append(forwarded[-proxies])
    candidates.append(request.META.get("REMOTE_ADDR") or "")
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def usernames_failed_from(address: str) -> int:
    """How many usernames failed to log in from ``address`` within the cool-off (django-axes keeps one row per
    username and address in the database, so every process and machine sees the same count)."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return (
        AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).values("username").distinct().count()
    )


class LoginLimitBackend(AxesStandaloneBackend):
    """django-axes' lockout of one username at one address, and a lockout of the whole address once it has
    failed with ``LOGIN_ADDRESS_USERNAME_LIMIT`` different usernames: password spraying tries one password on
    many accounts, each staying under the per-username limit. First in AUTHENTICATION_BACKENDS; it logs no one in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        super().authenticate(request, username=username, password=password, **kwargs)
        if not settings.AXES_ENABLED or request is None:
            return None
        address = client_address(request)
        if address and usernames_failed_from(address) >= settings.LOGIN_ADDRESS_USERNAME_LIMIT:
            request.axes_locked_out = True  # axes' middleware answers with lockout_response, and records nothing
            request.address_locked_out = True
            raise AxesBackendPermissionDenied("too many usernames failed from this address")
        return None


def cool_off_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message(*, address: bool = False) -> str:
    minutes = cool_off_minutes()
    if address:
        return ngettext(
            "Too many failed logins from your address. Try again in %(minutes)d minute.",
            "Too many failed logins from your address. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    return ngettext(
        "Too many failed logins for this user from your address. Try again in %(minutes)d minute.",
        "Too many failed logins for this user from your address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout: the reason and when to come back, in the user's language, with 429."""
    response = render(
        request,
        "access/locked_out.html",
        {
            "message": lockout_message(address=getattr(request, "address_locked_out", False)),
            "title": _("Login refused"),
            "login_url": request.path if request.path.endswith("/login/") else reverse("admin:login"),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
