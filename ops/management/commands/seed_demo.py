"""Load the demo register (organisations and people), the demo agreements over it and their assessment rounds;
safe to run again."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ops.demo.agreements import seed_demo_agreements
from ops.demo.assessments import seed_demo_assessments
from ops.demo.collaboration import seed_demo_collaboration
from ops.demo.datafiles import DemoDataError
from ops.demo.dialogue import seed_demo_dialogue
from ops.demo.register import seed_demo_register


class Command(BaseCommand):
    help = gettext_lazy(
        "Load a fictional demo register of organisations and people, and demo agreements between them. "
        "Running it again changes nothing."
    )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                summaries = [
                    seed_demo_register(),
                    seed_demo_agreements(),
                    seed_demo_assessments(),
                    seed_demo_dialogue(),
                    seed_demo_collaboration(),
                ]
        except (ValidationError, DemoDataError) as exc:
            # A DemoDataError is a data file that cannot be read; its message names the file and the entry.
            errors = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(
                _("The demo data was refused and nothing was saved: %(errors)s") % {"errors": "; ".join(errors)}
            ) from exc
        for summary in summaries:
            for model, counts in summary.counts.items():
                self.stdout.write(
                    _("%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                    % {
                        "label": capfirst(model._meta.verbose_name_plural),
                        "created": counts.created,
                        "updated": counts.updated,
                        "unchanged": counts.unchanged,
                    }
                )
        if any(summary.changed for summary in summaries):
            self.stdout.write(self.style.SUCCESS(_("The demo register is loaded.")))
        else:
            self.stdout.write(_("The demo register was already up to date; nothing changed."))
