"""Who may log in: the client address of a request and the page shown to a login refused by django-axes."""

import ipaddress

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
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


def cool_off_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = cool_off_minutes()
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
            "message": lockout_message(),
            "title": _("Login refused"),
            "login_url": request.path if request.path.endswith("/login/") else reverse("admin:login"),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
