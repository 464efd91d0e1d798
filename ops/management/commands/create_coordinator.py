"""Create (once) the demo coordinator login and print it."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from risks.models import RiskReportSubscription
from stakeholders.roles import COORDINATORS, role_group


class Command(BaseCommand):
    help = "Create the coordinator login (group Samordnare) if missing, and print the login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="samordnare")
        parser.add_argument("--superuser", action="store_true", help="Also make the login a superuser (demo setup).")

    def handle(self, *args, username, superuser, **options):
        password_file = settings.VAR_DIR / f"{username}.password"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User(username=username, email=f"{username}@localhost")
            user.set_password(password)
            user.is_staff = True
            user.is_superuser = user.is_superuser or superuser
            user.save()
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        else:
            password = password_file.read_text().strip()
        user.groups.add(role_group(COORDINATORS))
        # The coordinator login receives the whole portfolio's weekly risk report (unsubscribe in the admin).
        RiskReportSubscription.objects.get_or_create(user=user)
        self.stdout.write(
            _("Log in at %(url)s/admin/ as %(username)s with password %(password)s")
            % {"url": settings.SITE_URL, "username": username, "password": password}
        )
