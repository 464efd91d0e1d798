"""The shipped Celery beat schedules in Swedish, as a coordinator reads them in the Periodic tasks admin.

Only a schedule that still has its shipped English name and description is renamed (found by its task); one
a coordinator has renamed or described anew is left as it is."""

from django.db import migrations

# task: (English name, Swedish name, English description, Swedish description)
SCHEDULE_NAMES = {
    "assessments.risk_scan_scheduled": (
        "Risk scan (nightly)",
        "Risksökning (varje natt)",
        "Scans the whole portfolio for risks every night at 02:00.",
        "Söker igenom hela portföljen efter risker varje natt kl. 02.00.",
    ),
    "assessments.risk_reports_send": (
        "Risk e-mail report (weekly)",
        "Riskrapport per e-post (varje vecka)",
        "Sends the weekly risk report every Monday at 07:00, and retries unsent ones.",
        "Skickar veckans riskrapport varje måndag kl. 07.00 och försöker igen med dem som inte gått iväg.",
    ),
    "assessments.assessment_rounds_open": (
        "Assessment rounds: open and invite (daily)",
        "Bedömningsomgångar: öppna och bjud in (dagligen)",
        "Opens the assessment rounds that are due, starts new ones when an agreement's interval has passed, "
        "and mails the invitations, every day at 06:00.",
        "Öppnar de bedömningsomgångar som ska öppnas, startar nya när en överenskommelses intervall har gått "
        "och skickar inbjudningarna, varje dag kl. 06.00.",
    ),
    "assessments.assessment_rounds_follow_up": (
        "Assessment rounds: remind and close (daily)",
        "Bedömningsomgångar: påminn och stäng (dagligen)",
        "Reminds respondents who have not answered before a round closes, and closes rounds past their date, "
        "every day at 06:30.",
        "Påminner dem som inte har svarat innan en omgång stänger och stänger omgångar vars slutdatum har "
        "passerat, varje dag kl. 06.30.",
    ),
    "stakeholders.privacy_retention": (
        "Privacy retention (daily)",
        "Gallring av personuppgifter (dagligen)",
        "Anonymises people who left longer ago than PRIVACY_ANONYMISE_AFTER_MONTHS and strips names and "
        "comments from assessment answers older than ASSESSMENT_ANSWER_RETENTION_MONTHS, every day at 03:00.",
        "Anonymiserar personer som slutade för längre sedan än PRIVACY_ANONYMISE_AFTER_MONTHS månader och tar "
        "bort namn och kommentarer från bedömningssvar äldre än ASSESSMENT_ANSWER_RETENTION_MONTHS månader, "
        "varje dag kl. 03.00.",
    ),
    "agreements.retired_documents_delete": (
        "Retired signed documents (daily)",
        "Gallring av ersatta underskrivna dokument (dagligen)",
        "Deletes from storage the signed agreement documents that were replaced or removed (or whose "
        "agreement was deleted) longer ago than AGREEMENT_DOCUMENT_RETENTION_DAYS, every day at 03:30.",
        "Raderar de underskrivna överenskommelser (dokument) som ersattes eller togs bort (eller vars "
        "överenskommelse raderades) för längre sedan än AGREEMENT_DOCUMENT_RETENTION_DAYS dagar, varje dag "
        "kl. 03.30.",
    ),
    "risks.reminders_send": (
        "Reminders of commitments and follow-ups (weekly)",
        "Påminnelser om åtaganden och uppföljningar (varje vecka)",
        "Every Monday at 07:30 each responsible person gets one e-mail of what is overdue or due within 14 days; "
        "retries unsent ones.",
        "Varje måndag kl. 07.30 får varje ansvarig person ett e-brev om det som är försenat eller ska vara klart "
        "inom 14 dagar; försöker igen med dem som inte gått iväg.",
    ),
}


def _rename(apps, forward: bool) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (name_en, name_sv, description_en, description_sv) in SCHEDULE_NAMES.items():
        old, new = ((name_en, description_en), (name_sv, description_sv)) if forward else (
            (name_sv, description_sv),
            (name_en, description_en),
        )
        if PeriodicTask.objects.filter(name=new[0]).exists():
            continue  # the name is taken: leave both alone
        PeriodicTask.objects.filter(task=task, name=old[0]).update(name=new[0])
        PeriodicTask.objects.filter(task=task, name=new[0], description=old[1]).update(description=new[1])


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("assessments", "0006_assessment_schedules"),
        ("stakeholders", "0004_privacy_retention_schedule"),
        ("agreements", "0005_retired_documents_schedule"),
        ("risks", "0004_reminders"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _rename(apps, True), lambda apps, schema_editor: _rename(apps, False)
        )
    ]
