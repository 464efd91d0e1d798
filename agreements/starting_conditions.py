"""Reads and writes of an agreement's starting conditions (001, after Ansell & Gash) and its parties'
incentives and constraints. Kept apart from the agreement's own representation: its own endpoint and
its own section of the agreement page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agreements.choices import PITFALL_QUESTIONS
from agreements.models import Agreement, Party, PartyConditions, StartingConditions

SCALAR_FIELDS = (
    "power_asymmetry",
    "power_asymmetry_note",
    "resource_asymmetry",
    "resource_asymmetry_note",
    "knowledge_asymmetry",
    "knowledge_asymmetry_note",
    "prior_trust",
    "prior_trust_note",
    "conflict_history",
)


@dataclass
class PartyRow:
    party: Party
    conditions: PartyConditions | None

    @property
    def incentives(self) -> str:
        return self.conditions.incentives if self.conditions else ""

    @property
    def constraints(self) -> str:
        return self.conditions.constraints if self.conditions else ""


@dataclass
class StartingConditionsView:
    agreement: Agreement
    conditions: StartingConditions  # unsaved (all blank) when nothing is recorded yet
    parties: list[PartyRow]

    @property
    def pitfalls(self) -> list[dict]:
        return [
            {
                "question": code,
                "text": str(text),
                "answer": getattr(self.conditions, f"pitfall_{code}"),
                "note": getattr(self.conditions, f"pitfall_{code}_note"),
            }
            for code, text in PITFALL_QUESTIONS.items()
        ]


def starting_conditions_of(agreement: Agreement) -> StartingConditionsView:
    """Three queries: the conditions, the parties with their organisations, their conditions."""
    conditions = StartingConditions.objects.filter(agreement=agreement).first() or StartingConditions(
        agreement=agreement
    )
    parties = list(Party.objects.filter(agreement=agreement).select_related("organization").order_by("id"))
    by_party = {row.party_id: row for row in PartyConditions.objects.filter(agreement=agreement)}
    return StartingConditionsView(
        agreement=agreement,
        conditions=conditions,
        parties=[PartyRow(party, by_party.get(party.pk)) for party in parties],
    )


@transaction.atomic
def starting_conditions_update(
    *, agreement: Agreement, values: dict | None = None, pitfalls=None, parties=None
) -> StartingConditionsView:
    """Record what is given; what is left out keeps its value.

    ``values``: the level and note fields; ``pitfalls``: ``[{"question", "answer", "note"}]``;
    ``parties``: ``[{"party": id, "incentives", "constraints"}]`` for parties of this agreement.
    A ValidationError names the field at fault.
    """
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    conditions = StartingConditions.objects.filter(agreement=agreement).first() or StartingConditions(
        agreement=agreement
    )
    for field, value in (values or {}).items():
        if field not in SCALAR_FIELDS:
            raise TypeError(f"unknown field {field}")
        setattr(conditions, field, value)
    seen = set()
    for row in pitfalls or ():
        code = row["question"]
        if code not in PITFALL_QUESTIONS:
            raise ValidationError({"pitfalls": _("Unknown question: %(code)s.") % {"code": code}})
        if code in seen:
            raise ValidationError({"pitfalls": _("The question %(code)s is answered twice.") % {"code": code}})
        seen.add(code)
        if "answer" in row:
            setattr(conditions, f"pitfall_{code}", row["answer"])
        if "note" in row:
            setattr(conditions, f"pitfall_{code}_note", row["note"])
    try:
        conditions.full_clean()
    except ValidationError as exc:
        errors = {}
        for field, messages in exc.message_dict.items():
            errors["pitfalls" if field.startswith("pitfall_") else field] = messages
        raise ValidationError(errors) from exc
    conditions.save()

    own_parties = {party.pk: party for party in Party.objects.filter(agreement=agreement)}
    existing = {row.party_id: row for row in PartyConditions.objects.filter(agreement=agreement)}
    seen_parties = set()
    for row in parties or ():
        party_id = row["party"]
        if party_id not in own_parties:
            raise ValidationError(
                {"parties": _("Party %(id)s is not a party of this agreement.") % {"id": party_id}}
            )
        if party_id in seen_parties:
            raise ValidationError({"parties": _("Party %(id)s is given twice.") % {"id": party_id}})
        seen_parties.add(party_id)
        record = existing.get(party_id) or PartyConditions(agreement=agreement, party=own_parties[party_id])
        for field in ("incentives", "constraints"):
            if field in row:
                setattr(record, field, row[field])
        try:
            record.full_clean()
        except ValidationError as exc:
            raise ValidationError({"parties": exc.messages}) from exc
        record.save()
    return starting_conditions_of(agreement)
