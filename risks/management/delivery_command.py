"""What the two mailing commands (send_risk_reports, send_reminders) share: the week, the preview, the outcome."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from risks.reminders import week_moment


class DeliveryCommand(BaseCommand):
    what = "message"  # for the --dry-run help

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=f"Print each {self.what} (recipient, subject, text) without sending.",
        )
        parser.add_argument("--week", help="The ISO week to preview or send, as YYYY-Www (default: this week).")

    def moment(self, week):
        try:
            return week_moment(week) if week else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def write_preview(self, recipient, rendered) -> None:
        self.stdout.write("=" * 78)
        self.stdout.write(
            _("To: %(email)s (%(language)s)") % {"email": recipient.email, "language": recipient.language}
        )
        self.stdout.write(_("Subject: %(subject)s") % {"subject": rendered.subject})
        self.stdout.write("")
        self.stdout.write(rendered.text)

    def write_outcomes(self, outcomes) -> None:
        """Each delivery's outcome; fails (exit 1) when any failed (the next run retries them)."""
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
