"""Compile locale/*/LC_MESSAGES/django.po to .mo without GNU gettext (Babel does it in Python)."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files."

    def handle(self, *args, **options):
        compiled = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                try:
                    with po_path.open("rb") as po_file:
                        catalog = read_po(po_file, locale=po_path.parent.parent.name)
                except Exception as exc:
                    raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": po_path, "error": exc}) from exc
                mo_path = po_path.with_suffix(".mo")
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
                compiled += 1
                self.stdout.write(str(mo_path.relative_to(settings.BASE_DIR)))
        self.stdout.write(_("%(count)d translation files compiled.") % {"count": compiled})
