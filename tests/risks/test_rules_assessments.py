"""The assessment risk rules: pure checks over hand-built round facts (each fires, stays quiet on the other
side of its threshold), the loader against the database, and real scans that open and resolve the flags
with a query count that does not grow with rounds or answers."""

import datetime as dt
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from agreements.choices import AgreementStatus
from agreements.models import Agreement
from assessments.choices import RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN
from assessments.models import Answer, AssessmentRound, Instrument, Item, Respondent
from assessments.tokens import new_nonce, token_digest, token_for
from risks import engine, facts, scans
from risks.choices import FlagStatus
from risks.engine import AgreementFacts, ScanContext
from risks.models import RiskFlag
from risks.rules import assessments as assessment_rules
from risks.rules.assessments import AssessmentFacts, BandFacts, ItemFigures, RoundFacts
from tests.factories import PersonFactory, agreement_with

TODAY = dt.date(2026, 11, 22)
LIMITS = {
    "RISK_ASSESSMENT_MIN_RESPONDENTS": 3,
    "RISK_ASSESSMENT_LOW_BANDS": 2,
    "RISK_ASSESSMENT_LOW_SHARE": 0.4,
    "RISK_ASSESSMENT_DISAGREEMENT_RANGES": {10: 5, 4: 3},
    "RISK_ASSESSMENT_DISAGREEMENT_SHARE": 0.6,
    "RISK_ASSESSMENT_DECLINE_SHARE": 0.1,
}
DIMENSIONS = ("Potential & kontext", "Dialog", "Ambition", "Ansvar", "Tillit", "Lärande")
TESTA_BANDS = (
    BandFacts(21, 41, "Vilka vill samverka?", "Who wants to collaborate?"),
    BandFacts(42, 62, "Viljan finns, det märks!", "The will is there, it shows!"),
    BandFacts(63, 83, "Bra jobbat!", "Well done!"),
    BandFacts(84, 94, "Grattis!", "Congratulations!"),
    BandFacts(95, 105, "Hurra!", "Hooray!"),
)


def ctx(**limits) -> ScanContext:
    return ScanContext(TODAY, frozenset(), {}, {**LIMITS, **limits})


def figures(position, values, label="") -> ItemFigures:
    return ItemFigures(position, label or f"Fråga {position}", "", len(values), sum(values), min(values), max(values))


def model_round(answers, *, round_id=1, closes_on=dt.date(2026, 10, 1), code=SAMVERKANSMODELLEN) -> RoundFacts:
    """A Samverkansmodellen round: ``answers`` is one list of respondents' values per dimension."""
    return RoundFacts(
        round_id,
        code,
        "Samverkansmodellen",
        "The collaboration model",
        0,
        10,
        closes_on - dt.timedelta(days=21),
        closes_on,
        {p: figures(p, values, DIMENSIONS[p - 1]) for p, values in enumerate(answers, start=1)},
    )


def banded_round(per_item, *, respondents=3, round_id=1, closes_on=dt.date(2026, 10, 1)) -> RoundFacts:
    """A Testa din samverkan round whose 21 items all have the same answers ``per_item``."""
    values = list(per_item) if not isinstance(per_item, int) else [per_item] * respondents
    return RoundFacts(
        round_id,
        TESTA_DIN_SAMVERKAN,
        "Testa din samverkan!",
        "Test your collaboration!",
        1,
        5,
        closes_on - dt.timedelta(days=21),
        closes_on,
        {p: figures(p, values) for p in range(1, 22)},
        TESTA_BANDS,
    )


def agreement(latest=None, previous=None, *, status="active", valid_from=dt.date(2024, 1, 1), months=12):
    facts = AssessmentFacts(latest, previous, latest.closes_on if latest else None)
    return AgreementFacts(1, status, valid_from, None, None, months, None, extra={assessment_rules.FACTS_KEY: facts})


def run(code, facts, context=None):
    return list(engine.get_rule(code).checks["agreement"](facts, context or ctx()))


