"""Scoring without a database: statistics, totals, bands (every boundary of Testa din samverkan), trend."""

import math

import pytest

from assessments import scoring

# Testa din samverkan's bands as (min_total, max_total, reading).
TESTA_BANDS = [
    (21, 41, "Vilka vill samverka?"),
    (42, 62, "Viljan finns, det märks!"),
    (63, 83, "Bra jobbat!"),
    (84, 94, "Grattis!"),
    (95, 105, "Hurra!"),
]


# One respondent's 21 answers (1–5), with the sum worked out by hand.
@pytest.mark.parametrize(
    ("answers", "total", "reading"),
    [
        ([1] * 21, 21, "Vilka vill samverka?"),  # 21 × 1
        ([2] * 20 + [1], 41, "Vilka vill samverka?"),  # 40 + 1
        ([2] * 21, 42, "Viljan finns, det märks!"),  # 21 × 2
        ([3] * 20 + [2], 62, "Viljan finns, det märks!"),  # 60 + 2
        ([3] * 21, 63, "Bra jobbat!"),  # 21 × 3
        ([4] * 20 + [3], 83, "Bra jobbat!"),  # 80 + 3
        ([4] * 21, 84, "Grattis!"),  # 21 × 4
        ([5] * 10 + [4] * 11, 94, "Grattis!"),  # 50 + 44
        ([5] * 11 + [4] * 10, 95, "Hurra!"),  # 55 + 40
        ([5] * 21, 105, "Hurra!"),  # 21 × 5
    ],
)
def test_every_band_boundary_of_testa_din_samverkan(answers, total, reading):
    assert len(answers) == 21
    assert scoring.respondent_total(answers) == total
    assert scoring.band_for(total, TESTA_BANDS)[2] == reading


@pytest.mark.parametrize(
    ("totals", "mean", "rounded", "reading"),
    [
        ([41, 42], 41.5, 42, "Viljan finns, det märks!"),  # a half goes up
        ([41, 41, 42], 124 / 3, 41, "Vilka vill samverka?"),  # 41.33 goes down
        ([62, 63], 62.5, 63, "Bra jobbat!"),
        ([83, 84], 83.5, 84, "Grattis!"),
        ([94, 95], 94.5, 95, "Hurra!"),
        ([93, 94, 94, 95], 94.0, 94, "Grattis!"),
        ([40, 41], 40.5, 41, "Vilka vill samverka?"),  # round() would give 40: not half up
    ],
)
def test_the_mean_total_is_rounded_half_up_before_it_is_read_against_the_bands(totals, mean, rounded, reading):
    stats = scoring.sum_stats(totals, minimum=21, maximum=105)
    assert stats.mean == pytest.approx(mean)
    assert scoring.round_half_up(stats.mean) == rounded
    assert scoring.band_for(stats.mean, TESTA_BANDS)[2] == reading


def test_no_band_outside_the_ranges_or_without_a_total():
    assert scoring.band_for(20.4, TESTA_BANDS) is None
    assert scoring.band_for(105.5, TESTA_BANDS) is None  # rounds to 106
    assert scoring.band_for(None, TESTA_BANDS) is None
    assert scoring.band_for(50, []) is None


def test_samverkansmodellen_statistics_on_a_known_set_of_answers():
    scale = range(0, 11)
    # Four participants' "Dialog" ratings: mean (7+3+8+6)/4 = 6; deviations 1, −3, 2, 0;
    # population variance (1 + 9 + 4 + 0)/4 = 3.5, spread √3.5 ≈ 1.8708.
    dialog = scoring.item_stats([7, 3, 8, 6], scale)
    assert (dialog.n, dialog.mean, dialog.min, dialog.max) == (4, 6.0, 3, 8)
    assert dialog.sd == pytest.approx(math.sqrt(3.5))
    assert round(dialog.sd, 2) == 1.87
    assert dialog.distribution == {0: 0, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 1, 7: 1, 8: 1, 9: 0, 10: 0}
    assert list(dialog.distribution) == list(scale)

    # "Tillit" with one unanswered: n 3, mean 24/3 = 8, deviations 2, 2, −4 → variance 24/3 = 8, spread √8.
    trust = scoring.item_stats([10, None, 10, 4], scale)
    assert (trust.n, trust.mean, trust.min, trust.max) == (3, 8.0, 4, 10)
    assert trust.sd == pytest.approx(2 * math.sqrt(2))
    assert trust.distribution[10] == 2
    assert trust.distribution[4] == 1
    assert sum(trust.distribution.values()) == 3

    # All agree: no spread.
    agreed = scoring.item_stats([5, 5, 5], scale)
    assert agreed.sd == 0
    assert agreed.mean == 5


def test_one_answer_has_no_spread_and_values_off_the_scale_are_still_counted():
    stats = scoring.item_stats([4], range(1, 6))
    assert (stats.n, stats.mean, stats.sd) == (1, 4.0, 0.0)
    odd = scoring.item_stats([1, 7], range(1, 6))
    assert odd.distribution == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 7: 1}


def test_empty_inputs():
    empty = scoring.item_stats([], range(1, 4))
    assert empty == scoring.ItemStats(n=0, mean=None, min=None, max=None, sd=None, distribution={1: 0, 2: 0, 3: 0})
    assert scoring.item_stats([None, None]).n == 0
    assert scoring.respondent_total([]) == 0
    assert scoring.sum_stats([], minimum=5, maximum=25) == scoring.SumStats(
        n=0, mean=None, min=None, max=None, sd=None, minimum=5, maximum=25
    )
    assert scoring.trend({}, {"total": 50.0}) == {}


def test_an_incomplete_respondent_has_no_sum_and_is_left_out_of_the_sums():
    assert scoring.respondent_total([5, None, 3]) is None
    stats = scoring.sum_stats(
        [scoring.respondent_total([5, 4]), scoring.respondent_total([None, 2])], minimum=2, maximum=10
    )
    assert (stats.n, stats.mean, stats.min, stats.max, stats.sd) == (1, 9.0, 9, 9, 0.0)


def test_section_bounds_are_items_times_the_scale_ends():
    assert scoring.section_bounds(5, 1, 5) == (5, 25)  # Startförhållanden
    assert scoring.section_bounds(10, 1, 5) == (10, 50)  # Samverkansprocessen
    assert scoring.section_bounds(21, 1, 5) == (21, 105)
    assert scoring.section_bounds(6, 0, 10) == (0, 60)


def test_section_sums_on_hand_computed_answers():
    # Three respondents' sums over a five-item section: 5+4+3+4+4 = 20, 2+2+3+1+2 = 10, 5×5 = 25.
    sums = [scoring.respondent_total(a) for a in ([5, 4, 3, 4, 4], [2, 2, 3, 1, 2], [5, 5, 5, 5, 5])]
    assert sums == [20, 10, 25]
    stats = scoring.sum_stats(sums, minimum=5, maximum=25)
    # mean 55/3; deviations 5/3, −25/3, 20/3 → variance (25 + 625 + 400)/27 = 1050/27
    assert stats.mean == pytest.approx(55 / 3)
    assert stats.sd == pytest.approx(math.sqrt(1050 / 27))
    assert (stats.min, stats.max, stats.maximum) == (10, 25, 25)


def test_trend_is_the_difference_per_key_and_none_where_a_round_has_no_figure():
    current = {1: 4.5, 2: 3.0, 3: None, "total": 70.0, 4: 2.0}
    previous = {1: 4.0, 2: 3.5, 3: 2.0, "total": 63.5}
    assert scoring.trend(current, previous) == {1: 0.5, 2: -0.5, 3: None, "total": 6.5, 4: None}
