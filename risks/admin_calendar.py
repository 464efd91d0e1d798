"""The calendar feed on the user's admin page: when it was made and last read, and revoking it (delete)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from stakeholders.models import CalendarFeed


class CalendarFeedInline(admin.TabularInline):
    model = CalendarFeed
    fields = ("created_at", "last_used_at")
    readonly_fields = fields
    extra = 0
    max_num = 1
    can_delete = True
    verbose_name = _("calendar link")
    verbose_name_plural = _("Calendar link (delete to revoke; the user makes a new one on their calendar page)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("auth.change_user")


User = get_user_model()
if User in admin.site._registry:
    base = type(admin.site._registry[User])
    extended = type(
        f"Calendar{base.__name__}", (base,), {"inlines": (*base.inlines, CalendarFeedInline), "__module__": __name__}
    )
    admin.site.unregister(User)
    admin.site.register(User, extended)
