from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from risks.calendar import feed_create


class Command(BaseCommand):
    help = (
        "Print a user's calendar feed URL (under SITE_URL). Only a digest of the secret is stored, so this makes "
        "a new URL; the user's earlier one stops working."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user %(username)s.") % {"username": username})
        self.stdout.write(feed_create(user=user))
