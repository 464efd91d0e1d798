"""Personal data of one person (GDPR): export it as JSON, anonymise it, or run the retention job by hand."""

import json
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from stakeholders.models import Person
from stakeholders.privacy import person_anonymise, person_export, privacy_retention


class Command(BaseCommand):
    help = (
        "person_data export <id> [--output FILE]: everything stored about a person as JSON; "
        "person_data anonymise <id>: replace the person's identity by a pseudonym everywhere; "
        "person_data retention [--today YYYY-MM-DD]: the daily retention job, now."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Print (or write) everything stored about a person as JSON.")
        export.add_argument("person_id", type=int)
        export.add_argument("--output", "-o", help="Write the JSON to this file instead of standard output.")
        anonymise = actions.add_parser("anonymise", help="Anonymise a person; roles stay under a pseudonym.")
        anonymise.add_argument("person_id", type=int)
        retention = actions.add_parser("retention", help="Run the retention job now.")
        retention.add_argument("--today", type=date.fromisoformat, help="Run as if today were this day.")

    def handle(self, *args, action, **options):
        if action == "retention":
            self.stdout.write(privacy_retention(today=options.get("today")).describe())
            return
        person = Person.objects.filter(pk=options["person_id"]).first()
        if person is None:
            raise CommandError(_("No person with id %(id)s.") % {"id": options["person_id"]})
        if action == "export":
            text = json.dumps(person_export(person), ensure_ascii=False, indent=2)
            if options.get("output"):
                with open(options["output"], "w", encoding="utf-8") as file:
                    file.write(text + "\n")
                self.stdout.write(
                    _("Personal data of person %(id)d written to %(file)s.")
                    % {"id": person.pk, "file": options["output"]}
                )
            else:
                self.stdout.write(text)
            return
        try:
            person = person_anonymise(person)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(person.anonymisation.describe(person))
