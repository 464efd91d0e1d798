"""The risk rules over assessment results (DESIGN §5): overdue, low, divided and declining assessments.

Registered with ``risks.engine`` like the agreement rules (``risks.rules.agreements``); one loader adds
each scanned agreement's round facts to ``AgreementFacts.extra["assessments"]`` with two queries per scan or
chunk, whatever the number of rounds and answers: the answers of every closed round of the chunk's active
agreements aggregated per (round, item), and the instruments' bands.

What the rules read, for active agreements only:

* A round *counts* when it is closed (status ``closed``) and at least one respondent has submitted (only
  submitted answers count, as on the results page). A round nobody answered is no assessment.
* The *latest* round is the counting round that opened last (then the highest id); the *previous* one is
  the counting round before it whose instrument has the same ``code`` (another version may differ in
  wording; items are matched by position, as in ``assessments.results``).
* An item's figures: n (answers), mean, min, max. The round's *total* is the sum of its scored items'
  means; since every scored item is required, it equals the mean of the respondents' totals. For bands it
  is rounded half up (57.5 → 58), as ``assessments.scoring.band_for`` does.

The thresholds are the ``RISK_ASSESSMENT_*`` settings, read through ``ScanContext.limits``; the rules
themselves are pure functions over the loaded facts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from agreements.choices import AgreementStatus
from assessments.choices import RoundStatus
from risks.choices import Severity, SubjectType
from risks.engine import AgreementFacts, Finding, ScanContext, months_before, register_loader, register_rule

FACTS_KEY = "assessments"
DECIMALS = 2

# The settings' defaults (samverkan_project/settings.py), for a context built without them (a test's).
DEFAULT_LIMITS = {
    "RISK_ASSESSMENT_MIN_RESPONDENTS": 3,
    "RISK_ASSESSMENT_LOW_BANDS": 2,
    "RISK_ASSESSMENT_LOW_SHARE": 0.4,
    "RISK_ASSESSMENT_DISAGREEMENT_RANGES": {10: 5, 4: 3},
    "RISK_ASSESSMENT_DISAGREEMENT_SHARE": 0.6,
    "RISK_ASSESSMENT_DECLINE_SHARE": 0.1,
}


def _limit(limits, name: str):
    return limits.get(name, DEFAULT_LIMITS[name])


# --- facts -----------------------------------------------------------------------------------------


class ItemFigures(NamedTuple):
    """One scored item of a round: its position and short name, and its submitted answers' count, sum,
    lowest and highest value."""

    position: int
    label_sv: str
    label_en: str
    n: int
    sum: int
    low: int
    high: int

    @property
    def mean(self) -> Fraction:
        return Fraction(self.sum, self.n)

    def named(self, **figures) -> dict:
        return {"position": self.position, "label_sv": self.label_sv, "label_en": self.label_en, **figures}


_answer_count = attrgetter("n")
_answer_sum = attrgetter("sum")


class BandFacts(NamedTuple):
    min_total: int
    max_total: int
    label_sv: str
    label_en: str


@dataclass(slots=True)
class RoundFacts:
    id: int
    instrument_code: str
    instrument_name_sv: str
    instrument_name_en: str
    scale_min: int
    scale_max: int
    opens_on: date
    closes_on: date
    items: dict[int, ItemFigures] = field(default_factory=dict)  # scored items with answers, by position
    bands: tuple[BandFacts, ...] = ()  # lowest first

    @property
    def width(self) -> int:
        return self.scale_max - self.scale_min

    @property
    def respondents(self) -> int:
        """How many submitted: every scored item is required, so the most answers any item has."""
        return max(map(_answer_count, self.items.values()), default=0)

    @property
    def total(self) -> Fraction:
        """The sum of the item means, exact. Every scored item is required, so the items usually have the
        same number of answers, and the sum is one fraction of integers."""
        items = self.items.values()
        counts = set(map(_answer_count, items))
        if len(counts) == 1:
            return Fraction(sum(map(_answer_sum, items)), counts.pop())
        return sum((item.mean for item in items), Fraction(0))

    def described(self) -> dict:
        return {
            "round_id": self.id,
            "instrument": self.instrument_code,
            "instrument_sv": self.instrument_name_sv,
            "instrument_en": self.instrument_name_en,
            "closes_on": self.closes_on.isoformat(),
            "respondents": self.respondents,
        }


@dataclass(slots=True)
class AssessmentFacts:
    """An agreement's counting rounds: the latest, the previous one of the same instrument code, and the
    closing date of the last one that closed."""

    latest: RoundFacts | None = None
    previous: RoundFacts | None = None
    last_closed_on: date | None = None


NO_ASSESSMENTS = AssessmentFacts()


def assessment_facts(rounds: list[RoundFacts]) -> AssessmentFacts:
    """The facts from an agreement's counting rounds, latest first."""
    if not rounds:
        return NO_ASSESSMENTS
    latest = rounds[0]
    previous = next((r for r in rounds[1:] if r.instrument_code == latest.instrument_code), None)
    return AssessmentFacts(latest, previous, max(r.closes_on for r in rounds))


