"""The nightly deletion of retired signed documents (Europe/Stockholm), created like the other default
schedules: coordinators edit it in the admin afterwards, and a schedule someone changed or removed is
never recreated."""

from django.db import migrations

from samverkan_project.beat_schedules import create_schedules

SCHEDULES = [
    # name, task, minute, hour, day_of_week, description
    (
        "Retired signed documents (daily)",
        "agreements.retired_documents_delete",
        "30",
        "3",
        "*",
        "Deletes from storage the signed agreement documents that were replaced or removed (or whose "
        "agreement was deleted) longer ago than AGREEMENT_DOCUMENT_RETENTION_DAYS, every day at 03:30.",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0004_names_text_limits"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [create_schedules(SCHEDULES)]
