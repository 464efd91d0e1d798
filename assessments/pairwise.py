"""Pairwise instruments (Levels of Collaboration, Frey et al. 2006): each respondent rates each *other* party of
the agreement on the instrument's scale. The answer form, the save, and the results: the party × party matrix
(mean per direction) and its change since the previous round of the same instrument."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Party, organization_lineage
from assessments.instruments import LOC_LEVELS
from assessments.models import AssessmentRound, PairwiseAnswer, Respondent


def round_parties(round_: AssessmentRound) -> list[Party]:
    return list(
        Party.objects.filter(agreement_id=round_.agreement_id).select_related("organization").order_by(
            "organization__name", "id"
        )
    )


def own_party(respondent: Respondent, parties: list[Party]) -> Party | None:
    """The party the respondent belongs to (their organisation or one above it), if any."""
    if respondent.person_id is None:
        return None
    lineage = organization_lineage(respondent.person.organization_id)
    return next((party for party in parties if party.organization_id in lineage), None)


def level_name(value: int, language: str) -> str:
    for level, name_sv, name_en in LOC_LEVELS:
        if level == value:
            return name_sv if language == "sv" else name_en
    return ""


@dataclass
class PairRow:
    party: Party
    field: forms.BoundField
    choices: list[tuple[int, str, str, bool]]  # value, input id, level name, checked
    errors: list[str]

    @property
    def error_id(self) -> str:
        return f"error_p{self.party.pk}"


class PairwiseForm(forms.Form):
    """``value_<party id>``: a value on the instrument's scale for each other party (all required)."""

    def __init__(self, *args, instrument, parties: list[Party], answers=(), language: str = "sv", **kwargs):
        initial = {f"value_{answer.to_party_id}": answer.value for answer in answers}
        super().__init__(*args, initial=initial, **kwargs)
        self.instrument, self.parties, self.language = instrument, parties, language
        scale = {"min": instrument.scale_min, "max": instrument.scale_max}
        for party in parties:
            self.fields[f"value_{party.pk}"] = forms.TypedChoiceField(
                choices=[(value, str(value)) for value in instrument.scale],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose a value from %(min)s to %(max)s.") % scale,
                    "invalid_choice": _("Choose a value from %(min)s to %(max)s.") % scale,
                },
            )

    def rows(self) -> list[PairRow]:
        rows = []
        for party in self.parties:
            bound = self[f"value_{party.pk}"]
            current = bound.value()
            current = "" if current is None else str(current)
            choices = [
                (value, f"id_value_{party.pk}_{value}", level_name(value, self.language), str(value) == current)
                for value in self.instrument.scale
            ]
            rows.append(PairRow(party, bound, choices, list(bound.errors)))
        return rows

    def error_summary(self) -> list[tuple[str, str]]:
        return [
            (row.choices[0][1], f"{row.party.organization.name}: {message}")
            for row in self.rows()
            for message in row.errors
        ]

    def values(self) -> dict[int, int]:
        return {party.pk: self.cleaned_data[f"value_{party.pk}"] for party in self.parties}


def pairwise_answers_save(respondent: Respondent, values: dict[int, int], *, today=None) -> Respondent:
    """Save the respondent's ratings (``{party id: value}``) of the other parties, replacing earlier ones."""
    round_ = respondent.round
    instrument = round_.instrument
    parties = round_parties(round_)
    mine = own_party(respondent, parties)
    others = {party.pk for party in parties if party != mine}
    errors = {}
    for party_id, value in values.items():
        if party_id not in others:
            errors[str(party_id)] = [_("Not another party of this agreement.")]
        elif value not in instrument.scale:
            errors[str(party_id)] = [_("Choose a value from %(min)s to %(max)s.") % {
                "min": instrument.scale_min, "max": instrument.scale_max}]
    missing = others - set(values)
    for party_id in missing:
        errors[str(party_id)] = [_("Choose a value from %(min)s to %(max)s.") % {
            "min": instrument.scale_min, "max": instrument.scale_max}]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        locked = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
        if not locked.accepts_answers(today):
            raise ValidationError(_("The assessment is closed; answers can no longer be saved."), code="closed")
        PairwiseAnswer.objects.bulk_create(
            [
                PairwiseAnswer(respondent=respondent, from_party=mine, to_party_id=party_id, value=value)
                for party_id, value in values.items()
            ],
            update_conflicts=True,
            unique_fields=["respondent", "to_party"],
            update_fields=["value", "from_party"],
        )
        Respondent.objects.filter(pk=respondent.pk).update(responded_at=Coalesce("responded_at", now), updated_at=now)
    respondent.responded_at = respondent.responded_at or now
    return respondent


