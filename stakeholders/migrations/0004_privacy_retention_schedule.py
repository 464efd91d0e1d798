"""The privacy retention job's default Celery beat schedule (Europe/Stockholm), created like
assessments' 0002: coordinators edit it in the admin afterwards, and a schedule someone changed or
removed is never recreated."""

from django.db import migrations

SCHEDULES = [
    # name, task, minute, hour, day_of_week, description
    (
        "Privacy retention (daily)",
        "stakeholders.privacy_retention",
        "0",
        "3",
        "*",
        "Anonymises people who left longer ago than PRIVACY_ANONYMISE_AFTER_MONTHS and strips names and "
        "comments from assessment answers older than ASSESSMENT_ANSWER_RETENTION_MONTHS, every day at 03:00.",
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
        ("stakeholders", "0003_plausible_dates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