SOUND = [[7, 8, 7], [8, 8, 7], [6, 7, 7], [7, 7, 8], [7, 8, 8], [6, 6, 7]]


def test_the_four_rules_are_registered_with_their_design_severity():
    registered = {rule.code: rule.severity for rule in engine.rules()}
    assert {
        "assessment_overdue": "low",
        "low_assessment_score": "medium",
        "assessment_disagreement": "low",
        "declining_assessment": "medium",
    }.items() <= registered.items()


def test_a_sound_assessed_agreement_raises_none_of_them():
    facts = agreement(model_round(SOUND, round_id=2), model_round(SOUND, closes_on=dt.date(2025, 11, 1)))
    for code in ("assessment_overdue", "low_assessment_score", "assessment_disagreement", "declining_assessment"):
        assert run(code, facts) == [], code


def test_round_figures():
    testa = banded_round([4, 4, 3])
    assert testa.respondents == 3
    assert testa.total == Fraction(21 * 11, 3) == 77
    assert figures(1, [2, 8, 9]).mean == Fraction(19, 3)


# --- assessment_overdue ---


@pytest.mark.parametrize(
    ("last_closed_on", "valid_from", "fires"),
    [
        (None, dt.date(2025, 11, 22), True),  # active exactly 12 months, never assessed
        (None, dt.date(2025, 11, 23), False),  # one day short of 12 months
        (dt.date(2025, 11, 21), dt.date(2024, 1, 1), True),  # last round 12 months and a day ago
        (dt.date(2025, 11, 22), dt.date(2024, 1, 1), False),  # exactly 12 months ago still counts
        (dt.date(2026, 9, 1), dt.date(2024, 1, 1), False),
    ],
)
def test_assessment_overdue(last_closed_on, valid_from, fires):
    facts = AgreementFacts(
        1, "active", valid_from, None, None, 12, None,
        extra={assessment_rules.FACTS_KEY: AssessmentFacts(None, None, last_closed_on)},
    )  # fmt: skip
    found = run("assessment_overdue", facts)
    assert bool(found) is fires
    if fires:
        assert found[0].subject_key == "agreement:1"
        assert found[0].details == {
            "last_closed_on": last_closed_on.isoformat() if last_closed_on else None,
            "interval_months": 12,
        }


def test_assessment_overdue_follows_the_agreements_interval_and_needs_an_active_agreement():
    never = AgreementFacts(1, "active", dt.date(2026, 4, 1), None, None, 6, None)  # no loaded facts at all
    assert run("assessment_overdue", never)
    assert not run("assessment_overdue", AgreementFacts(1, "active", dt.date(2026, 4, 1), None, None, 12, None))
    assert not run("assessment_overdue", AgreementFacts(1, "draft", dt.date(2020, 1, 1), None, None, 6, None))


# --- low_assessment_score ---


@pytest.mark.parametrize(
    ("answers", "rounded", "band"),
    [
        ([3, 3, 3], 63, None),  # "Bra jobbat!", the third band: quiet
        ([3, 3, 2], 56, 42),
        ([1, 1, 2], 28, 21),
    ],
)
def test_low_assessment_score_with_bands(answers, rounded, band):
    found = run("low_assessment_score", agreement(banded_round(answers)))
    if band is None:
        assert found == []
        return
    [finding] = found
    assert finding.details["rounded"] == rounded
    assert finding.details["band"]["min_total"] == band
    assert finding.details["max_total"] == 105
    assert finding.details["respondents"] == 3


def test_low_assessment_score_band_edge_is_read_rounded_half_up():
    # Item means of 2.5 on 21 items: total 52.5; with 20 items at 3 and one at 2.5, 62.5 → 63, quiet.
    items = {p: figures(p, [3, 3]) for p in range(1, 21)} | {21: figures(21, [2, 3])}
    latest = banded_round(3)
    latest.items = items
    assert latest.total == Fraction(125, 2)
    assert run("low_assessment_score", agreement(latest)) == []
    items[21] = figures(21, [2, 2, 3, 3, 2, 2])  # 62.33 → 62, the second band
    [finding] = run("low_assessment_score", agreement(latest))
    assert finding.details["rounded"] == 62
    assert finding.details["band"]["label_sv"] == "Viljan finns, det märks!"


