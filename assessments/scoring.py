"""Scoring and statistics of assessment answers: pure functions over plain numbers, no ORM.

``results.py`` loads a round's answers once and calls these; they are tested without a database.
Unanswered values arrive as ``None`` and are left out of every figure.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class ItemStats:
    """One item's answers: how many, their mean, lowest, highest, spread and how often each value was given."""

    n: int
    mean: float | None
    min: int | None
    max: int | None
    sd: float | None
    distribution: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SumStats:
    """Respondents' sums over several items (a section, or the whole instrument): the same figures as an item,
    with the lowest and highest sum the items allow."""

    n: int
    mean: float | None
    min: int | None
    max: int | None
    sd: float | None
    minimum: int
    maximum: int


def _spread(values: Sequence[float], mean: float) -> float:
    return math.sqrt(sum((value - mean) ** 2 for value in values) / len(values))


def item_stats(values: Iterable[int | None], scale: Iterable[int] = ()) -> ItemStats:
    """n, mean, min, max, spread and distribution of one item's answers (``None`` = not answered).

    The spread ``sd`` is the *population* standard deviation of the respondents' answers (divided by n,
    not n − 1): the respondents are the whole group being described, not a sample of it; one answer has
    spread 0. The distribution counts every value of ``scale`` (zeros included, in scale order), plus any
    value outside the scale that was given. With no answers, n is 0, the other figures are None and the
    distribution is all zeros.
    """
    given = [value for value in values if value is not None]
    distribution = dict.fromkeys(scale, 0)
    for value in given:
        distribution[value] = distribution.get(value, 0) + 1
    distribution = dict(sorted(distribution.items()))
    if not given:
        return ItemStats(n=0, mean=None, min=None, max=None, sd=None, distribution=distribution)
    mean = sum(given) / len(given)
    return ItemStats(
        n=len(given), mean=mean, min=min(given), max=max(given), sd=_spread(given, mean), distribution=distribution
    )


def respondent_total(values: Iterable[int | None]) -> int | None:
    """One respondent's sum over a set of items, or None when any of them is unanswered.

    A partial sum would read as a low score, so an incomplete respondent is left out of that sum instead.
    """
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def section_bounds(item_count: int, scale_min: int, scale_max: int) -> tuple[int, int]:
    """The lowest and highest sum of ``item_count`` items: items × scale_min and items × scale_max."""
    return item_count * scale_min, item_count * scale_max


def sum_stats(totals: Iterable[int | None], *, minimum: int, maximum: int) -> SumStats:
    """Statistics of respondents' sums (their mean is the section's or instrument's score).

    ``None`` sums (incomplete respondents) are left out; ``sd`` is the population standard deviation.
    """
    given = [total for total in totals if total is not None]
    if not given:
        return SumStats(n=0, mean=None, min=None, max=None, sd=None, minimum=minimum, maximum=maximum)
    mean = sum(given) / len(given)
    return SumStats(
        n=len(given),
        mean=mean,
        min=min(given),
        max=max(given),
        sd=_spread(given, mean),
        minimum=minimum,
        maximum=maximum,
    )


def round_half_up(number: float) -> int:
    """The nearest integer, halves away from zero (41.5 → 42, 40.5 → 41; Python's round() would give 40)."""
    return int(Decimal(number).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def band_for(total: float | None, bands: Iterable[tuple]) -> tuple | None:
    """The band whose range holds ``total``; bands are tuples that start with (min_total, max_total, …).

    The total is usually the mean of the respondents' totals and so not a whole number; it is first
    rounded to the nearest integer, halves upwards (41.5 → 42, in the band 42–62; 41.49 → 41), and then
    compared with the bands' inclusive limits. None when there is no total or no band holds it.
    """
    if total is None:
        return None
    rounded = round_half_up(total)
    for band in bands:
        if band[0] <= rounded <= band[1]:
            return band
    return None


def trend(current: Mapping[K, float | None], previous: Mapping[K, float | None]) -> dict[K, float | None]:
    """Change since the previous round per key (item, section or "total"): current − previous.

    Every key of ``current`` is in the answer; the change is None where either round has no figure.
    """
    changes: dict[K, float | None] = {}
    for key, now in current.items():
        before = previous.get(key)
        changes[key] = None if now is None or before is None else now - before
    return changes
