"""The Celery beat schedules (Periodic tasks) as coordinators may edit them.

django-celery-beat's admin lets anyone with the change permission pick any registered task and give it any
arguments, so a coordinator could schedule, say, the retention job with a date far in the future and anonymise
everyone who has left. Here coordinators change when a job runs and switch it on or off; which task runs,
with which arguments and execution options, and adding or deleting jobs, are for superusers.
"""

from django import forms
from django.contrib import admin
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin as LibraryCrontabScheduleAdmin
from django_celery_beat.admin import PeriodicTaskAdmin as LibraryPeriodicTaskAdmin
from django_celery_beat.admin import PeriodicTaskInline as LibraryPeriodicTaskInline
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

# cron-descriptor's Swedish leaves the names of days and months in English.
_SWEDISH_NAMES = {
    **dict(
        zip(
            ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
            strict=True,
        )
    ),
    **dict(
        zip(
            ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"),
            ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december"),
            strict=True,
        )
    ),
}


def crontab_description(crontab: CrontabSchedule) -> str:
    """The schedule in words, in the current language (the library's are always English)."""
    from cron_descriptor import ExpressionDescriptor, Options

    expression = " ".join(
        (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week)
    )
    options = Options()
    options.use_24hour_time_format = True
    options.locale_code = "sv_SE" if translation.get_language() == "sv" else "en_US"
    try:
        text = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # an expression cron-descriptor cannot read: show it as it is
        text = expression
    if options.locale_code == "sv_SE":
        for english, swedish in _SWEDISH_NAMES.items():
            text = text.replace(english, swedish)
    return f"{text} ({crontab.timezone})"


class TaskNameFilter(admin.AllValuesFieldListFilter):
    """The filter on the task, titled in the admin's language (the library's field label is English only)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("task")

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
    list_filter = [
        ("task", TaskNameFilter) if name == "task" else name for name in LibraryPeriodicTaskAdmin.list_filter
    ]

    @admin.display(description=_("Schedule in words"))
    def crontab_translation(self, obj):
        return crontab_description(obj.crontab) if obj and obj.crontab_id else ""

    @admin.display(description=_("task"))
    def task_name(self, obj):
        return obj.task

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # As the library's, with the schedules in words in the admin's language.
        extra_context = {
            **(extra_context or {}),
            "readable_crontabs": {
                crontab.id: crontab_description(crontab) for crontab in CrontabSchedule.objects.all()
            },
        }
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context)

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return self._superuser(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if self._superuser(request):
            return readonly
        # The task read-only under a label in the admin's language ("task_name", not the field's "Task Name").
        return (*readonly, "task_name", *(field for field in SUPERUSER_FIELDS if field != "task"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._superuser(request):
            return fieldsets
        # The registered-task chooser is a form field of the library's form only; the task shows read-only.
        return [
            (
                title,
                {
                    **options,
                    "fields": tuple(
                        "task_name" if field == "task" else field for field in options["fields"] if field != "regtask"
                    ),
                },
            )
            for title, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not self._superuser(request):
            kwargs["form"] = CoordinatorPeriodicTaskForm
        return super().get_form(request, obj, change=change, **kwargs)


class PeriodicTaskInline(LibraryPeriodicTaskInline):
    """The jobs on a schedule's page, the task under a label in the admin's language."""

    fields = ("name", "task_name", "args", "kwargs")
    readonly_fields = fields

    @admin.display(description=_("task"))
    def task_name(self, obj):
        return obj.task


for schedule_model in (IntervalSchedule, SolarSchedule, ClockedSchedule):
    admin.site._registry[schedule_model].inlines = [PeriodicTaskInline]

admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(LibraryCrontabScheduleAdmin):
    inlines = [PeriodicTaskInline]
    list_display = ("__str__", "in_words")
    fields = ("in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("in_words",)

    @admin.display(description=_("Schedule in words"))
    def in_words(self, obj):
        return crontab_description(obj) if obj and obj.pk else ""


# The coordinator's workspace: start page, search, agreement overview, person and organisation pages.
from ops import workspace_admin  # noqa: E402, F401