def _decimal(number: Fraction) -> float:
    return round(float(number), DECIMALS)


def _half_up(number: Fraction) -> int:
    return math.floor(number + Fraction(1, 2))


@lru_cache(maxsize=32)
def _share(value) -> Fraction:
    """A share setting (0.4) as an exact fraction, so 4.0 ≤ 0 + 0.4 × 10 holds without float noise."""
    return Fraction(str(value))


# --- the loader ------------------------------------------------------------------------------------


@register_loader(FACTS_KEY)
def load_assessment_facts(agreement_ids: list[int], ctx: ScanContext) -> dict[int, AssessmentFacts]:
    """Each active agreement's round facts (one query, whatever the number of rounds and answers; the
    instruments, their scored items and bands come with the scan context).

    The submitted answers are aggregated per (round, item) in the database, grouped by narrow columns only:
    grouping by the instruments' and items' texts as well made PostgreSQL sort every answer with them.
    The agreements are selected by the range of ``agreement_ids`` rather than an IN list of them (a whole
    portfolio's ids would exceed SQLite's parameter limit); agreements outside the list are dropped.
    """
    from assessments.models import Answer, AssessmentRound
    from risks.facts import grouped_raw_rows

    if not agreement_ids:
        return {}
    wanted = set(agreement_ids)
    # The answers are grouped by (round, item) with nothing but the round's id beside them, so PostgreSQL
    # hashes each answer once, joined with its respondent only; the round's own columns join the groups
    # afterwards (a tenth of the rows), and the rounds wanted come as a semi-join.
    counted_rounds = AssessmentRound.objects.filter(
        status=RoundStatus.CLOSED,
        agreement__status=AgreementStatus.ACTIVE,
        agreement_id__gte=min(agreement_ids),
        agreement_id__lte=max(agreement_ids),
    ).values("id")
    figures = (
        Answer.objects.filter(
            respondent__round_id__in=counted_rounds,
            respondent__responded_at__isnull=False,
            item_id__in=list(ctx.items) or [0],  # the scored items
            value__isnull=False,
        )
        .values_list("respondent__round_id", "item_id")
        .annotate(n=Count("value"), total=Sum("value"), low=Min("value"), high=Max("value"))
        .order_by()
    )
    grouping, params = figures.query.sql_with_params()
    quote = connection.ops.quote_name
    rounds = quote(AssessmentRound._meta.db_table)
    agreement, instrument, opens, closes = (
        "r." + quote(AssessmentRound._meta.get_field(name).column)
        for name in ("agreement", "instrument", "opens_on", "closes_on")
    )
    answer_rows = grouped_raw_rows(
        f"WITH figures (round_id, item_id, n, total, low, high) AS ({grouping}) "
        f"SELECT f.round_id, f.item_id, {agreement}, {instrument}, {opens}, {closes}, f.n, f.total, f.low, f.high "
        f"FROM figures f JOIN {rounds} r ON r.id = f.round_id ORDER BY {agreement}, {opens} DESC, f.round_id DESC",
        params,
    )
    bands = {instrument_id: tuple(BandFacts(*band) for band in found) for instrument_id, found in ctx.bands.items()}
    instruments, items = ctx.instruments, ctx.items

    rounds_of: dict[int, dict[int, RoundFacts]] = defaultdict(dict)  # agreement → round id → facts, in order
    for round_id, item_id, agreement_id, instrument_id, opens_on, closes_on, n, total, low, high in answer_rows:
        if agreement_id not in wanted:
            continue
        found = rounds_of[agreement_id].get(round_id)
        if found is None:
            code, name_sv, name_en, scale_min, scale_max = instruments[instrument_id]
            found = rounds_of[agreement_id][round_id] = RoundFacts(
                round_id,
                code,
                name_sv,
                name_en,
                scale_min,
                scale_max,
                _day(opens_on),
                _day(closes_on),
                bands=bands.get(instrument_id, ()),
            )
        position, label_sv, label_en = items[item_id]
        found.items[position] = ItemFigures(position, label_sv, label_en, n, total, low, high)
    facts = {}
    for agreement_id, rounds in rounds_of.items():
        for found in rounds.values():
            found.items = dict(sorted(found.items.items()))  # in the instrument's order
        facts[agreement_id] = assessment_facts(list(rounds.values()))
    return facts


