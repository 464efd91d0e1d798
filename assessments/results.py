"""Results of assessment rounds, read with a fixed number of queries and computed by ``scoring``.

Only answers of respondents who have submitted (``responded_at`` set) count. Items, sections and rounds
are matched by *position*: the trend compares item 3 of this round with item 3 of the previous one, also
when the previous round used another version of the instrument (same code). A version that reorders its
items therefore compares different statements; versions are meant to refine wording, not to reshuffle.

Readers (users without ``view_answer``) get a limited view, so that no figure describes fewer than
``ASSESSMENT_MIN_GROUP`` people and no two views can be differenced into one person's answers: results of
closed rounds only (``withheld_reason``), and with ``min_group`` every figure (mean, min, max, spread,
distribution, change, trend value) of fewer answers than that is left out (``withheld``), as is the free
text of a round that fewer answered. Coordinators get everything (``min_group=None``).
"""

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.choices import ItemKind, RoundStatus
from assessments.models import Answer, AssessmentRound, Band, InstrumentSection, Item, Respondent, localized

# Means, spreads and changes are given with two decimals; bands are read from the unrounded mean.
DECIMALS = 2
TOTAL = "total"


def _round(number: float | None) -> float | None:
    return None if number is None else round(number, DECIMALS)


def min_group_for(user) -> int | None:
    """The fewest answers a figure shown to ``user`` may rest on: None (no limit) for users who may view
    individual answers (coordinators), else ASSESSMENT_MIN_GROUP."""
    if user.has_perm("assessments.view_answer"):
        return None
    return settings.ASSESSMENT_MIN_GROUP


def withheld_reason(round_: AssessmentRound, *, min_group: int | None) -> str | None:
    """Why the results of this round are not shown at all in a limited view (a round that has not closed
    still changes with each answer, so two views would tell one person's answers apart), or None."""
    if min_group is not None and round_.status != RoundStatus.CLOSED:
        return _("The results are shown to readers once the round has closed.")
    return None


def _shown(stats, min_group: int | None) -> bool:
    return min_group is None or stats.n >= min_group


def round_for_results(round_id: int) -> AssessmentRound:
    """The round with what its results page shows about it (raises DoesNotExist)."""
    return AssessmentRound.objects.select_related("instrument", "agreement").get(pk=round_id)


# --- figures from plain rows ---------------------------------------------------------------------


def _scores_by_respondent(rows: Iterable[tuple], position_of: dict[int, int]) -> dict[int, dict[int, int | None]]:
    """{respondent id: {item position: value}} from (respondent id, item id, value) rows."""
    scores: dict[int, dict[int, int | None]] = defaultdict(dict)
    for respondent_id, item_id, value in rows:
        if item_id in position_of:
            scores[respondent_id][position_of[item_id]] = value
    return scores


def _figures(
    scored: list[tuple[int, int]],
    scores: dict[int, dict[int, int | None]],
    *,
    scale: range,
    summed: bool,
) -> dict:
    """Item, section and total statistics from scored items given as (position, section position)."""
    respondents = list(scores.values())
    items = {
        position: scoring.item_stats((answers.get(position) for answers in respondents), scale)
        for position, _section in scored
    }
    sections: dict[int, scoring.SumStats] = {}
    total = None
    if summed:
        by_section: dict[int, list[int]] = defaultdict(list)
        for position, section in scored:
            by_section[section].append(position)
        for section, positions in by_section.items():
            low, high = scoring.section_bounds(len(positions), scale.start, scale.stop - 1)
            sums = (scoring.respondent_total(answers.get(p) for p in positions) for answers in respondents)
            sections[section] = scoring.sum_stats(sums, minimum=low, maximum=high)
        low, high = scoring.section_bounds(len(scored), scale.start, scale.stop - 1)
        sums = (scoring.respondent_total(answers.get(p) for p, _s in scored) for answers in respondents)
        total = scoring.sum_stats(sums, minimum=low, maximum=high)
    return {"items": items, "sections": sections, "total": total}


def _means(figures: dict, min_group: int | None = None) -> tuple[dict, dict, float | None]:
    """Means of items, sections and the total; None where fewer than ``min_group`` answered."""

    def mean(stats):
        return stats.mean if _shown(stats, min_group) else None

    items = {position: mean(stats) for position, stats in figures["items"].items()}
    sections = {position: mean(stats) for position, stats in figures["sections"].items()}
    total = mean(figures["total"]) if figures["total"] is not None else None
    return items, sections, total


