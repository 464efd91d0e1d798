from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from assessments import services


class Command(BaseCommand):
    help = (
        "Run the daily assessment jobs now, in this process: start and open the rounds that are due and send "
        "their invitations, then close rounds past their date and send reminders."
    )

    def add_arguments(self, parser):
        parser.add_argument("--open-only", action="store_true", help="Only start/open rounds and invite.")
        parser.add_argument("--follow-up-only", action="store_true", help="Only close rounds and remind.")

    def handle(self, *args, **options):
        if not options["follow_up_only"]:
            self.stdout.write(
                _("Open and invite: %(outcome)s") % {"outcome": services.describe_open(services.daily_open())}
            )
        if not options["open_only"]:
            self.stdout.write(
                _("Remind and close: %(outcome)s")
                % {"outcome": services.describe_follow_up(services.daily_follow_up())}
            )
