"""The Celery beat schedules (Periodic tasks) as coordinators may edit them.

django-celery-beat's admin lets anyone with the change permission pick any registered task and give it any
arguments, so a coordinator could schedule, say, the retention job with a date far in the future and anonymise
everyone who has left. Here coordinators change when a job runs and switch it on or off; which task runs,
with which arguments and execution options, and adding or deleting jobs, are for superusers.
"""

from django import forms
from django.contrib import admin
from django_celery_beat.admin import PeriodicTaskAdmin as LibraryPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

# What a coordinator may change on a job: its schedule, whether it runs, and its description.
COORDINATOR_FIELDS = ("enabled", "description", "interval", "crontab", "solar", "clocked", "start_time", "one_off")
# Shown to coordinators, not editable: which task runs and how.
SUPERUSER_FIELDS = (
    "name",
    "task",
    "args",
    "kwargs",
    "expires",
    "expire_seconds",
    "queue",
    "exchange",
    "routing_key",
    "priority",
    "headers",
)


class CoordinatorPeriodicTaskForm(forms.ModelForm):
    """The library's form without the task choice: the task and its arguments stay as a superuser set them."""

    class Meta:
        model = PeriodicTask
        fields = COORDINATOR_FIELDS


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(LibraryPeriodicTaskAdmin):
    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return self._superuser(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if self._superuser(request) else (*readonly, *SUPERUSER_FIELDS)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._superuser(request):
            return fieldsets
        # The registered-task chooser is a form field of the library's form only; the task shows read-only.
        return [
            (title, {**options, "fields": tuple(field for field in options["fields"] if field != "regtask")})
            for title, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not self._superuser(request):
            kwargs["form"] = CoordinatorPeriodicTaskForm
        return super().get_form(request, obj, change=change, **kwargs)


# The coordinator's workspace: start page, search, agreement overview, person and organisation pages.
from ops import workspace_admin  # noqa: E402, F401
