"""Shaped reads of assessments: the querysets the admin and the API list instruments and rounds with, and the
checks of an instrument's bands and whether it may still be edited. Results have their own module (results.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import ItemKind, RoundStatus
from assessments.models import AssessmentRound, Band, Instrument, InstrumentSection, Item, Respondent
from assessments.tokens import token_digest

# Copied to a new version as they are; the rest is the version's own (id, version, state, time).


def instrument_list() -> QuerySet[Instrument]:
    """Instruments with their sections → items (by position) and bands: four queries for any number."""
    items = Prefetch("items", queryset=Item.objects.order_by("position", "id"))
    sections = InstrumentSection.objects.order_by("position", "id").prefetch_related(items)
    return Instrument.objects.prefetch_related(
        Prefetch("sections", queryset=sections), Prefetch("bands", queryset=Band.objects.order_by("min_total", "id"))
    ).order_by("code", "-version")


def instrument_admin_list() -> QuerySet[Instrument]:
    """Instruments with their number of scored items and of rounds (one query)."""
    return Instrument.objects.annotate(
        scored_item_count=Count("items", filter=Q(items__kind=ItemKind.SCALE), distinct=True),
        item_count=Count("items", distinct=True),
        round_count=Count("rounds", distinct=True),
    )


def round_list() -> QuerySet[AssessmentRound]:
    """Rounds with agreement, instrument and creator, and how many were asked, invited and have answered."""
    return AssessmentRound.objects.select_related("agreement", "instrument", "created_by").annotate(
        respondent_count=_respondent_count(),
        invited_count=_respondent_count(invited_at__isnull=False),
        answered_count=_respondent_count(responded_at__isnull=False),
    )


def _respondent_count(**conditions) -> Coalesce:
    # Subqueries, not a join: counting the rounds of a page need not group by the respondents.
    counted = (
        Respondent.objects.filter(round=OuterRef("pk"), **conditions)
        .order_by()
        .values("round")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


# --- checks ------------------------------------------------------------------------------------------


def possible_totals(scored_items: int, scale_min: int, scale_max: int) -> tuple[int, int]:
    """The lowest and highest total a respondent can reach."""
    return scored_items * scale_min, scored_items * scale_max


def band_problems(bands: Iterable[tuple[int, int]], lowest: int, highest: int) -> list[str]:
    """What is wrong with bands given as (from, to) ranges for totals between ``lowest`` and ``highest``:
    reversed ranges, ranges outside the possible totals and overlapping ranges."""
    problems = []
    ranges = sorted(bands)
    for low, high in ranges:
        if low > high:
            problems.append(_("The band %(low)d–%(high)d ends before it starts.") % {"low": low, "high": high})
        elif low < lowest or high > highest:
            problems.append(
                _("The band %(low)d–%(high)d lies outside the possible totals %(lowest)d–%(highest)d.")
                % {"low": low, "high": high, "lowest": lowest, "highest": highest}
            )
    for (low, high), (next_low, next_high) in zip(ranges, ranges[1:], strict=False):
        if next_low <= high:
            problems.append(
                _("The bands %(a)s and %(b)s overlap.") % {"a": f"{low}–{high}", "b": f"{next_low}–{next_high}"}
            )
    return problems


def is_locked(instrument: Instrument) -> bool:
    """Shipped or answered instruments are not edited: their changes go into a new version. Cached on the
    row, as the admin asks several times per page."""
    if not instrument.pk:
        return False
    if not hasattr(instrument, "_locked"):
        instrument._locked = instrument.is_builtin or instrument.has_answers()
    return instrument._locked


# --- the answer page ------------------------------------------------------------------------------------


def respondent_for_token(token: str) -> Respondent | None:
    """The respondent a link belongs to (with round, instrument, agreement and person), or None; one query.

    Every input costs the same: its digest is computed and looked up through the unique index, whatever its
    shape, so a guess learns nothing from the time it takes."""
    digest = token_digest(token)
    try:
        return Respondent.objects.select_related("round__instrument", "round__agreement", "person").get(
            token_digest=digest
        )
    except Respondent.DoesNotExist:
        return None


def round_state(round_: AssessmentRound, today: date | None = None) -> str:
    """``open``, ``not_open`` (scheduled, or before its opening date) or ``closed`` (closed, or past its closing
    date even if the nightly job has not closed it yet)."""
    today = today or timezone.localdate()
    if round_.status == RoundStatus.CLOSED or today > round_.closes_on:
        return "closed"
    if round_.accepts_answers(today):
        return "open"
    return "not_open"