def _stats_dict(stats, min_group: int | None = None) -> dict:
    if not _shown(stats, min_group):
        return {"n": stats.n, "mean": None, "min": None, "max": None, "sd": None, "withheld": True}
    return {
        "n": stats.n,
        "mean": _round(stats.mean),
        "min": stats.min,
        "max": stats.max,
        "sd": _round(stats.sd),
        "withheld": False,
    }


# --- one round -------------------------------------------------------------------------------------


def previous_round(round_: AssessmentRound) -> AssessmentRound | None:
    """The agreement's latest closed round before this one with an instrument of the same code."""
    earlier = Q(opens_on__lt=round_.opens_on) | Q(opens_on=round_.opens_on, pk__lt=round_.pk)
    return (
        AssessmentRound.objects.filter(
            earlier,
            agreement_id=round_.agreement_id,
            instrument__code=round_.instrument.code,
            status=RoundStatus.CLOSED,
        )
        .exclude(pk=round_.pk)
        .select_related("instrument")
        .order_by("-opens_on", "-pk")
        .first()
    )


def _previous_figures(previous: AssessmentRound) -> dict:
    """Figures of the previous round (2 queries: its items, its answers)."""
    items = list(
        Item.objects.filter(instrument_id=previous.instrument_id, kind=ItemKind.SCALE).values_list(
            "id", "position", "section__position"
        )
    )
    position_of = {item_id: position for item_id, position, _section in items}
    rows = Answer.objects.filter(
        respondent__round=previous, respondent__responded_at__isnull=False, item_id__in=position_of
    ).values_list("respondent_id", "item_id", "value")
    scores = _scores_by_respondent(rows, position_of)
    instrument = previous.instrument
    scored = [(position, section) for _id, position, section in items]
    figures = _figures(scored, scores, scale=instrument.scale, summed=True)
    figures["answered"] = len(scores)
    return figures


