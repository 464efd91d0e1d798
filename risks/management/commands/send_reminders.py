from django.utils.translation import gettext as _

from risks.management.delivery_command import DeliveryCommand
from risks.reminders import reminder_previews, reminders_send_now


class Command(DeliveryCommand):
    help = (
        "Send this week's reminders of overdue commitments and follow-ups and those due within 14 days (each "
        "person at most once per week), or preview them."
    )
    what = "reminder"

    def handle(self, *args, dry_run=False, week=None, **options):
        now = self.moment(week)
        if dry_run:
            previews = reminder_previews(now=now)
            for recipient, _content, rendered in previews:
                self.write_preview(recipient, rendered)
            self.stdout.write(_("%(count)d reminders previewed; nothing was sent.") % {"count": len(previews)})
            return
        self.write_outcomes(reminders_send_now(now=now))
