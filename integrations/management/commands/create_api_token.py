"""Issue an API token for an account and print its key (shown this once)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.services import api_token_create


class Command(BaseCommand):
    help = "Issue an API token for an account (an integration account, say) and print its key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="Which integration uses the token (default: the username).")
        parser.add_argument("--read-only", action="store_true", help="The token may only read (GET).")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Default: never expires.")
        parser.add_argument(
            "--create-account",
            action="store_true",
            help="Create the account if missing: no password, no admin access (an integration account).",
        )
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            help="Add the account to this group (Samordnare, Läsare); may be repeated.",
        )

    @transaction.atomic
    def handle(self, *args, username, name, read_only, expires_in_days, create_account, group, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create_account:
                raise CommandError(_("No account %(username)s (add --create-account).") % {"username": username})
            user = User(username=username)
            user.set_unusable_password()
            user.save()
        groups = list(Group.objects.filter(name__in=group))
        missing = set(group) - {found.name for found in groups}
        if missing:
            raise CommandError(_("No such group: %(groups)s") % {"groups": ", ".join(sorted(missing))})
        user.groups.add(*groups)
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError(_("--expires-in-days must be at least 1."))
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            token, key = api_token_create(user=user, name=name or username, read_only=read_only, expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            (
                _("Read-only token %(name)s for %(username)s; copy the key now, it is not shown again:")
                if read_only
                else _("Token %(name)s for %(username)s; copy the key now, it is not shown again:")
            )
            % {"name": token.name, "username": username}
        )
        self.stdout.write(key)