def test_low_assessment_score_counts_the_lowest_bands_of_the_setting():
    latest = banded_round([3, 3, 2])  # 56 points, in the second band
    assert run("low_assessment_score", agreement(latest), ctx(RISK_ASSESSMENT_LOW_BANDS=2))
    assert not run("low_assessment_score", agreement(latest), ctx(RISK_ASSESSMENT_LOW_BANDS=1))


def test_low_assessment_score_without_bands_reads_each_dimension():
    answers = [list(values) for values in SOUND]
    answers[4] = [4, 4, 4]  # Tillit: mean 4 of 10
    [finding] = run("low_assessment_score", agreement(model_round(answers)))
    assert finding.details["items"] == [
        {"position": 5, "label_sv": "Tillit", "label_en": "", "mean": 4.0},
    ]
    assert finding.details["limit"] == 4.0
    assert finding.details["total"] is None
    answers[4] = [4, 4, 5]  # 4.33: quiet
    assert run("low_assessment_score", agreement(model_round(answers))) == []


def test_low_assessment_score_counts_a_single_respondent():
    answers = [[v[0]] for v in SOUND]
    answers[1] = [2]
    assert run("low_assessment_score", agreement(model_round(answers)))


# --- assessment_disagreement ---


def test_disagreement_fires_on_a_range_of_five_on_zero_to_ten():
    answers = [list(values) for values in SOUND]
    answers[4] = [2, 7, 6]
    [finding] = run("assessment_disagreement", agreement(model_round(answers)))
    assert finding.details["range"] == 5
    assert finding.details["items"] == [
        {"position": 5, "label_sv": "Tillit", "label_en": "", "min": 2, "max": 7, "n": 3, "mean": 5.0}
    ]
    answers[4] = [3, 7, 6]  # range 4: quiet
    assert run("assessment_disagreement", agreement(model_round(answers))) == []


def test_disagreement_needs_enough_respondents():
    answers = [values[:2] for values in SOUND]
    answers[4] = [1, 9]
    assert run("assessment_disagreement", agreement(model_round(answers))) == []
    assert run("assessment_disagreement", agreement(model_round(answers)), ctx(RISK_ASSESSMENT_MIN_RESPONDENTS=2))


def test_disagreement_on_one_to_five_is_a_range_of_three():
    assert run("assessment_disagreement", agreement(banded_round([2, 5, 4])))
    assert not run("assessment_disagreement", agreement(banded_round([2, 4, 4])))


def test_disagreement_range_of_other_scales():
    assert assessment_rules.disagreement_range(10, LIMITS) == 5
    assert assessment_rules.disagreement_range(4, LIMITS) == 3
    assert assessment_rules.disagreement_range(6, LIMITS) == 4  # ceil(3.6)
    assert assessment_rules.disagreement_range(5, LIMITS) == 3
    assert assessment_rules.disagreement_range(1, LIMITS) == 1


# --- declining_assessment ---


def banded_total(total: int) -> RoundFacts:
    """A Testa din samverkan round of three respondents whose mean total is ``total``."""
    latest = banded_round(3, round_id=2)
    points = total * 3
    for position in range(1, 22):
        share = points // (22 - position)
        latest.items[position] = ItemFigures(position, "", "", 3, share, 1, 5)
        points -= share
    assert latest.total == total
    return latest


def test_decline_of_the_total():
    before = banded_round([4, 4, 4], closes_on=dt.date(2025, 10, 1))  # 84 points
    # 84 − 0.1 × 21 × 4 = 75.6: a total of 75 fires, 76 does not.
    [finding] = run("declining_assessment", agreement(banded_total(75), before))
    assert finding.details["total"] == {"before": 84.0, "after": 75.0}
    assert finding.details["previous_closes_on"] == "2025-10-01"
    assert finding.details["items"] == []
    assert run("declining_assessment", agreement(banded_total(76), before)) == []


