"""The privacy retention job's default Celery beat schedule (Europe/Stockholm), created like
assessments' 0002: coordinators edit it in the admin afterwards, and a schedule someone changed or
removed is never recreated."""

from django.db import migrations

from samverkan_project.beat_schedules import create_schedules

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


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0003_plausible_dates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [create_schedules(SCHEDULES)]
