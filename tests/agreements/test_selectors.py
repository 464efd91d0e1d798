import datetime as dt

import pytest
from django.utils import timezone

from agreements.choices import AnchoringKind, AnchoringStatus, Mandate
from agreements.selectors import (
    OrganizationTree,
    agreement_list,
    agreement_roles,
    agreement_snapshot,
    agreement_snapshots,
    anchoring_list,
    commitment_list,
    party_list,
    representative_list,
    responsibility_list,
)
from tests.factories import (
    AgreementFactory,
    AnchoringFactory,
    CommitmentFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
    agreement_with,
)

# --- OrganizationTree without a database ---------------------------------------------------

PARENTS = {1: None, 2: 1, 3: 2, 4: None, 5: 6, 6: 5}  # 1 ← 2 ← 3; 4 alone; 5 ↔ 6 a (corrupt) cycle


@pytest.mark.parametrize(
    ("organization", "ancestor", "expected"),
    [
        (1, 1, True),
        (2, 1, True),
        (3, 1, True),
        (3, 2, True),
        (1, 2, False),
        (4, 1, False),
        (3, 4, False),
        (5, 1, False),
        (5, 6, True),
        (None, 1, False),
        (1, None, False),
        (99, 1, False),
    ],
)
def test_tree_contains(organization, ancestor, expected):
    assert OrganizationTree(PARENTS).contains(organization, ancestor) is expected


# --- OrganizationTree on the database ------------------------------------------------------


@pytest.mark.django_db
def test_tree_reads_parent_links_once_and_only_when_needed(django_assert_num_queries):
    kommun = OrganizationFactory()
    forvaltning = OrganizationFactory(parent=kommun)
    enhet = OrganizationFactory(parent=forvaltning)
    other = OrganizationFactory()
    tree = OrganizationTree()

    with django_assert_num_queries(0):
        assert tree.contains(kommun.pk, kommun.pk)
    with django_assert_num_queries(1):
        assert tree.contains(enhet.pk, kommun.pk)
        assert not tree.contains(other.pk, kommun.pk)
        assert not tree.contains(kommun.pk, enhet.pk)


# --- querysets -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_agreement_list_annotates_counts():
    agreement = agreement_with(parties=3, responsibilities=2)
    AgreementFactory()

    rows = {row.pk: row for row in agreement_list()}

    assert (rows[agreement.pk].party_count, rows[agreement.pk].responsibility_count) == (3, 2)
    assert [(row.party_count, row.responsibility_count) for pk, row in rows.items() if pk != agreement.pk] == [(0, 0)]


@pytest.mark.django_db
def test_agreement_list_does_not_repeat_agreements():
    agreement_with(parties=4, responsibilities=5)

    assert agreement_list().count() == 1
    assert len(list(agreement_list())) == 1


@pytest.mark.django_db
def test_figures_need_no_queries_once_the_list_is_read(django_assert_num_queries):
    for _ in range(3):
        agreement_with(parties=2, responsibilities=3)
    # agreements, parties, representatives, anchorings, commitments, responsibilities
    with django_assert_num_queries(6):
        rows = list(agreement_list())

    with django_assert_num_queries(0):
        snapshots = agreement_snapshots(rows)

    assert len(snapshots) == 3
    for snapshot in snapshots.values():
        assert snapshot.bus_factor.value == 2
        assert (snapshot.mandate_coverage.parties, snapshot.mandate_coverage.with_decide) == (2, 2)
        assert set(snapshot.anchoring_status.values()) == {AnchoringStatus.COMPLETE}


@pytest.mark.django_db
def test_snapshot_of_an_empty_agreement():
    agreement = AgreementFactory()

    snapshot = agreement_snapshot(agreement_list().get(pk=agreement.pk))

    assert (snapshot.bus_factor.value, snapshot.bus_factor.exact) == (None, True)
    assert (snapshot.mandate_coverage.parties, snapshot.mandate_coverage.with_decide) == (0, 0)
    assert snapshot.anchoring_status == {}


@pytest.mark.django_db
def test_roles_are_responsible_and_deputy_ids():
    party = PartyFactory()
    anna, bo = PersonFactory(organization=party.organization), PersonFactory(organization=party.organization)
    ResponsibilityFactory(agreement=party.agreement, responsible=anna, deputy=bo)
    ResponsibilityFactory(agreement=party.agreement, responsible=anna)

    roles = agreement_roles(agreement_list().get(pk=party.agreement_id))

    assert sorted(roles, key=repr) == sorted([(anna.pk, bo.pk), (anna.pk, None)], key=repr)


