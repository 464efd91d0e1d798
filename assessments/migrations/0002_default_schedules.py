"""The default Celery beat schedules (Europe/Stockholm); coordinators edit them in the admin afterwards,
and a schedule someone changed or removed is never recreated."""

from django.db import migrations

SCHEDULES = [
    # name, task, minute, hour, day_of_week, description
    (
        "Risk scan (nightly)",
        "assessments.risk_scan_scheduled",
        "0",
        "2",
        "*",
        "Scans the whole portfolio for risks every night at 02:00.",
    ),
    (
        "Risk e-mail report (weekly)",
        "assessments.risk_reports_send",
        "0",
        "7",
        "1",
        "Sends the weekly risk report every Monday at 07:00, and retries unsent ones.",
    ),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week, description in SCHEDULES:
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


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
