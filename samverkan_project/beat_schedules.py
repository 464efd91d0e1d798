"""Default Celery beat schedules created by data migrations (Europe/Stockholm). Coordinators edit them
in the admin afterwards, and a schedule someone changed or removed is never recreated."""

from functools import partial

from django.db import migrations

# (name, task, minute, hour, day_of_week, description)
Schedule = tuple[str, str, str, str, str, str]


def _create(schedules: list[Schedule], apps, schema_editor) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week, description in schedules:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone="Europe/Stockholm",
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "description": description, "enabled": True}
        )


def _remove(schedules: list[Schedule], apps, schema_editor) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in schedules]).delete()


def create_schedules(schedules: list[Schedule]) -> migrations.RunPython:
    """The migration operation creating ``schedules`` (and removing them when unapplied)."""
    return migrations.RunPython(partial(_create, schedules), partial(_remove, schedules))