def round_results(round_: AssessmentRound, *, min_group: int | None = None) -> dict:
    """Everything the results page and endpoint show about a round, in the active language; with
    ``min_group`` (a reader's view, see ``min_group_for``) without figures of fewer answers than that.

    Queries (the round's instrument and agreement already loaded, see ``round_for_results``): sections,
    items, bands, respondent counts, answers, the previous round; with a previous round also its items
    and answers — 6 or 8 however many items and respondents there are.
    """
    instrument = round_.instrument
    sections = list(InstrumentSection.objects.filter(instrument=instrument).order_by("position", "id"))
    items = list(Item.objects.filter(instrument=instrument).order_by("position", "id"))
    bands = list(Band.objects.filter(instrument=instrument).order_by("min_total", "id"))
    counts = Respondent.objects.filter(round=round_).aggregate(
        invited=Count("id"), answered=Count("id", filter=Q(responded_at__isnull=False))
    )
    rows = list(
        Answer.objects.filter(respondent__round=round_, respondent__responded_at__isnull=False).values_list(
            "respondent_id", "item_id", "value", "comment"
        )
    )
    summed = bool(bands)
    section_position = {section.pk: section.position for section in sections}
    scored_items = [item for item in items if item.is_scored]
    position_of = {item.pk: item.position for item in scored_items}
    scores = _scores_by_respondent(((r, i, v) for r, i, v, _c in rows), position_of)
    scored = [(item.position, section_position.get(item.section_id, 0)) for item in scored_items]
    figures = _figures(scored, scores, scale=instrument.scale, summed=summed)

    previous = previous_round(round_)
    changes_items: dict = {}
    changes_sections: dict = {}
    change_total = None
    if previous is not None:
        before = _previous_figures(previous)
        now_items, now_sections, now_total = _means(figures, min_group)
        then_items, then_sections, then_total = _means(before, min_group)
        changes_items = scoring.trend(now_items, then_items)
        changes_sections = scoring.trend(now_sections, then_sections)
        change_total = scoring.trend({TOTAL: now_total}, {TOTAL: then_total})[TOTAL]

    item_results = []
    for item in scored_items:
        stats = figures["items"][item.position]
        item_results.append(
            {
                "id": item.pk,
                "position": item.position,
                "section": section_position.get(item.section_id),
                "label": item.label,
                "text": item.text,
                **_stats_dict(stats, min_group),
                "distribution": [
                    {"value": value, "count": count}
                    for value, count in (stats.distribution.items() if _shown(stats, min_group) else ())
                ],
                "change": _round(changes_items.get(item.position)),
            }
        )

    section_results = []
    for section in sections:
        stats = figures["sections"].get(section.position)
        if stats is None:
            continue
        section_results.append(
            {
                "id": section.pk,
                "position": section.position,
                "title": section.title,
                "items": sum(1 for _p, s in scored if s == section.position),
                **_stats_dict(stats, min_group),
                "minimum": stats.minimum,
                "maximum": stats.maximum,
                "change": _round(changes_sections.get(section.position)),
            }
        )

    total = None
    if figures["total"] is not None:
        stats = figures["total"]
        mean = stats.mean if _shown(stats, min_group) else None
        band = scoring.band_for(mean, [(b.min_total, b.max_total, b) for b in bands])
        total = {
            **_stats_dict(stats, min_group),
            "minimum": stats.minimum,
            "maximum": stats.maximum,
            "rounded": scoring.round_half_up(mean) if mean is not None else None,
            "band": _band_dict(band[2]) if band else None,
            "change": _round(change_total),
        }

    # Comments are sorted per item, so their order links no comment to another of the same person.
    # A limited view has no free text of a round fewer than min_group answered (it is one of few people's).
    texts: dict[int, list[str]] = defaultdict(list)
    free_text_shown = min_group is None or counts["answered"] >= min_group
    for _respondent, item_id, _value, comment in rows if free_text_shown else ():
        if comment and comment.strip():
            texts[item_id].append(comment.strip())
    free_text = [
        {
            "id": item.pk,
            "position": item.position,
            "label": item.label,
            "text": item.text,
            "answers": sorted(texts[item.pk], key=str.casefold),
        }
        for item in items
        if texts.get(item.pk)
    ]

    invited, answered = counts["invited"], counts["answered"]
    return {
        "min_group": min_group,
        "round": {
            "id": round_.pk,
            "agreement": round_.agreement_id,
            "agreement_title": round_.agreement.title,
            "instrument": instrument.pk,
            "instrument_code": instrument.code,
            "instrument_name": instrument.name,
            "instrument_version": instrument.version,
            "status": round_.status,
            "opens_on": round_.opens_on,
            "closes_on": round_.closes_on,
        },
        "scale": {
            "min": instrument.scale_min,
            "max": instrument.scale_max,
            "min_label": localized(instrument, "scale_min_label"),
            "max_label": localized(instrument, "scale_max_label"),
        },
        "invited": invited,
        "answered": answered,
        "response_rate": round(answered / invited, 4) if invited else None,
        "items": item_results,
        "sections": section_results,
        "total": total,
        "bands": [_band_dict(band) for band in bands],
        "free_text": free_text,
        "previous": (
            {
                "id": previous.pk,
                "opens_on": previous.opens_on,
                "closes_on": previous.closes_on,
                "instrument_version": previous.instrument.version,
                "answered": before["answered"],
            }
            if previous is not None
            else None
        ),
    }


def _band_dict(band: Band) -> dict:
    return {"min_total": band.min_total, "max_total": band.max_total, "label": band.label, "advice": band.advice}


# --- over time -------------------------------------------------------------------------------------


