"""The assessment jobs' default Celery beat schedules (Europe/Stockholm), created like 0002's."""

from django.db import migrations

from samverkan_project.beat_schedules import create_schedules

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


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_builtin_instruments"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [create_schedules(SCHEDULES)]
