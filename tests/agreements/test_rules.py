from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.choices import AnchoringKind, AnchoringStatus, Mandate
from agreements.rules import (
    AnchoringFact,
    anchoring_status,
    bus_factor,
    mandate_coverage,
    role_concentration,
    role_matrix,
)


def brute_force_bus_factor(roles):
    people = sorted({p for role in roles for p in role if p is not None})
    needed = (len(roles) + 1) // 2
    for size in range(1, len(people) + 1):
        for group in combinations(people, size):
            gone = set(group)
            if sum(1 for r, d in roles if r in gone and (d is None or d in gone)) >= needed:
                return size
    raise AssertionError("removing everyone always loses every role")


def test_no_responsibilities_has_no_bus_factor():
    assert bus_factor([]).value is None


def test_single_holder_of_everything_is_one():
    result = bus_factor([("anna", None), ("anna", None), ("anna", None)])
    assert (result.value, result.exact, result.people) == (1, True, ("anna",))


def test_one_person_holding_half_without_deputies_is_one():
    assert bus_factor([("anna", None), ("anna", None), ("bo", None), ("cia", None)]).value == 1


def test_distinct_deputies_raise_the_bus_factor():
    # Every role has its own responsible and a distinct deputy: losing half needs both of each pair.
    roles = [("a", "b"), ("c", "d"), ("e", "f"), ("g", "h")]
    result = bus_factor(roles)
    assert result.value == 4
    assert result.exact is False  # found by the greedy bound, above the exact range


def test_deputy_covers_the_responsible():
    assert bus_factor([("anna", "bo"), ("anna", "bo")]).value == 2


def test_exact_answers_name_the_people():
    result = bus_factor([("a", "b"), ("a", "b"), ("c", None), ("d", None)])
    assert result.value == 2
    assert set(result.people) in ({"a", "b"},)


roles_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.one_of(st.none(), st.integers(0, 6))).filter(lambda r: r[0] != r[1]),
    min_size=1,
    max_size=9,
)


@settings(max_examples=300, deadline=None)
@given(roles_strategy)
def test_bus_factor_is_exact_up_to_three_and_never_below_exact_above(roles):
    exact = brute_force_bus_factor(roles)
    result = bus_factor(roles)
    if exact <= 3:
        assert result.value == exact
        assert result.exact
    else:
        assert result.value >= exact
        assert not result.exact
    gone = set(result.people)
    assert len(gone) == result.value
    lost = sum(1 for r, d in roles if r in gone and (d is None or d in gone))
    assert lost * 2 >= len(roles)


def test_anchoring_complete_needs_decision_or_plan_and_sponsor():
    assert anchoring_status([AnchoringFact(AnchoringKind.DECISION), AnchoringFact(AnchoringKind.SPONSOR)]) == (
        AnchoringStatus.COMPLETE
    )
    assert anchoring_status([AnchoringFact(AnchoringKind.PLAN), AnchoringFact(AnchoringKind.SPONSOR)]) == (
        AnchoringStatus.COMPLETE
    )


def test_anchoring_missing_parts_are_named():
    assert anchoring_status([AnchoringFact(AnchoringKind.SPONSOR)]) == AnchoringStatus.DECISION_OR_PLAN_MISSING
    assert anchoring_status([AnchoringFact(AnchoringKind.DECISION)]) == AnchoringStatus.SPONSOR_MISSING
    assert anchoring_status([AnchoringFact(AnchoringKind.BRIEFING)]) == AnchoringStatus.MISSING
    assert anchoring_status([]) == AnchoringStatus.MISSING


def test_departed_or_outside_sponsor_does_not_count():
    decision = AnchoringFact(AnchoringKind.DECISION)
    assert anchoring_status([decision, AnchoringFact(AnchoringKind.SPONSOR, person_active=False)]) == (
        AnchoringStatus.SPONSOR_MISSING
    )
    assert anchoring_status([decision, AnchoringFact(AnchoringKind.SPONSOR, person_in_party=False)]) == (
        AnchoringStatus.SPONSOR_MISSING
    )


def test_mandate_coverage_counts_parties_with_a_decider():
    coverage = mandate_coverage({"kommun": [Mandate.DECIDE, Mandate.PREPARE], "region": [Mandate.PREPARE], "bolag": []})
    assert (coverage.parties, coverage.with_decide, set(coverage.missing)) == (3, 1, {"region", "bolag"})
    assert coverage.ratio == 1 / 3
    assert mandate_coverage({}).ratio is None


def test_role_concentration_and_matrix():
    roles = [("anna", "bo"), ("anna", None), ("anna", "cia"), ("bo", "anna")]
    loads = {load.person: load for load in role_concentration(roles)}
    assert (loads["anna"].responsible, loads["anna"].deputy, loads["anna"].share) == (3, 1, 0.75)
    assert (loads["bo"].responsible, loads["bo"].deputy) == (1, 1)
    matrix = role_matrix(roles)
    assert matrix[0].person == "anna"
    assert matrix[0].cells == ("R", "R", "R", "D")
    assert [row.person for row in matrix] == ["anna", "bo", "cia"]
    assert matrix[2].cells == ("", "", "D", "")


def search_bus_factor(roles):
    """The bus factor as first written (each group's losses counted over every role), which the counted
    search must give exactly: the same value, the same people, exact or not."""

    def lost(gone):
        return sum(1 for r, d in roles if r in gone and (d is None or d in gone))

    needed = (len(roles) + 1) // 2
    alone = {}
    for r, d in roles:
        if d is None:
            alone[r] = alone.get(r, 0) + 1
    single = sorted((p for p, n in alone.items() if n >= needed), key=repr)
    if single:
        return (1, True, (single[0],))
    people = sorted({p for role in roles for p in role if p is not None}, key=repr)
    for size in range(2, min(3, len(people)) + 1):
        for group in combinations(people, size):
            if lost(set(group)) >= needed:
                return (size, True, group)
    gone = []
    while lost(set(gone)) < needed:
        current = set(gone)

        def gain(person, current=current):
            holds = sum(1 for r, d in roles if person in (r, d) and not (r in current and (d is None or d in current)))
            return (lost(current | {person}), holds)

        gone.append(max((p for p in people if p not in gone), key=gain))
    return (len(gone), False, tuple(gone))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 12))).filter(lambda r: r[0] != r[1]),
        min_size=1,
        max_size=24,
    )
)
def test_the_counted_search_gives_what_the_role_by_role_search_gave(roles):
    result = bus_factor(roles)
    assert (result.value, result.exact, result.people) == search_bus_factor(roles)