def _day(value) -> date:
    """A date column as read straight from the cursor (text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _facts(agreement: AgreementFacts) -> AssessmentFacts:
    return agreement.extra.get(FACTS_KEY, NO_ASSESSMENTS)


# --- describing ------------------------------------------------------------------------------------


def _in_language(details, key: str) -> str:
    """``details[key_en]`` in English (when given), else the Swedish text."""
    language = (translation.get_language() or "sv")[:2]
    return (language == "en" and details.get(f"{key}_en")) or details.get(f"{key}_sv") or ""


def _show(value: str | None) -> str:
    return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT") if value else "–"


def _agreement(flag) -> str:
    # The quotation marks of the message's language (Swedish ”…”).
    return pgettext("quoted name", "«%(name)s»") % {"name": flag.agreement} if flag.agreement_id else "–"


def _number(value) -> str:
    """A mean as people write it: 57.6, 6, 4.33 (the locale's decimal mark)."""
    if value is None:
        return "–"
    return number_format(value, decimal_pos=None if float(value) != int(value) else 0, use_l10n=True)


def _item_list(items, figures) -> str:
    return "; ".join(f"{_in_language(item, 'label')} ({figures(item)})" for item in items)


# --- assessment_overdue ----------------------------------------------------------------------------


def _describe_overdue(flag) -> str:
    details = flag.details
    months = details.get("interval_months", 12)
    values = {"agreement": _agreement(flag), "months": months, "date": _show(details.get("last_closed_on"))}
    if details.get("last_closed_on"):
        return (
            ngettext(
                "No assessment round of %(agreement)s has closed with answers in the last %(months)d month; "
                "the last one closed on %(date)s.",
                "No assessment round of %(agreement)s has closed with answers in the last %(months)d months; "
                "the last one closed on %(date)s.",
                months,
            )
            % values
        )
    return (
        ngettext(
            "%(agreement)s has been active for more than %(months)d month without an assessment round with answers.",
            "%(agreement)s has been active for more than %(months)d months without an assessment round with answers.",
            months,
        )
        % values
    )


@register_rule(
    "assessment_overdue",
    severity=Severity.LOW,
    label=gettext_lazy("Assessment overdue"),
    describe=_describe_overdue,
    advice=gettext_lazy(
        "Start a round: let each person rate on their own how well you succeed, then talk about the results "
        "together, one dimension at a time. Evaluating regularly keeps the collaboration moving."
    ),
)
def assessment_overdue(agreement: AgreementFacts, ctx: ScanContext):
    """Active for at least ``assessment_interval_months`` (since ``valid_from``) and no counting round closed
    within that many months (a round closing exactly that long ago still counts)."""
    if agreement.status != AgreementStatus.ACTIVE or agreement.valid_from is None:
        return
    since = months_before(ctx.today, agreement.assessment_interval_months)
    if agreement.valid_from > since:
        return
    last = _facts(agreement).last_closed_on
    if last is not None and last >= since:
        return
    yield Finding(
        "assessment_overdue",
        SubjectType.AGREEMENT,
        agreement_id=agreement.id,
        details={
            "last_closed_on": last.isoformat() if last else None,
            "interval_months": agreement.assessment_interval_months,
        },
    )


# --- low_assessment_score ----------------------------------------------------------------------------


def _describe_low(flag) -> str:
    details = flag.details
    values = {
        "agreement": _agreement(flag),
        "instrument": _in_language(details, "instrument"),
        "date": _show(details.get("closes_on")),
    }
    band = details.get("band")
    if details.get("total") is not None:
        values.update(
            total=_number(details["total"]),
            maximum=details.get("max_total", "–"),
            band=f"{band['min_total']}–{band['max_total']} "
            + pgettext("quoted name", "«%(name)s»") % {"name": _in_language(band, "label")}
            if band
            else "–",
        )
        return (
            _(
                "The latest assessment of %(agreement)s (%(instrument)s, closed %(date)s) scored %(total)s of "
                "%(maximum)s points, in one of the lowest bands: %(band)s."
            )
            % values
        )
    values["items"] = _item_list(details.get("items", []), lambda item: _number(item.get("mean")))
    return (
        _("The latest assessment of %(agreement)s (%(instrument)s, closed %(date)s) gave low means for: %(items)s.")
        % values
    )


@register_rule(
    "low_assessment_score",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Low assessment score"),
    describe=_describe_low,
    advice=gettext_lazy(
        "Go back to the common ground: talk together about each other's driving forces, and whether you share "
        "a view of the challenges, needs, goals and how the collaboration is to work. Start with the lowest "
        "dimension."
    ),
)
def low_assessment_score(agreement: AgreementFacts, ctx: ScanContext):
    """The latest round is low. With bands: its rounded total lies in one of the
    ``RISK_ASSESSMENT_LOW_BANDS`` lowest bands (at or below the highest of them). Without bands: some scored
    item's mean is at most ``scale_min + RISK_ASSESSMENT_LOW_SHARE × width`` (4 on 0–10). Any number of
    respondents counts: a low score is low even when few answered."""
    if agreement.status != AgreementStatus.ACTIVE:
        return
    latest = _facts(agreement).latest
    if latest is None:
        return
    if latest.bands:
        lowest = latest.bands[: max(_limit(ctx.limits, "RISK_ASSESSMENT_LOW_BANDS"), 1)]
        total = latest.total
        rounded = _half_up(total)
        if rounded > lowest[-1].max_total:
            return
        band = next((b for b in lowest if b.min_total <= rounded <= b.max_total), None)
        details = latest.described()
        details.update(
            total=_decimal(total),
            rounded=rounded,
            max_total=latest.bands[-1].max_total,
            band=band._asdict() if band else None,
        )
    else:
        limit = latest.scale_min + _share(_limit(ctx.limits, "RISK_ASSESSMENT_LOW_SHARE")) * latest.width
        top, bottom = limit.numerator, limit.denominator
        # mean ≤ limit, in integers: sum / n ≤ top / bottom
        low = [
            item.named(mean=_decimal(item.mean)) for item in latest.items.values() if item.sum * bottom <= top * item.n
        ]
        if not low:
            return
        details = latest.described()
        details.update(total=None, limit=_decimal(limit), items=low)
    yield Finding("low_assessment_score", SubjectType.AGREEMENT, agreement_id=agreement.id, details=details)


# --- assessment_disagreement ----------------------------------------------------------------------------


def _describe_disagreement(flag) -> str:
    details = flag.details
    return _(
        "The respondents of %(agreement)s disagree strongly in the latest assessment (%(instrument)s, closed "
        "%(date)s): %(items)s."
    ) % {
        "agreement": _agreement(flag),
        "instrument": _in_language(details, "instrument"),
        "date": _show(details.get("closes_on")),
        "items": _item_list(
            details.get("items", []),
            lambda item: (
                _("answers from %(low)s to %(high)s, %(n)s respondents")
                % {"low": item.get("min"), "high": item.get("max"), "n": item.get("n")}
            ),
        ),
    }


def disagreement_range(width: int, limits) -> int:
    """The spread (max − min) that counts as strong disagreement on a scale ``width`` wide."""
    ranges = _limit(limits, "RISK_ASSESSMENT_DISAGREEMENT_RANGES")
    found = ranges.get(width, ranges.get(str(width)))
    if found is not None:
        return int(found)
    return max(1, math.ceil(_share(_limit(limits, "RISK_ASSESSMENT_DISAGREEMENT_SHARE")) * width))


@register_rule(
    "assessment_disagreement",
    severity=Severity.LOW,
    label=gettext_lazy("Divided assessment"),
    describe=_describe_disagreement,
    advice=gettext_lazy(
        "Different actors can have quite different pictures of how well you succeed; make them visible to "
        "each other. Talk about one dimension at a time and let everyone describe the background to their "
        "rating, rather than settling for a mean."
    ),
)
def assessment_disagreement(agreement: AgreementFacts, ctx: ScanContext):
    """In the latest round, a scored item with at least ``RISK_ASSESSMENT_MIN_RESPONDENTS`` answers spans at
    least ``disagreement_range`` (5 on 0–10, 3 on 1–5)."""
    if agreement.status != AgreementStatus.ACTIVE:
        return
    latest = _facts(agreement).latest
    if latest is None:
        return
    spread = disagreement_range(latest.width, ctx.limits)
    minimum = _limit(ctx.limits, "RISK_ASSESSMENT_MIN_RESPONDENTS")
    divided = [
        item.named(min=item.low, max=item.high, n=item.n, mean=_decimal(item.mean))
        for item in latest.items.values()
        if item.n >= minimum and item.high - item.low >= spread
    ]
    if divided:
        yield Finding(
            "assessment_disagreement",
            SubjectType.AGREEMENT,
            agreement_id=agreement.id,
            details={**latest.described(), "range": spread, "items": divided},
        )


# --- declining_assessment ---------------------------------------------------------------------------


def _describe_decline(flag) -> str:
    details = flag.details
    values = {
        "agreement": _agreement(flag),
        "instrument": _in_language(details, "instrument"),
        "date": _show(details.get("closes_on")),
        "previous": _show(details.get("previous_closes_on")),
    }
    parts = []
    total = details.get("total")
    if total:
        parts.append(
            _("the total from %(before)s to %(after)s points")
            % {"before": _number(total["before"]), "after": _number(total["after"])}
        )
    for item in details.get("items", []):
        parts.append(
            _("%(item)s from %(before)s to %(after)s")
            % {"item": _in_language(item, "label"), "before": _number(item["before"]), "after": _number(item["after"])}
        )
    values["changes"] = "; ".join(parts) or "–"
    return (
        _(
            "The latest assessment of %(agreement)s (%(instrument)s, closed %(date)s) is clearly lower than the "
            "one before it (closed %(previous)s): %(changes)s."
        )
        % values
    )


@register_rule(
    "declining_assessment",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Declining assessment"),
    describe=_describe_decline,
    advice=gettext_lazy(
        "Ask together what has changed since the last round — people, mandate, resources, trust — and take "
        "time for joint reflection before the next step. What has worked before is worth protecting."
    ),
)
def declining_assessment(agreement: AgreementFacts, ctx: ScanContext):
    """The latest round against the previous one of the same instrument code, both with at least
    ``RISK_ASSESSMENT_MIN_RESPONDENTS`` respondents: the total fell by at least ``RISK_ASSESSMENT_DECLINE_SHARE``
    of its span (items × width; compared only when both rounds scored the same item positions), or — for an
    instrument without bands, whose items are read one by one — an item's mean with that many answers in both
    rounds fell by at least that share of the width (1 point on 0–10)."""
    if agreement.status != AgreementStatus.ACTIVE:
        return
    facts = _facts(agreement)
    latest, previous = facts.latest, facts.previous
    minimum = _limit(ctx.limits, "RISK_ASSESSMENT_MIN_RESPONDENTS")
    if latest is None or previous is None or latest.respondents < minimum or previous.respondents < minimum:
        return
    share = _share(_limit(ctx.limits, "RISK_ASSESSMENT_DECLINE_SHARE"))
    total = None
    if (
        set(latest.items) == set(previous.items)
        and previous.total - latest.total >= share * len(latest.items) * latest.width
    ):
        total = {"before": _decimal(previous.total), "after": _decimal(latest.total)}
    items = []
    if not latest.bands:
        for position, item in latest.items.items():
            before = previous.items.get(position)
            if before is None or item.n < minimum or before.n < minimum:
                continue
            if before.mean - item.mean >= share * latest.width:
                items.append(item.named(before=_decimal(before.mean), after=_decimal(item.mean)))
    if total is None and not items:
        return
    yield Finding(
        "declining_assessment",
        SubjectType.AGREEMENT,
        agreement_id=agreement.id,
        details={
            **latest.described(),
            "previous_round_id": previous.id,
            "previous_closes_on": previous.closes_on.isoformat(),
            "total": total,
            "items": items,
        },
    )