def round_history(
    agreement, instrument_code: str, *, current: AssessmentRound | None = None, min_group: int | None = None
) -> dict:
    """Mean total (instruments with bands) or mean per item (without) of each closed round of the
    agreement with this instrument code, oldest first, plus ``current`` whatever its status; with
    ``min_group``, None for a mean of fewer answers than that.

    Series follow the newest round's instrument; items are matched by position. 3 queries: rounds,
    their scored items, their answers.
    """
    has_bands = Exists(Band.objects.filter(instrument_id=OuterRef("instrument_id")))
    selected = Q(status=RoundStatus.CLOSED)
    if current is not None:
        selected |= Q(pk=current.pk)
    rounds = list(
        AssessmentRound.objects.filter(selected, agreement=agreement, instrument__code=instrument_code)
        .select_related("instrument")
        .annotate(has_bands=has_bands)
        .order_by("opens_on", "pk")
    )
    if not rounds:
        return {"summed": False, "minimum": 0, "maximum": 0, "series": [], "rounds": []}
    instrument_ids = {r.instrument_id for r in rounds}
    items = list(
        Item.objects.filter(instrument_id__in=instrument_ids, kind=ItemKind.SCALE)
        .order_by("position", "id")
        .values("id", "instrument_id", "position", "section__position", "label_sv", "label_en", "text_sv", "text_en")
    )
    position_of = {item["id"]: item["position"] for item in items}
    rows = Answer.objects.filter(
        respondent__round__in=rounds, respondent__responded_at__isnull=False, item_id__in=position_of
    ).values_list("respondent__round_id", "respondent_id", "item_id", "value")
    per_round: dict[int, list[tuple]] = defaultdict(list)
    for round_id, respondent_id, item_id, value in rows:
        per_round[round_id].append((respondent_id, item_id, value))

    newest = rounds[-1]
    summed = newest.has_bands
    newest_items = [item for item in items if item["instrument_id"] == newest.instrument_id]
    if summed:
        series = [{"key": TOTAL, "label": _("Total")}]
        minimum, maximum = scoring.section_bounds(
            len(newest_items), newest.instrument.scale_min, newest.instrument.scale_max
        )
    else:
        series = [{"key": str(item["position"]), "label": _item_label(item)} for item in newest_items]
        minimum, maximum = newest.instrument.scale_min, newest.instrument.scale_max

    history = []
    for r in rounds:
        scored = [(i["position"], i["section__position"]) for i in items if i["instrument_id"] == r.instrument_id]
        scores = _scores_by_respondent(per_round.get(r.pk, ()), position_of)
        figures = _figures(scored, scores, scale=r.instrument.scale, summed=summed)
        item_means, _sections, total_mean = _means(figures, min_group)
        if summed:
            values = {TOTAL: _round(total_mean)}
        else:
            values = {str(position): _round(mean) for position, mean in item_means.items()}
        history.append(
            {
                "id": r.pk,
                "opens_on": r.opens_on,
                "closes_on": r.closes_on,
                "status": r.status,
                "instrument_version": r.instrument.version,
                "answered": len(scores),
                "current": current is not None and r.pk == current.pk,
                "values": {s["key"]: values.get(s["key"]) for s in series},
            }
        )
    return {"summed": summed, "minimum": minimum, "maximum": maximum, "series": series, "rounds": history}


def _item_label(row: dict) -> str:
    language = (translation.get_language() or "sv")[:2]
    label = row.get(f"label_{language}") or row["label_sv"]
    return label or f"{row['position']}. {row.get(f'text_{language}') or row['text_sv']}"


# --- individual answers (coordinators only) --------------------------------------------------------


def individual_answers(round_: AssessmentRound) -> list[dict]:
    """Each submitted respondent with their answers in item order, for coordinators.

    3 queries: respondents with their person, the instrument's items, the answers.
    """
    respondents = list(
        Respondent.objects.filter(round=round_, responded_at__isnull=False)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    items = list(Item.objects.filter(instrument_id=round_.instrument_id).order_by("position", "id"))
    answers: dict[int, dict[int, tuple]] = defaultdict(dict)
    for respondent_id, item_id, value, comment in Answer.objects.filter(
        respondent__round=round_, respondent__responded_at__isnull=False
    ).values_list("respondent_id", "item_id", "value", "comment"):
        answers[respondent_id][item_id] = (value, comment)
    people = []
    for respondent in respondents:
        given = answers.get(respondent.pk, {})
        people.append(
            {
                "respondent": respondent.pk,
                # Without a person once retention or a deletion unlinked them; the answers stay, anonymous.
                "person": respondent.person_id,
                "name": respondent.person.full_name if respondent.person is not None else _("Anonymous respondent"),
                "responded_at": respondent.responded_at,
                "answers": [
                    {
                        "item": item.pk,
                        "position": item.position,
                        "label": item.label or item.text,
                        "value": given[item.pk][0],
                        "comment": given[item.pk][1],
                    }
                    for item in items
                    if item.pk in given
                ],
            }
        )
    return people