def test_decline_of_a_dimension_without_bands():
    before = model_round(SOUND, closes_on=dt.date(2025, 10, 1))
    answers = [list(values) for values in SOUND]
    answers[4] = [6, 7, 6]  # Tillit from 7.67 to 6.33: a drop of 1.33
    [finding] = run("declining_assessment", agreement(model_round(answers, round_id=2), before))
    assert finding.details["total"] is None
    assert finding.details["items"] == [
        {"position": 5, "label_sv": "Tillit", "label_en": "", "before": 7.67, "after": 6.33}
    ]
    answers[4] = [7, 7, 6]  # a drop of 1.0 still fires; 0.67 does not
    assert run("declining_assessment", agreement(model_round(answers, round_id=2), before))
    answers[4] = [7, 7, 7]
    assert run("declining_assessment", agreement(model_round(answers, round_id=2), before)) == []


def test_decline_needs_enough_respondents_in_both_rounds_and_a_previous_round():
    before = model_round([v[:2] for v in SOUND], closes_on=dt.date(2025, 10, 1))
    after = model_round([[1, 1, 1]] * 6, round_id=2)
    assert run("declining_assessment", agreement(after, before)) == []
    assert run("declining_assessment", agreement(after, None)) == []
    assert run("declining_assessment", agreement(after, before), ctx(RISK_ASSESSMENT_MIN_RESPONDENTS=2))


def test_rules_are_quiet_for_agreements_that_are_not_active():
    facts = agreement(banded_round([1, 1, 5]), banded_round(5, round_id=0), status="draft")
    for code in ("low_assessment_score", "assessment_disagreement", "declining_assessment"):
        assert run(code, facts) == []


def test_messages_name_what_was_found():
    flag = RiskFlag(
        rule="assessment_disagreement",
        details={
            "instrument_sv": "Samverkansmodellen",
            "instrument_en": "The collaboration model",
            "closes_on": "2026-10-01",
            "items": [{"position": 5, "label_sv": "Tillit", "label_en": "Trust", "min": 2, "max": 9, "n": 3}],
        },
    )
    with translation.override("en"):
        message = engine.flag_message(flag)
    assert "Trust (answers from 2 to 9, 3 respondents)" in message
    assert "The collaboration model" in message
    flag = RiskFlag(
        rule="declining_assessment",
        details={"total": {"before": 80.33, "after": 58.0}, "items": [], "closes_on": "2026-10-01"},
    )
    with translation.override("en"):
        assert "the total from 80.33 to 58 points" in engine.flag_message(flag)


# --- against the database ---


def instrument(code):
    return Instrument.objects.get(code=code, version=1)


def closed_round(agreement_row, code, answers, *, closes_on, silent=1):
    """A closed round whose submitted respondents gave ``answers`` (one list of scored values each, in item
    order), plus ``silent`` invited people who never answered."""
    chosen = instrument(code)
    items = list(Item.objects.filter(instrument=chosen, kind="scale").order_by("position"))
    opens_on = closes_on - dt.timedelta(days=21)
    closed_at = timezone.make_aware(dt.datetime.combine(closes_on, dt.time(23, 0)))
    round_row = AssessmentRound.objects.create(
        agreement=agreement_row,
        instrument=chosen,
        opens_on=opens_on,
        closes_on=closes_on,
        status=RoundStatus.CLOSED,
        opened_at=closed_at - dt.timedelta(days=21),
        closed_at=closed_at,
    )
    for index, values in enumerate([*answers, *([None] * silent)]):
        nonce = new_nonce()
        respondent = Respondent.objects.create(
            round=round_row,
            person=PersonFactory(),
            nonce=nonce,
            token_digest=token_digest(token_for(nonce)),
            invited_at=closed_at - dt.timedelta(days=21),
            responded_at=None if values is None else closed_at - dt.timedelta(days=10 - index),
        )
        if values is None:
            # an unsubmitted draft answer does not count
            Answer.objects.create(respondent=respondent, item=items[0], value=0 if chosen.scale_min == 0 else 1)
            continue
        Answer.objects.bulk_create(
            Answer(respondent=respondent, item=item, value=value) for item, value in zip(items, values, strict=True)
        )
    return round_row


