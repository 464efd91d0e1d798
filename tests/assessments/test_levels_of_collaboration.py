"""Levels of Collaboration (Frey et al. 2006): the shipped pairwise instrument, its answer page, the party × party
matrix with its change between rounds, and the rule collaboration_asymmetry at its threshold."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from agreements.choices import AgreementStatus
from agreements.models import Agreement
from assessments.choices import RoundStatus
from assessments.instruments import LEVELS_OF_COLLABORATION
from assessments.models import AssessmentRound, Instrument, PairwiseAnswer
from assessments.pairwise import asymmetric_pairs, pairwise_results
from risks import engine, scans
from risks.choices import FlagStatus
from risks.models import RiskFlag
from tests.assessments.loc_helpers import invite_from, loc_agreement, loc_round, rated

pytestmark = pytest.mark.django_db


def test_the_instrument_is_shipped_in_swedish_and_english():
    instrument = Instrument.objects.get(code=LEVELS_OF_COLLABORATION)
    assert instrument.pairwise
    assert (instrument.scale_min, instrument.scale_max) == (0, 5)
    assert instrument.name_en == "Levels of Collaboration"
    assert "samtal" in instrument.description_sv
    assert "samhandling" in instrument.description_sv
    assert "networking" in instrument.description_en


def test_the_answer_page_asks_about_each_other_party_and_saves(client):
    agreement, (kommun, foretag, forening) = loc_agreement()
    round_ = loc_round(agreement)
    respondent, token = invite_from(round_, kommun)
    url = reverse("assessments:answer", args=[token])
    content = client.get(url).content.decode()
    assert "Företaget" in content
    assert "Föreningen" in content
    assert f'name="value_{kommun.pk}"' not in content  # not its own party
    assert "Samhandling" in content
    # Incomplete: nothing is saved, the page says which party lacks an answer.
    response = client.post(url, {f"value_{foretag.pk}": "4"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not PairwiseAnswer.objects.exists()
    response = client.post(url, {f"value_{foretag.pk}": "4", f"value_{forening.pk}": "9"})
    assert not PairwiseAnswer.objects.exists()
    response = client.post(url, {f"value_{foretag.pk}": "4", f"value_{forening.pk}": "1"})
    assert response.status_code == 302
    saved = {(a.from_party_id, a.to_party_id): a.value for a in PairwiseAnswer.objects.all()}
    assert saved == {(kommun.pk, foretag.pk): 4, (kommun.pk, forening.pk): 1}
    respondent.refresh_from_db()
    assert respondent.responded_at is not None
    # Answering again replaces.
    client.post(url, {f"value_{foretag.pk}": "5", f"value_{forening.pk}": "1"})
    assert PairwiseAnswer.objects.get(to_party=foretag).value == 5


def test_matrix_means_per_direction_and_change_between_rounds():
    agreement, (kommun, foretag, forening) = loc_agreement()
    earlier = loc_round(agreement, status=RoundStatus.CLOSED, opens_days_ago=400)
    AssessmentRound.objects.filter(pk=earlier.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=300))
    rated(earlier, kommun, {foretag: 2, forening: 1})
    current = loc_round(agreement, status=RoundStatus.CLOSED, opens_days_ago=30)
    rated(current, kommun, {foretag: 4, forening: 1})
    rated(current, kommun, {foretag: 3, forening: 2})
    rated(current, foretag, {kommun: 1, forening: 3})
    data = pairwise_results(current, threshold=2)
    rows = {row["party"]["id"]: {c["party"]: c for c in row["cells"] if c} for row in data["matrix"]}
    assert rows[kommun.pk][foretag.pk] == {"party": foretag.pk, "mean": 3.5, "n": 2, "change": 1.5}
    assert rows[kommun.pk][forening.pk]["mean"] == 1.5
    assert rows[foretag.pk][kommun.pk] == {"party": kommun.pk, "mean": 1.0, "n": 1, "change": None}
    assert rows[forening.pk][kommun.pk]["mean"] is None
    assert data["previous_round"] == earlier.pk
    assert [(p["a"], p["b"]) for p in data["asymmetric_pairs"]] == [tuple(sorted((kommun.pk, foretag.pk)))]


@pytest.mark.parametrize(
    ("a_to_b", "b_to_a", "threshold", "fires"),
    [(4, 2, 2, True), (5, 2, 2, True), (4, 3, 2, False), (3, 3, 0.5, False), (4, 3, 1, True)],
)
def test_asymmetry_at_its_threshold(a_to_b, b_to_a, threshold, fires):
    means = {(1, 2): (float(a_to_b), 1), (2, 1): (float(b_to_a), 1), (1, 3): (5.0, 1)}
    assert bool(asymmetric_pairs(means, threshold)) is fires


def test_the_rule_fires_on_the_latest_closed_round_and_resolves(settings):
    agreement, (kommun, foretag) = loc_agreement(names=("Kommunen", "Företaget"))
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    first = loc_round(agreement, status=RoundStatus.CLOSED, opens_days_ago=60)
    rated(first, kommun, {foretag: 4})
    rated(first, foretag, {kommun: 2})
    scans.scan_now()
    flags = RiskFlag.objects.filter(rule="collaboration_asymmetry").exclude(status=FlagStatus.RESOLVED)
    flag = flags.get()
    assert flag.details["pairs"][0]["gap"] == 2
    with translation.override("en"):
        message = engine.flag_message(flag)
    assert "Kommunen rates Företaget 4.0, Företaget rates Kommunen 2.0" in message
    assert "A difference to talk about" in message

    settings.RISK_ASYMMETRY_MIN = 2.5
    scans.scan_now()
    assert not flags.exists()
    settings.RISK_ASYMMETRY_MIN = 2
    scans.scan_now()
    assert flags.exists()
    # A later round where they agree: the flag resolves.
    later = loc_round(agreement, status=RoundStatus.CLOSED, opens_days_ago=5)
    rated(later, kommun, {foretag: 3})
    rated(later, foretag, {kommun: 3})
    scans.scan_now()
    assert not flags.exists()


def test_results_page_shows_the_matrix(coordinator_client):
    coordinator_client.cookies["django_language"] = "en"
    agreement, (kommun, foretag, forening) = loc_agreement()
    round_ = loc_round(agreement, status=RoundStatus.CLOSED, opens_days_ago=30)
    rated(round_, kommun, {foretag: 5, forening: 1})
    rated(round_, foretag, {kommun: 2, forening: 2})
    url = reverse("admin:assessments_assessmentround_results", args=[round_.pk])
    response = coordinator_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="pairwise-matrix"' in content
    assert "Kommunen rates Företaget 5.0; Företaget rates Kommunen 2.0." in content


def test_a_persons_ratings_are_part_of_their_export():
    from stakeholders.privacy import person_export

    agreement, (kommun, foretag, forening) = loc_agreement()
    round_ = loc_round(agreement, status=RoundStatus.CLOSED)
    respondent = rated(round_, kommun, {foretag: 4, forening: 1})
    exported = person_export(respondent.person, include_answers=True)
    (invitation,) = exported["assessment_invitations"]
    assert {(answer["item"], answer["value"]) for answer in invitation["answers"]} == {
        ("Företaget", 4),
        ("Föreningen", 1),
    }


def test_a_readers_view_leaves_out_directions_too_few_answered():
    agreement, (kommun, foretag, forening) = loc_agreement()
    round_ = loc_round(agreement, status=RoundStatus.CLOSED)
    rated(round_, kommun, {foretag: 4, forening: 1})
    rated(round_, kommun, {foretag: 2, forening: 1})
    rated(round_, foretag, {kommun: 1, forening: 2})
    data = pairwise_results(round_, threshold=2, min_group=2)
    rows = {row["party"]["id"]: {c["party"]: c for c in row["cells"] if c} for row in data["matrix"]}
    assert rows[kommun.pk][foretag.pk]["mean"] == 3
    assert rows[foretag.pk][kommun.pk]["mean"] is None  # one answer only
    assert data["asymmetric_pairs"] == []
