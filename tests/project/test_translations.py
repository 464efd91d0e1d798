"""The committed translations are complete and compiled: every Swedish message has a text, and the
committed .mo files are exactly what compiling the .po files gives."""

import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"


def catalog(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


def test_every_swedish_message_is_translated_and_not_fuzzy():
    missing = [m.id for m in catalog("sv") if m.id and (not m.string or m.fuzzy or (
        isinstance(m.string, tuple) and not all(m.string)))]
    assert missing == []


@pytest.mark.parametrize("language", ["sv", "en"])
def test_committed_mo_matches_the_po(language):
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language), use_fuzzy=False)
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").read_bytes() == compiled.getvalue()


def test_domain_labels_are_swedish_by_default_and_english_on_request():
    from stakeholders.models import Organization

    with translation.override("sv"):
        assert str(Organization._meta.verbose_name_plural) == "organisationer"
    with translation.override("en"):
        assert str(Organization._meta.verbose_name_plural) == "organisations"


def test_djangos_own_change_reads_andra_in_swedish():
    # Our catalogue once overrode Django's "Change" with "Byt" everywhere in the admin.
    with translation.override("sv"):
        assert translation.gettext("Change") == "Ändra"