def active(valid_from=dt.date(2024, 1, 1), **kwargs):
    row = agreement_with(parties=2, responsibilities=2)
    Agreement.objects.filter(pk=row.pk).update(status=AgreementStatus.ACTIVE, valid_from=valid_from, **kwargs)
    row.refresh_from_db()
    return row


def model_answers(*dimension_values):
    """Per respondent, the six dimensions' values, from one tuple of respondents' values per dimension."""
    return [list(values) for values in zip(*dimension_values, strict=True)]


SOUND_ANSWERS = model_answers(*SOUND)


def unresolved(rule):
    return RiskFlag.objects.filter(rule=rule).exclude(status=FlagStatus.RESOLVED)


@pytest.mark.django_db
def test_the_loader_reads_latest_and_previous_rounds_of_the_same_code(today):
    row = active()
    closed_round(row, SAMVERKANSMODELLEN, SOUND_ANSWERS, closes_on=today - dt.timedelta(days=400))
    older_testa = closed_round(row, TESTA_DIN_SAMVERKAN, [[4] * 21] * 3, closes_on=today - dt.timedelta(days=300))
    previous = closed_round(row, SAMVERKANSMODELLEN, SOUND_ANSWERS, closes_on=today - dt.timedelta(days=200))
    latest = closed_round(row, SAMVERKANSMODELLEN, model_answers(*[[2, 8, 9]] * 6), closes_on=today - dt.timedelta(10))
    # opened last, but nobody answered: it does not count
    nobody = closed_round(row, SAMVERKANSMODELLEN, [], closes_on=today - dt.timedelta(days=3))
    open_round = closed_round(row, TESTA_DIN_SAMVERKAN, [[1] * 21] * 3, closes_on=today)
    AssessmentRound.objects.filter(pk=open_round.pk).update(status=RoundStatus.OPEN, closed_at=None)

    loaded = assessment_rules.load_assessment_facts([row.pk], facts.scan_context(today))[row.pk]

    assert loaded.latest.id == latest.pk
    assert loaded.previous.id == previous.pk
    assert loaded.last_closed_on == today - dt.timedelta(days=10)
    assert nobody.pk not in (loaded.latest.id, loaded.previous.id)
    assert older_testa.pk != loaded.previous.id
    tillit = loaded.latest.items[5]
    assert (tillit.label_sv, tillit.label_en, tillit.n, tillit.low, tillit.high) == ("Tillit", "Trust", 3, 2, 9)
    assert tillit.mean == Fraction(19, 3)
    assert loaded.latest.respondents == 3  # the silent respondent's draft answer is left out
    assert set(loaded.latest.items) == {1, 2, 3, 4, 5, 6}  # the free-text items are not scored


@pytest.mark.django_db
def test_the_loader_reads_bands_and_question_texts(today):
    row = active()
    closed_round(row, TESTA_DIN_SAMVERKAN, [[3] * 21, [2] * 21], closes_on=today - dt.timedelta(days=30))
    loaded = assessment_rules.load_assessment_facts([row.pk], facts.scan_context(today))[row.pk]
    assert loaded.latest.total == Fraction(105, 2)
    assert [band.min_total for band in loaded.latest.bands] == [21, 42, 63, 84, 95]
    assert loaded.latest.items[1].label_sv.startswith("Finns sedan tidigare tillit")
    assert loaded.latest.items[1].label_en.startswith("Is there already trust")


