"""The benchmark's portfolio generator (assessments.bench), at a tiny size: the proportions, the
database and model rules, determinism, and enough risk for a scan to find every kind of flag."""

from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from agreements.choices import AgreementStatus, AnchoringKind
from agreements.models import Agreement, Anchoring, Party, Representative, Responsibility
from assessments import bench
from assessments.models import RiskFlag
from assessments.services import scan_now
from stakeholders.models import Organization, Person

pytestmark = pytest.mark.django_db

SIZE = 40
RULES = {
    "single_person_dependency",
    "missing_deputy",
    "person_overload",
    "missing_internal_anchoring",
    "missing_mandate",
    "departed_person",
    "review_overdue",
    "agreement_expiring",
}


@pytest.fixture
def portfolio(today):
    assert bench.grow_to(SIZE, seed=7, today=today) == SIZE


def lineage(parent_of: dict, organization_id: int) -> set[int]:
    found = set()
    while organization_id is not None and organization_id not in found:
        found.add(organization_id)
        organization_id = parent_of.get(organization_id)
    return found


def signature() -> list:
    """The portfolio without its ids."""
    email = dict(Person.objects.values_list("id", "email"))
    org = dict(Organization.objects.values_list("id", "name"))
    roles, parties = Counter(), Counter()
    for agreement, responsible, deputy in Responsibility.objects.values_list(
        "agreement__reference", "responsible", "deputy"
    ):
        roles[(agreement, email[responsible], email.get(deputy))] += 1
    for agreement, organization in Party.objects.values_list("agreement__reference", "organization"):
        parties[(agreement, org[organization])] += 1
    agreements = sorted(Agreement.objects.values_list("reference", "status", "valid_to", "next_review_on"))
    people = sorted(Person.objects.values_list("email", "left_on", "organization__name"))
    return [agreements, people, parties, roles]


def test_proportions(portfolio):
    parties = Party.objects.count()
    assert Agreement.objects.count() == SIZE
    assert Person.objects.count() == bench.PEOPLE_PER_AGREEMENT * SIZE
    assert SIZE / 3 <= Organization.objects.count() <= SIZE / 2
    assert Organization.objects.filter(parent__isnull=False).exists()
    assert 3.5 * SIZE <= parties <= 4.5 * SIZE
    assert 10 * SIZE <= Responsibility.objects.count() <= 14 * SIZE
    assert parties <= Representative.objects.count() <= 2 * parties
    assert not Party.objects.filter(representatives__isnull=True).exists()
    statuses = Counter(Agreement.objects.values_list("status", flat=True))
    assert statuses[AgreementStatus.ACTIVE] == 0.8 * SIZE
    assert statuses[AgreementStatus.DRAFT]
    assert statuses[AgreementStatus.EXPIRED]
    assert 0 < Person.objects.departed().count() < 0.1 * Person.objects.count()
    without_deputy = Responsibility.objects.filter(deputy__isnull=True).count()
    assert 0 < without_deputy < 0.3 * Responsibility.objects.count()
    sponsored = Anchoring.objects.filter(kind=AnchoringKind.SPONSOR).values("party").distinct().count()
    assert 0.8 * parties <= sponsored < parties


def test_rows_keep_the_model_rules(portfolio):
    parent_of = dict(Organization.objects.values_list("id", "parent_id"))
    person_org = dict(Person.objects.values_list("id", "organization_id"))
    party = {
        pk: (agreement, org) for pk, agreement, org in Party.objects.values_list("id", "agreement", "organization")
    }
    party_orgs = {}
    for agreement, org in party.values():
        party_orgs.setdefault(agreement, set()).add(org)
    for model in (Representative, Anchoring):
        for agreement, party_id, person in model.objects.values_list("agreement", "party", "person"):
            assert party[party_id][0] == agreement
            if person is not None:
                assert party[party_id][1] in lineage(parent_of, person_org[person])
    assert not Anchoring.objects.filter(kind=AnchoringKind.SPONSOR, person__isnull=True).exists()
    assert not Anchoring.objects.filter(kind=AnchoringKind.DECISION, date__isnull=True).exists()
    for agreement, responsible, deputy in Responsibility.objects.values_list("agreement", "responsible", "deputy"):
        assert deputy != responsible
        for person in filter(None, (responsible, deputy)):
            assert lineage(parent_of, person_org[person]) & party_orgs[agreement]
    for model in (Organization, Person, Agreement, Party, Representative, Responsibility, Anchoring):
        for row in model.objects.all()[:25]:
            row.full_clean()


def test_a_scan_finds_every_kind_of_risk(portfolio):
    scan = scan_now()
    assert scan.agreements_scanned == Agreement.objects.filter(status__in=("draft", "active")).count()
    found = Counter(RiskFlag.objects.values_list("rule", flat=True))
    assert set(found) >= RULES, RULES - set(found)
    assert RiskFlag.objects.filter(rule="person_overload", agreement__isnull=True).exists()
    assert scan_now().new_count == 0


def test_growing_in_blocks_gives_the_same_portfolio(monkeypatch, today):
    monkeypatch.setattr(bench, "BLOCK", SIZE // 2)
    bench.grow_to(SIZE // 2, seed=3, today=today)
    assert bench.grow_to(SIZE, seed=3, today=today) == SIZE // 2
    grown = signature()
    bench.wipe()
    assert not Agreement.objects.exists()
    assert not Organization.objects.exists()
    bench.grow_to(SIZE, seed=3, today=today)
    assert signature() == grown


def test_the_command_refuses_a_database_not_named_bench(monkeypatch):
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "NAME", "samverkan")
    with pytest.raises(CommandError, match="Refusing"):
        call_command("bench_risk_scan", sizes="5")