@pytest.mark.django_db
def test_single_person_dependency_shows_in_the_bus_factor():
    party = PartyFactory()
    PartyFactory(agreement=party.agreement)
    enthusiast = PersonFactory(organization=party.organization)
    helper = PersonFactory(organization=party.organization)
    ResponsibilityFactory.create_batch(2, agreement=party.agreement, responsible=enthusiast)
    ResponsibilityFactory(agreement=party.agreement, responsible=helper, deputy=enthusiast)

    snapshot = agreement_snapshot(agreement_list().get(pk=party.agreement_id))

    assert (snapshot.bus_factor.value, snapshot.bus_factor.people) == (1, (enthusiast.pk,))


@pytest.mark.django_db
def test_anchoring_status_per_party():
    today = timezone.localdate()
    kommun = OrganizationFactory()
    agreement = AgreementFactory()
    complete = PartyFactory(agreement=agreement, organization=kommun)
    AnchoringFactory(party=complete, kind=AnchoringKind.PLAN, date=None)
    AnchoringFactory(
        party=complete,
        kind=AnchoringKind.SPONSOR,
        date=None,
        person=PersonFactory(organization=OrganizationFactory(parent=OrganizationFactory(parent=kommun))),
    )
    departed_sponsor = PartyFactory(agreement=agreement)
    AnchoringFactory(party=departed_sponsor)
    AnchoringFactory(
        party=departed_sponsor,
        kind=AnchoringKind.SPONSOR,
        date=None,
        person=PersonFactory(organization=departed_sponsor.organization, left_on=today),
    )
    briefed_only = PartyFactory(agreement=agreement)
    AnchoringFactory(party=briefed_only, kind=AnchoringKind.BRIEFING, date=None)
    sponsor_only = PartyFactory(agreement=agreement)
    AnchoringFactory(
        party=sponsor_only,
        kind=AnchoringKind.SPONSOR,
        date=None,
        person=PersonFactory(organization=sponsor_only.organization, left_on=today + dt.timedelta(days=1)),
    )

    snapshot = agreement_snapshot(agreement_list().get(pk=agreement.pk))

    assert snapshot.anchoring_status == {
        complete.pk: AnchoringStatus.COMPLETE,
        departed_sponsor.pk: AnchoringStatus.SPONSOR_MISSING,
        briefed_only.pk: AnchoringStatus.MISSING,
        sponsor_only.pk: AnchoringStatus.DECISION_OR_PLAN_MISSING,
    }


@pytest.mark.django_db
def test_mandate_coverage_counts_active_deciders_only():
    today = timezone.localdate()
    agreement = AgreementFactory()
    deciding = PartyFactory(agreement=agreement)
    RepresentativeFactory(party=deciding, mandate=Mandate.DECIDE)
    preparing = PartyFactory(agreement=agreement)
    RepresentativeFactory(party=preparing, mandate=Mandate.PREPARE)
    departed = PartyFactory(agreement=agreement)
    RepresentativeFactory(party=departed, mandate=Mandate.DECIDE, person__left_on=today - dt.timedelta(days=1))
    PartyFactory(agreement=agreement)  # no representative at all

    coverage = agreement_snapshot(agreement_list().get(pk=agreement.pk)).mandate_coverage

    assert (coverage.parties, coverage.with_decide) == (4, 1)
    assert deciding.pk not in coverage.missing
    assert preparing.pk in coverage.missing
    assert departed.pk in coverage.missing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("selector", "related"),
    [
        (party_list, ("organization",)),
        (representative_list, ("person", "party")),
        (responsibility_list, ("responsible", "deputy")),
        (anchoring_list, ("person", "party")),
        (commitment_list, ("party",)),
    ],
)
def test_child_selectors_load_what_their_rows_show(selector, related, django_assert_num_queries):
    party = PartyFactory()
    person = PersonFactory(organization=party.organization)
    RepresentativeFactory(party=party, person=person)
    ResponsibilityFactory(
        agreement=party.agreement, responsible=person, deputy=PersonFactory(organization=party.organization)
    )
    AnchoringFactory(party=party, kind=AnchoringKind.SPONSOR, date=None, person=person)
    CommitmentFactory(party=party)

    rows = list(selector())

    with django_assert_num_queries(0):
        for row in rows:
            for name in related:
                assert getattr(row, name) is not None
