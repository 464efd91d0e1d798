"""The demo of the collaboration as a whole: salience types on the grid, starting conditions on two agreements, a
Levels of Collaboration round that reveals an asymmetric pair, a network with brokers; safe to run again."""

import pytest

from agreements.models import Agreement, StartingConditions
from agreements.network import build_network
from assessments.instruments import LEVELS_OF_COLLABORATION
from assessments.models import AssessmentRound
from assessments.pairwise import pairwise_results
from ops.demo.agreements import seed_demo_agreements
from ops.demo.assessments import seed_demo_assessments
from ops.demo.collaboration import seed_demo_collaboration
from ops.demo.register import seed_demo_register
from risks import scans
from risks.choices import FlagStatus
from risks.models import RiskFlag
from stakeholders.choices import SalienceType
from stakeholders.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_demo_register()
    seed_demo_agreements()
    seed_demo_assessments()
    return seed_demo_collaboration()


def test_the_demo_shows_the_collaboration_as_a_whole(demo, settings):
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    types = {organization.salience_type() for organization in Organization.objects.filter(is_active=True)}
    assert types == set(SalienceType)
    assert StartingConditions.objects.count() == 2

    round_ = AssessmentRound.objects.get(instrument__code=LEVELS_OF_COLLABORATION)
    pairs = pairwise_results(round_, threshold=settings.RISK_ASYMMETRY_MIN)["asymmetric_pairs"]
    assert [(pair["a_name"], pair["b_name"]) for pair in pairs] == [("Björkby kommun", "Norrström Energi AB")]

    network = build_network()
    brokers = [node.label for node in network.brokers(3)]
    assert "Region Mellanland" in brokers

    scans.scan_now()
    open_flags = RiskFlag.objects.exclude(status=FlagStatus.RESOLVED)
    assert open_flags.filter(rule="collaboration_asymmetry").count() == 1
    addressed = Agreement.objects.get(reference="KS 2025/0412")
    half_done = Agreement.objects.get(reference="KS 2024/0188")
    unaddressed = set(open_flags.filter(rule="sector_conditions_unaddressed").values_list("agreement_id", flat=True))
    assert half_done.pk in unaddressed
    assert addressed.pk not in unaddressed


def test_seeding_again_changes_nothing(demo):
    again = seed_demo_collaboration()
    assert not again.changed
    assert AssessmentRound.objects.filter(instrument__code=LEVELS_OF_COLLABORATION).count() == 1
