"""Writes on risk flags outside a scan: a coordinator acknowledging a flag."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from risks.choices import FlagStatus
from risks.models import RiskFlag

logger = logging.getLogger(__name__)

# The id no flag has: keeps "resolve these ids" one statement even when the list is empty, so a scan
# issues the same queries whatever it finds.

# --- flags -----------------------------------------------------------------------------------------


@transaction.atomic
def flag_acknowledge(*, flag: RiskFlag, by, note: str) -> RiskFlag:
    """A coordinator has seen the risk: open (or acknowledged) → acknowledged, with who and a note.
    The flag still resolves by itself when a scan no longer finds the risk."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write a note: what is being done about the risk, or why it is accepted.")})
    try:
        RiskFlag._meta.get_field("acknowledgement_note").run_validators(note)
    except ValidationError as exc:
        raise ValidationError({"note": exc.messages}) from exc
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status == FlagStatus.RESOLVED:
        raise ValidationError({"status": _("The risk is already resolved.")})
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.acknowledged_at = timezone.now()
    flag.acknowledged_by = by
    flag.acknowledgement_note = note
    flag.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    return flag
