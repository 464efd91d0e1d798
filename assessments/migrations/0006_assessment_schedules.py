"""The assessment jobs' default Celery beat schedules (Europe/Stockholm), created like 0002's."""

from django.db import migrations

SCHEDULES = [
    # name, task, minute, hour, day_of_week, description
    (
        "Assessment rounds: open and invite (daily)",
        "assessments.assessment_rounds_open",
        "0",
        "6",
        "*",
        "Opens the assessment rounds that are due, starts new ones when an agreement's interval has passed, "
        "and mails the invitations, every day at 06:00.",
    ),
    (
        "Assessment rounds: remind and close (daily)",
        "assessments.assessment_rounds_follow_up",
        "30",
        "6",
        "*",
        "Reminds respondents who have not answered before a round closes, and closes rounds past their date, "
        "every day at 06:30.",
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
        ("assessments", "0005_builtin_instruments"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
