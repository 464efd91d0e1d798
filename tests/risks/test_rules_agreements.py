"""The risk rules as pure functions over hand-built facts: each fires, stays quiet, and names its subject."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agreements import rules as agreement_rules
from risks import engine
from risks.engine import (
    AgreementFacts,
    AnchoringFacts,
    PartyFacts,
    PortfolioFacts,
    RepresentativeFacts,
    RoleFacts,
    ScanContext,
)

TODAY = date(2026, 11, 22)
LIMITS = {
    "RISK_BUS_FACTOR_MIN": 2,
    "RISK_OVERLOAD_AGREEMENTS": 4,
    "RISK_OVERLOAD_SHARE": 0.5,
    "RISK_OVERLOAD_MIN_RESPONSIBILITIES": 3,
    "AGREEMENT_EXPIRING_WITHIN_DAYS": 60,
}


def ctx(departed=(), parent_of=None, **limits) -> ScanContext:
    return ScanContext(TODAY, frozenset(departed), parent_of or {}, {**LIMITS, **limits})


DECIDER = (RepresentativeFacts(100, "decide"),)


def anchored_party(pk, org, sponsor=100, sponsor_org=None, reps=DECIDER):
    return PartyFacts(
        pk,
        org,
        tuple(reps),
        (AnchoringFacts("decision", None, None), AnchoringFacts("sponsor", sponsor, sponsor_org or org)),
    )


def sound(**changes) -> AgreementFacts:
    """An active agreement with nothing wrong: two anchored parties, roles spread with deputies."""
    values = {
        "id": 1,
        "status": "active",
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2028, 12, 31),
        "next_review_on": date(2027, 6, 1),
        "assessment_interval_months": 12,
        "coordinator_id": 1,
        "parties": [
            anchored_party(10, 1000, sponsor=1),
            anchored_party(11, 1001, sponsor=2, reps=[RepresentativeFacts(2, "decide")]),
        ],
        "roles": [RoleFacts(20, 1, 2), RoleFacts(21, 2, 3), RoleFacts(22, 3, 1), RoleFacts(23, 4, 1)],
    }
    values.update(changes)
    return AgreementFacts(**values)


def run(code, agreement, context=None):
    return list(engine.get_rule(code).checks["agreement"](agreement, context or ctx()))


def test_a_sound_agreement_raises_nothing():
    assert engine.check_agreements([sound()], ctx()) == []


def test_every_design_rule_is_registered_with_a_severity():
    registered = {rule.code: rule.severity for rule in engine.rules()}
    expected = {
        "single_person_dependency": "high",
        "missing_deputy": "medium",
        "person_overload": "medium",
        "missing_internal_anchoring": "high",
        "missing_mandate": "medium",
        "departed_person": "high",
        "review_overdue": "medium",
        "agreement_expiring": "low",
    }
    assert expected.items() <= registered.items()


# --- single_person_dependency ---


def test_single_person_dependency_fires_when_one_person_carries_half():
    agreement = sound(roles=[RoleFacts(20, 7, None), RoleFacts(21, 7, None), RoleFacts(22, 2, 3), RoleFacts(23, 3, 2)])
    [finding] = run("single_person_dependency", agreement)
    assert finding.subject_key == "agreement:1"
    assert finding.person_id == 7
    assert finding.details == {"bus_factor": 1, "people": [7], "responsibilities": 4}


def test_single_person_dependency_quiet_when_deputies_cover():
    agreement = sound(roles=[RoleFacts(20, 7, 8), RoleFacts(21, 7, 8)])
    assert run("single_person_dependency", agreement) == []


def test_single_person_dependency_quiet_for_a_draft():
    agreement = sound(status="draft", roles=[RoleFacts(20, 7, None)])
    assert run("single_person_dependency", agreement) == []


def test_single_person_dependency_threshold_is_a_setting():
    # Bus factor 2 (7 and 8 together) fires only when the minimum is raised to 3.
    agreement = sound(roles=[RoleFacts(20, 7, 8), RoleFacts(21, 8, 7)])
    assert run("single_person_dependency", agreement) == []
    [finding] = run("single_person_dependency", agreement, ctx(RISK_BUS_FACTOR_MIN=3))
    assert finding.details["bus_factor"] == 2
    assert finding.details["people"] == [7, 8]


roles_strategy = st.lists(
    st.tuples(st.integers(1, 6), st.one_of(st.none(), st.integers(1, 6))).filter(lambda r: r[0] != r[1]),
    min_size=1,
    max_size=8,
)


@given(roles_strategy)
def test_bus_factor_below_agrees_with_the_full_search(roles):
    full = agreement_rules.bus_factor(roles)
    below = agreement_rules.bus_factor_below(roles, 2)
    assert (below is not None) == (full.value == 1)
    if below is not None:
        assert below.value == 1
        assert below.people == full.people


# --- missing_deputy ---


def test_missing_deputy_fires_per_role_without_deputy():
    agreement = sound(roles=[RoleFacts(20, 1, None), RoleFacts(21, 2, 1), RoleFacts(22, 3, None)])
    findings = run("missing_deputy", agreement)
    assert [(f.subject_key, f.person_id) for f in findings] == [("responsibility:20", 1), ("responsibility:22", 3)]


def test_missing_deputy_quiet_when_every_role_has_one_and_for_expired():
    assert run("missing_deputy", sound()) == []
    assert run("missing_deputy", sound(status="expired", roles=[RoleFacts(20, 1, None)])) == []


# --- person_overload ---


def test_overload_share_of_one_agreement():
    agreement = sound(roles=[RoleFacts(20, 1, 2), RoleFacts(21, 1, 2), RoleFacts(22, 2, 1)])
    findings = run("person_overload", agreement)
    assert [(f.subject_key, f.details["responsible"], f.details["total"]) for f in findings] == [
        ("person:1@agreement:1", 2, 3)
    ]


def test_overload_share_needs_enough_roles():
    # Two roles: one each is 50 % by construction, so small agreements are left alone.
    agreement = sound(roles=[RoleFacts(20, 1, 2), RoleFacts(21, 2, 1)])
    assert run("person_overload", agreement) == []


def test_overload_share_quiet_below_half():
    assert run("person_overload", sound()) == []


def test_overload_across_the_portfolio():
    portfolio = PortfolioFacts(responsible_in=((5, 1), (5, 2), (5, 3), (5, 4), (5, 4), (6, 1), (6, 2), (6, 3)))
    findings = engine.check_portfolio(portfolio, ctx())
    assert [(f.subject_key, f.details["agreements"]) for f in findings] == [("person:5", 4)]
    assert findings[0].agreement_id is None


def test_busiest_people_most_roles_first_then_most_deputyships():
    portfolio = PortfolioFacts(
        responsible_in=((5, 1), (5, 2), (5, 2), (6, 1), (6, 3), (7, 1), (7, 2), (8, 4)),
        deputy_in=((7, 1), (9, 2), (5, 3)),
    )
    busiest = engine.busiest_people(portfolio, limit=3)
    assert busiest == [
        {"person": 5, "responsible": 3, "deputy": 1, "agreements": 2},
        {"person": 7, "responsible": 2, "deputy": 1, "agreements": 2},
        {"person": 6, "responsible": 2, "deputy": 0, "agreements": 2},
    ]
    assert engine.busiest_people(PortfolioFacts(responsible_in=()), limit=3) == []


def test_portfolio_facts_count_active_agreements_only():
    facts = engine.portfolio_facts([sound(id=1), sound(id=2, status="draft")])
    assert {agreement for _person, agreement in facts.responsible_in} == {1}


# --- missing_internal_anchoring ---


def test_anchoring_fires_with_what_is_missing():
    no_sponsor = PartyFacts(10, 1000, [RepresentativeFacts(1, "decide")], (AnchoringFacts("plan", None, None),))
    nothing = PartyFacts(11, 1001, [RepresentativeFacts(2, "decide")], (AnchoringFacts("briefing", None, None),))
    findings = run("missing_internal_anchoring", sound(parties=[no_sponsor, nothing]))
    assert [(f.subject_key, f.details["missing"]) for f in findings] == [
        ("party:10", "sponsor_missing"),
        ("party:11", "missing"),
    ]


def test_anchoring_sponsor_who_left_or_belongs_elsewhere_does_not_count():
    left = anchored_party(10, 1000, sponsor=1)
    elsewhere = anchored_party(11, 1001, sponsor=2, sponsor_org=5555)
    findings = run("missing_internal_anchoring", sound(parties=[left, elsewhere]), ctx(departed={1}))
    assert [(f.party_id, f.details["missing"]) for f in findings] == [(10, "sponsor_missing"), (11, "sponsor_missing")]


def test_anchoring_sponsor_in_a_child_organisation_counts():
    # The sponsor works in a förvaltning (2000) inside the kommun (1000) that is the party.
    party = anchored_party(10, 1000, sponsor=1, sponsor_org=2000)
    assert run("missing_internal_anchoring", sound(parties=[party]), ctx(parent_of={2000: 1000})) == []


# --- missing_mandate ---


def test_mandate_fires_for_a_party_without_an_active_decider():
    preparing = anchored_party(10, 1000, reps=(RepresentativeFacts(1, "prepare"), RepresentativeFacts(2, "none")))
    departed_decider = anchored_party(11, 1001, reps=[RepresentativeFacts(3, "decide")])
    findings = run("missing_mandate", sound(parties=[preparing, departed_decider]), ctx(departed={3}))
    assert [f.subject_key for f in findings] == ["party:10", "party:11"]


def test_mandate_quiet_when_each_party_has_a_decider():
    assert run("missing_mandate", sound()) == []


# --- departed_person ---


def test_departed_person_lists_every_role_held():
    agreement = sound(coordinator_id=2)
    findings = run("departed_person", agreement, ctx(departed={2}))
    [finding] = findings
    assert finding.subject_key == "person:2@agreement:1"
    assert finding.details["roles"] == ["coordinator", "responsible", "deputy", "representative", "sponsor"]


def test_departed_person_quiet_when_nobody_left_or_agreement_closed():
    assert run("departed_person", sound()) == []
    assert run("departed_person", sound(status="terminated"), ctx(departed={1})) == []


# --- review_overdue and agreement_expiring ---


@pytest.mark.parametrize(
    ("next_review_on", "status", "fires"),
    [
        (date(2026, 11, 21), "active", True),
        (date(2026, 11, 21), "draft", True),
        (date(2026, 11, 22), "active", False),
        (None, "active", False),
        (date(2026, 1, 1), "expired", False),
    ],
)
def test_review_overdue(next_review_on, status, fires):
    findings = run("review_overdue", sound(next_review_on=next_review_on, status=status))
    assert bool(findings) is fires
    if fires:
        assert findings[0].details == {"next_review_on": next_review_on.isoformat()}


@pytest.mark.parametrize(
    ("valid_to", "status", "fires"),
    [
        (date(2027, 1, 21), "active", True),  # exactly 60 days
        (date(2027, 1, 22), "active", False),
        (date(2026, 11, 1), "active", True),  # past its end and still active
        (date(2027, 1, 1), "draft", False),
        (None, "active", False),
    ],
)
def test_agreement_expiring(valid_to, status, fires):
    assert bool(run("agreement_expiring", sound(valid_to=valid_to, status=status))) is fires


def test_a_rule_that_reports_outside_its_agreement_is_refused():
    @engine.register_rule("test_misbehaving", severity="low", label="x", describe=lambda flag: "x", advice="x")
    def misbehaving(agreement, ctx):
        yield engine.Finding("test_misbehaving", "agreement", agreement_id=agreement.id + 1)

    try:
        with pytest.raises(ValueError, match="outside agreement"):
            engine.check_agreements([sound()], ctx())
    finally:
        engine._RULES.pop("test_misbehaving")


def test_registering_a_rule_needs_its_texts():
    with pytest.raises(ValueError, match="required"):
        engine.register_rule("test_incomplete", severity="low")(lambda agreement, ctx: [])
