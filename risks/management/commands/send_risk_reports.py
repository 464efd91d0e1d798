from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from risks.choices import ReportKind
from risks.reminders import week_moment
from risks.reports import deliveries_send_now, report_previews


class Command(BaseCommand):
    help = "Send this week's risk e-mail reports now (each recipient at most once per week), or preview them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print each report (recipient, subject, text) without sending."
        )
        parser.add_argument("--week", help="The ISO week to preview or send, as YYYY-Www (default: this week).")

    def handle(self, *args, dry_run=False, week=None, **options):
        try:
            now = week_moment(week) if week else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if dry_run:
            previews = report_previews(now=now)
            for recipient, content, rendered in previews:
                if recipient.report == ReportKind.COORDINATOR and content.is_empty:
                    self.stdout.write(_("%(email)s: nothing to report, no e-mail.") % {"email": recipient.email})
                    continue
                self.stdout.write("=" * 78)
                self.stdout.write(
                    _("To: %(email)s (%(language)s)") % {"email": recipient.email, "language": recipient.language}
                )
                self.stdout.write(_("Subject: %(subject)s") % {"subject": rendered.subject})
                self.stdout.write("")
                self.stdout.write(rendered.text)
            self.stdout.write(_("%(count)d reports previewed; nothing was sent.") % {"count": len(previews)})
            return
        outcomes = deliveries_send_now(now=now)
        failed = 0
        for delivery, outcome in outcomes:
            self.stdout.write(f"{delivery.email}: {outcome}")
            failed += outcome.startswith("failed")
        self.stdout.write(
            _("%(count)d deliveries handled, %(failed)d failed (they are retried by the next run).")
            % {"count": len(outcomes), "failed": failed}
        )
        if failed:
            raise CommandError(_("%(failed)d deliveries failed.") % {"failed": failed})
