from django.utils.translation import gettext as _

from risks.choices import ReportKind
from risks.management.delivery_command import DeliveryCommand
from risks.reports import deliveries_send_now, report_previews


class Command(DeliveryCommand):
    help = "Send this week's risk e-mail reports now (each recipient at most once per week), or preview them."
    what = "report"

    def handle(self, *args, dry_run=False, week=None, **options):
        now = self.moment(week)
        if dry_run:
            previews = report_previews(now=now)
            for recipient, content, rendered in previews:
                if recipient.report == ReportKind.COORDINATOR and content.is_empty:
                    self.stdout.write(_("%(email)s: nothing to report, no e-mail.") % {"email": recipient.email})
                    continue
                self.write_preview(recipient, rendered)
            self.stdout.write(_("%(count)d reports previewed; nothing was sent.") % {"count": len(previews)})
            return
        self.write_outcomes(deliveries_send_now(now=now))