@pytest.mark.django_db
def test_a_scan_opens_and_resolves_each_assessment_flag(today):
    overdue = active()
    low = active()
    closed_round(low, TESTA_DIN_SAMVERKAN, [[2] * 21] * 3, closes_on=today - dt.timedelta(days=30))
    divided = active()
    closed_round(divided, SAMVERKANSMODELLEN, SOUND_ANSWERS, closes_on=today - dt.timedelta(days=30))
    tillit_split = [list(v) for v in SOUND]
    tillit_split[4] = [3, 9, 10]  # range 7, and no decline from 7.67
    declining = active()
    closed_round(declining, TESTA_DIN_SAMVERKAN, [[4] * 21] * 3, closes_on=today - dt.timedelta(days=400))
    closed_round(
        declining, TESTA_DIN_SAMVERKAN, [[4] * 21, [3] * 21, [3] * 21], closes_on=today - dt.timedelta(days=30)
    )
    closed_round(divided, SAMVERKANSMODELLEN, model_answers(*tillit_split), closes_on=today - dt.timedelta(days=5))

    scans.scan_now()

    assert set(unresolved("assessment_overdue").values_list("agreement_id", flat=True)) == {overdue.pk}
    assert set(unresolved("low_assessment_score").values_list("agreement_id", flat=True)) == {low.pk}
    assert set(unresolved("assessment_disagreement").values_list("agreement_id", flat=True)) == {divided.pk}
    assert set(unresolved("declining_assessment").values_list("agreement_id", flat=True)) == {declining.pk}
    flag = unresolved("declining_assessment").get()
    assert flag.details["total"] == {"before": 84.0, "after": 70.0}
    assert flag.severity == "medium"
    with translation.override("en"):
        assert "from 84 to 70 points" in engine.flag_message(flag)

    # A new sound round for each, and the overdue one assessed at last: every flag resolves.
    for row in (overdue, low, divided, declining):
        code = SAMVERKANSMODELLEN if row in (overdue, divided) else TESTA_DIN_SAMVERKAN
        answers = SOUND_ANSWERS if code == SAMVERKANSMODELLEN else [[4] * 21] * 3
        later = closed_round(row, code, answers, closes_on=today - dt.timedelta(days=1))
        AssessmentRound.objects.filter(pk=later.pk).update(opens_on=today - dt.timedelta(days=2))
    scan = scans.scan_now()

    assert scan.resolved_count == 4
    rules = ("assessment_overdue", "low_assessment_score", "assessment_disagreement", "declining_assessment")
    assert not RiskFlag.objects.filter(rule__in=rules).exclude(status=FlagStatus.RESOLVED).exists()


@pytest.mark.django_db
def test_the_thresholds_are_settings(settings, today):
    row = active()
    closed_round(row, TESTA_DIN_SAMVERKAN, [[3] * 21] * 3, closes_on=today - dt.timedelta(days=30))  # 63 points
    scans.scan_now()
    assert not unresolved("low_assessment_score").exists()
    settings.RISK_ASSESSMENT_LOW_BANDS = 3
    scans.scan_now()
    assert unresolved("low_assessment_score").get().details["band"]["min_total"] == 63


def scan_queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        scans.scan_now()
    return len(captured)


@pytest.mark.django_db
def test_scan_queries_do_not_grow_with_rounds_and_answers(today):
    def assessed():
        row = active()
        for months_ago in (26, 14, 2):
            closed_round(
                row,
                TESTA_DIN_SAMVERKAN,
                [[2] * 21, [3] * 21, [2] * 21],
                closes_on=today - dt.timedelta(30 * months_ago),
            )
            closed_round(row, SAMVERKANSMODELLEN, SOUND_ANSWERS, closes_on=today - dt.timedelta(30 * months_ago + 5))

    assessed()
    small_first, small_steady = scan_queries(), scan_queries()
    for _ in range(4):
        assessed()
    RiskFlag.objects.all().delete()
    large_first, large_steady = scan_queries(), scan_queries()
    assert small_first == large_first
    assert small_steady == large_steady
    assert RiskFlag.objects.filter(rule="low_assessment_score").count() == 5
