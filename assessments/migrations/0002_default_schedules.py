"""The default Celery beat schedules (Europe/Stockholm); coordinators edit them in the admin afterwards,
and a schedule someone changed or removed is never recreated."""

from django.db import migrations

from samverkan_project.beat_schedules import create_schedules

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


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [create_schedules(SCHEDULES)]