# --- results ------------------------------------------------------------------------------------------------


def pair_means(round_id: int) -> dict[tuple[int, int], tuple[float, int]]:
    """(from party, to party) → (mean, number of answers), over submitted answers of respondents with a party."""
    rows = (
        PairwiseAnswer.objects.filter(
            respondent__round_id=round_id, respondent__responded_at__isnull=False, from_party__isnull=False
        )
        .values_list("from_party_id", "to_party_id")
        .annotate(mean=Avg("value"), n=Count("id"))
    )
    return {(source, target): (float(mean), n) for source, target, mean, n in rows}


def asymmetric_pairs(means: dict[tuple[int, int], tuple[float, int]], threshold: float) -> list[tuple[int, int, float]]:
    """Pairs (a, b), a < b, rated in both directions whose means differ by at least ``threshold``."""
    found = []
    for (source, target), (mean, _n) in means.items():
        if source < target and (target, source) in means:
            gap = round(abs(mean - means[(target, source)][0]), 6)  # 3.33… against 1.33… is 2
            if gap >= threshold:
                found.append((source, target, round(gap, 2)))
    return sorted(found)


def previous_pairwise_round(round_: AssessmentRound) -> AssessmentRound | None:
    from assessments.results import previous_round

    return previous_round(round_)


def pairwise_results(round_: AssessmentRound, *, threshold: float, min_group: int | None = None) -> dict:
    """The matrix of means per direction (rows: the rating party, columns: the rated one), its change since the
    previous round of the same instrument, and the asymmetric pairs. With ``min_group`` (a reader's view), a
    direction fewer than that many answered is left out, as elsewhere in the results."""
    parties = round_parties(round_)
    means = pair_means(round_.pk)
    previous = previous_pairwise_round(round_)
    before = pair_means(previous.pk) if previous else {}
    if min_group:
        means = {key: value for key, value in means.items() if value[1] >= min_group}
        before = {key: value for key, value in before.items() if value[1] >= min_group}
    cells = defaultdict(dict)
    for source in parties:
        for target in parties:
            if source == target:
                continue
            found = means.get((source.pk, target.pk))
            earlier = before.get((source.pk, target.pk))
            cells[source.pk][target.pk] = {
                "mean": round(found[0], 2) if found else None,
                "n": found[1] if found else 0,
                "change": round(found[0] - earlier[0], 2) if found and earlier else None,
            }
    names = {party.pk: party.organization.name for party in parties}
    return {
        "parties": [{"id": party.pk, "name": party.organization.name} for party in parties],
        "matrix": [
            {
                "party": {"id": source.pk, "name": source.organization.name},
                "cells": [
                    {"party": target.pk, **cells[source.pk][target.pk]} if source != target else None
                    for target in parties
                ],
            }
            for source in parties
        ],
        "previous_round": previous.pk if previous else None,
        "asymmetric_pairs": [
            {"a": a, "a_name": names.get(a, ""), "b": b, "b_name": names.get(b, ""), "gap": gap,
             "a_to_b": round(means[(a, b)][0], 2), "b_to_a": round(means[(b, a)][0], 2)}
            for a, b, gap in asymmetric_pairs(means, threshold)
        ],
        "threshold": threshold,
    }
