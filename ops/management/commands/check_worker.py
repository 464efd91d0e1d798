"""Send a probe task through the broker and wait for a worker to answer."""

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ops.tasks import probe


class Command(BaseCommand):
    help = "Check that a Celery worker answers through the broker and reaches the database."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=15.0)

    def handle(self, *args, timeout, **options):
        try:
            result = probe.delay().get(timeout=timeout)
        except CeleryTimeoutError as exc:
            raise CommandError(_("No worker answered within %(seconds)s seconds.") % {"seconds": timeout}) from exc
        except NotImplementedError as exc:  # no result backend configured
            raise CommandError(_("A result backend (CELERY_RESULT_BACKEND) is needed for this check.")) from exc
        self.stdout.write(_("Worker answered: database %(database)s, %(organizations)s organisations.") % result)
