"""The calendar feed for calendar clients, and the page where a user makes or revokes their feed's URL."""

from django.contrib.admin import site
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from risks import calendar
from stakeholders.models import CalendarFeed


@never_cache
@require_GET
def calendar_feed(request, secret: str):
    """The user's events as iCalendar (text/calendar); an unknown or revoked secret is a 404."""
    user = calendar.feed_user(secret)
    if user is None:
        raise Http404(_("No such calendar."))
    response = HttpResponse(calendar.feed_calendar(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="samverkan.ics"'
    return response


@never_cache
@staff_member_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    """Make a new feed URL (shown this once) or revoke the current one."""
    url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar.feed_revoke(user=request.user)
        else:
            url = calendar.feed_create(user=request.user)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    context = {
        **site.each_context(request),
        "title": _("Your calendar"),
        "feed": feed,
        "url": url,
        "portfolio": calendar.sees_portfolio(request.user),
    }
    return TemplateResponse(request, "risks/calendar.html", context)
