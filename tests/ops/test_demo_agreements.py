import datetime as dt
from collections import Counter
from dataclasses import replace
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from agreements.choices import AgreementStatus, Ambition, AnchoringKind, AnchoringStatus
from agreements.models import (
    Agreement,
    Anchoring,
    Commitment,
    Party,
    Representative,
    Responsibility,
    person_belongs_to,
)
from agreements.rules import AnchoringFact, anchoring_status, bus_factor, mandate_coverage
from agreements.services import person_hand_over
from ops.demo import agreements as demo
from ops.demo import register as register_demo
from ops.demo.datafiles import DemoDataError, FromToday
from stakeholders.models import Organization, Person

pytestmark = pytest.mark.django_db

MODELS = (Agreement, Party, Representative, Responsibility, Anchoring, Commitment)

SOUND = ("KS 2025/0412", "RS 2025/0961")
BUS_FACTOR_ONE = "KS 2024/0188"
UNANCHORED = "851-4412-2025"
DEPARTED = "KS 2024/0871"
REVIEW_OVERDUE = "RS 2024/1307"
EXPIRING = "RS 2023/0745"
DRAFT = "SN 2026/0093"
TERMINATED = "KS 2023/0517"

AGREEMENTS = demo.load_agreements()


@pytest.fixture
def seeded():
    register_demo.seed_demo_register()
    return demo.seed_demo_agreements()


def agreement(reference: str) -> Agreement:
    return Agreement.objects.get(reference=reference)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def history_counts() -> dict[str, int]:
    return {model.__name__: model.history.count() for model in MODELS}


def run_command() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


# --- what agreements.rules says about one stored agreement ---------------------------------------


def agreement_bus_factor(item: Agreement) -> int | None:
    return bus_factor([(r.responsible_id, r.deputy_id) for r in item.responsibilities.all()]).value


def party_anchoring(party: Party) -> AnchoringStatus:
    facts = [
        AnchoringFact(
            kind=a.kind,
            person_active=a.person is None or a.person.is_active,
            person_in_party=a.person is None or person_belongs_to(a.person, party.organization_id),
        )
        for a in party.anchorings.select_related("person")
    ]
    return anchoring_status(facts)


def full_mandate_coverage(item: Agreement) -> bool:
    mandates = {
        party.pk: [r.mandate for r in party.representatives.select_related("person") if r.person.is_active]
        for party in item.parties.all()
    }
    return not mandate_coverage(mandates).missing


def is_sound(item: Agreement) -> bool:
    factor = agreement_bus_factor(item)
    return (
        factor is not None
        and factor >= 2
        and all(party_anchoring(party) == AnchoringStatus.COMPLETE for party in item.parties.all())
        and full_mandate_coverage(item)
    )


def departed_role_holders(item: Agreement) -> set[str]:
    people = {item.coordinator} if item.coordinator else set()
    for role in item.responsibilities.select_related("responsible", "deputy"):
        people |= {role.responsible, role.deputy} - {None}
    people |= {rep.person for rep in Representative.objects.filter(agreement=item).select_related("person")}
    people |= {a.person for a in Anchoring.objects.filter(agreement=item, person__isnull=False)}
    return {person.email for person in people if not person.is_active}


def expiring_soon(item: Agreement, today: dt.date) -> bool:
    return item.valid_to is not None and today <= item.valid_to <= today + dt.timedelta(days=60)


# --- the declarations ---------------------------------------------------------------------------


def test_declarations_refer_to_the_demo_register():
    register = register_demo.load_register()
    org_keys = {seed.key for seed in register.organizations}
    emails = {seed.email for seed in register.people}
    references = [seed.reference for seed in AGREEMENTS]
    assert len(set(references)) == len(references)
    for seed in AGREEMENTS:
        assert {p.organization for p in seed.parties} <= org_keys, seed.reference
        used = {seed.coordinator}
        used |= {r.responsible for r in seed.responsibilities} | {r.deputy for r in seed.responsibilities} - {None}
        for party in seed.parties:
            used |= {r.email for r in party.representatives} | {a.sponsor for a in party.anchorings} - {None}
        assert used <= emails, (seed.reference, used - emails)


def test_declarations_cover_the_ambition_ladder_and_every_kind_of_row():
    assert {seed.ambition for seed in AGREEMENTS} == set(Ambition)
    kinds = {r.kind for seed in AGREEMENTS for r in seed.responsibilities}
    assert {"coordination", "steering", "operations", "communication", "finance", "follow_up"} <= kinds
    anchorings = {a.kind for seed in AGREEMENTS for p in seed.parties for a in p.anchorings}
    assert anchorings == set(AnchoringKind)


def test_relative_dates_are_read_from_the_data_file():
    sound = next(seed for seed in AGREEMENTS if seed.reference == SOUND[0])
    assert (sound.valid_from, sound.valid_to) == (FromToday(months=-14), FromToday(months=22))
    expiring = next(seed for seed in AGREEMENTS if seed.reference == EXPIRING)
    assert expiring.valid_to == FromToday(days=45)
    assert expiring.valid_to.on(dt.date(2026, 1, 31)) == dt.date(2026, 3, 17)
    draft = next(seed for seed in AGREEMENTS if seed.reference == DRAFT)
    assert draft.next_review_on is None


def test_a_malformed_date_or_party_is_a_clear_error(tmp_path):
    agreement_table = """
[[agreement]]
reference = "KS 1/1"
title = "T"
purpose = "P"
goals = "G"
ambition = "dialogue"
status = "draft"
valid_from = "+1m"
valid_to = "in a year"
coordinator = "a@b.example.se"
"""
    (tmp_path / "agreements.toml").write_text(agreement_table, encoding="utf-8")
    with pytest.raises(DemoDataError, match="agreement 'KS 1/1': valid_to: 'in a year' is not a relative date"):
        demo.load_agreements(tmp_path)

    (tmp_path / "agreements.toml").write_text(agreement_table.replace("in a year", "+1y"), encoding="utf-8")
    with pytest.raises(DemoDataError, match="valid_to: '\\+1y' is not a relative date"):
        demo.load_agreements(tmp_path)

    party = '[[agreement.party]]\norganization = "kommun"\nrole = "owner"\ncontribution = "C"\n'
    party += 'representatives = [{ email = "a@b.example.se", mandate = "decide", hours_per_month = 2.5 }]\n'
    (tmp_path / "agreements.toml").write_text(agreement_table.replace("in a year", "+12m") + party, encoding="utf-8")
    with pytest.raises(DemoDataError, match="party 'kommun', representative 'a@b.example.se': hours_per_month"):
        demo.load_agreements(tmp_path)


# --- seeding --------------------------------------------------------------------------------------


def test_seeding_creates_the_agreements(seeded):
    assert Agreement.objects.count() == len(AGREEMENTS) == 9
    statuses = Counter(Agreement.objects.values_list("status", flat=True))
    assert statuses == {AgreementStatus.ACTIVE: 7, AgreementStatus.DRAFT: 1, AgreementStatus.TERMINATED: 1}
    assert agreement(DRAFT).status == AgreementStatus.DRAFT
    terminated = agreement(TERMINATED)
    assert terminated.status == AgreementStatus.TERMINATED
    assert terminated.terminated_on is not None
    assert terminated.termination_reason
    # the summary counts what was stored
    assert {model.__name__: seeded.counts[model].created for model in MODELS} == row_counts()
    assert list(seeded.counts) == list(MODELS)
    assert seeded.changed


def test_seeded_rows_pass_full_validation(seeded):
    for model in MODELS:
        rows = model.objects.all()
        assert rows, model
        for row in rows:
            row.full_clean()


def test_every_party_has_representatives_and_every_agreement_roles(seeded):
    for item in Agreement.objects.all():
        assert item.parties.count() >= 2, item
        assert item.responsibilities.exists(), item
        assert item.coordinator is not None
        for party in item.parties.all():
            assert party.representatives.filter(is_primary=True).count() == 1, party
    for rep in Representative.objects.all():
        assert rep.hours_per_month > 0


def test_lifecycle_went_through_the_services(seeded):
    # The services record their change reasons in the language active when they ran (here the default, Swedish).
    active = agreement(SOUND[0])
    reasons = list(active.history.values_list("history_change_reason", flat=True))
    assert "Aktiverad" in reasons
    assert "Avslutad" in agreement(TERMINATED).history.values_list("history_change_reason", flat=True)


# --- the deliberate risks, as agreements.rules computes them --------------------------------------


def test_sound_agreements(seeded):
    for reference in SOUND:
        item = agreement(reference)
        assert item.status == AgreementStatus.ACTIVE
        assert agreement_bus_factor(item) >= 2, reference
        assert all(party_anchoring(p) == AnchoringStatus.COMPLETE for p in item.parties.all()), reference
        assert full_mandate_coverage(item), reference
        assert not item.is_review_overdue
        assert not departed_role_holders(item)
    assert sum(is_sound(item) for item in Agreement.objects.filter(status=AgreementStatus.ACTIVE)) >= 2


def test_one_person_carries_everything(seeded):
    item = agreement(BUS_FACTOR_ONE)
    assert item.status == AgreementStatus.ACTIVE
    assert agreement_bus_factor(item) == 1
    erik = Person.objects.get(email="erik.lund@bjorkby.example.se")
    held = item.responsibilities.filter(responsible=erik)
    assert held.count() > item.responsibilities.count() / 2
    assert not held.filter(deputy__isnull=False).exists()


def test_a_party_without_any_anchoring(seeded):
    item = agreement(UNANCHORED)
    assert item.status == AgreementStatus.ACTIVE
    statuses = {party.organization.name: party_anchoring(party) for party in item.parties.all()}
    assert statuses["Ådala kommun"] == AnchoringStatus.MISSING
    assert not item.parties.get(organization__name="Ådala kommun").anchorings.exists()
    # the other parties are anchored: the gap is one party's
    assert Counter(statuses.values()) == {AnchoringStatus.COMPLETE: 3, AnchoringStatus.MISSING: 1}


def test_a_departed_person_still_holds_a_role(seeded):
    item = agreement(DEPARTED)
    departed = set(Person.objects.departed().values_list("email", flat=True))
    assert item.status == AgreementStatus.ACTIVE
    assert departed_role_holders(item) == {"elin.mattsson@mellanlandsidrotten.example.se"} <= departed
    assert item.responsibilities.filter(responsible__email__in=departed).exists()


def test_review_overdue(seeded):
    item = agreement(REVIEW_OVERDUE)
    assert item.status == AgreementStatus.ACTIVE
    assert item.is_review_overdue
    assert item.next_review_on < timezone.localdate()


def test_expiring_soon(seeded):
    item = agreement(EXPIRING)
    assert item.status == AgreementStatus.ACTIVE
    assert expiring_soon(item, timezone.localdate())


def test_each_risk_shows_where_it_is_declared_and_nowhere_else(seeded):
    today = timezone.localdate()
    active = Agreement.objects.filter(status=AgreementStatus.ACTIVE)
    assert {a.reference for a in active if agreement_bus_factor(a) == 1} == {BUS_FACTOR_ONE}
    assert {
        a.reference for a in active if any(party_anchoring(p) != AnchoringStatus.COMPLETE for p in a.parties.all())
    } == {UNANCHORED}
    assert {a.reference for a in active if departed_role_holders(a)} == {DEPARTED}
    assert {a.reference for a in active if a.responsibilities.filter(deputy__isnull=True).exists()} == {BUS_FACTOR_ONE}
    assert {a.reference for a in active if a.is_review_overdue} == {REVIEW_OVERDUE}
    assert {a.reference for a in active if expiring_soon(a, today)} == {EXPIRING}
    assert all(full_mandate_coverage(a) for a in active)


# --- re-running -----------------------------------------------------------------------------------


def test_second_run_changes_nothing(seeded):
    rows, history = row_counts(), history_counts()
    stamps = list(Agreement.objects.order_by("pk").values_list("updated_at", flat=True))

    summary = demo.seed_demo_agreements()

    assert row_counts() == rows
    assert history_counts() == history
    assert list(Agreement.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert not summary.changed
    assert {model.__name__: summary.counts[model].unchanged for model in MODELS} == rows


def test_a_later_run_moves_no_dates():
    # Dates are relative to the day an agreement is created and fixed then.
    register_demo.seed_demo_register()
    first_day = dt.date(2026, 3, 1)
    demo.seed_demo_agreements(today=first_day)
    dates = list(Agreement.objects.order_by("pk").values_list("valid_from", "valid_to", "next_review_on"))
    history = history_counts()

    summary = demo.seed_demo_agreements(today=first_day + dt.timedelta(days=200))

    assert not summary.changed
    assert history_counts() == history
    assert list(Agreement.objects.order_by("pk").values_list("valid_from", "valid_to", "next_review_on")) == dates
    assert agreement(EXPIRING).valid_to == first_day + dt.timedelta(days=45)


def test_rerun_leaves_what_users_changed(seeded):
    elin = Person.objects.get(email="elin.mattsson@mellanlandsidrotten.example.se")
    jonas = Person.objects.get(email="jonas.hagglund@mellanlandsidrotten.example.se")
    person_hand_over(person=elin, successor=jonas)
    Commitment.objects.filter(agreement=agreement(SOUND[0])).first().delete()
    rows, history = row_counts(), history_counts()

    summary = demo.seed_demo_agreements()

    assert not summary.changed
    assert (row_counts(), history_counts()) == (rows, history)
    assert not departed_role_holders(agreement(DEPARTED))


def test_a_removed_agreement_is_created_again(seeded):
    agreement(DRAFT).delete()
    summary = demo.seed_demo_agreements()
    assert summary.counts[Agreement].created == 1
    assert summary.counts[Agreement].unchanged == 8
    assert agreement(DRAFT).status == AgreementStatus.DRAFT


def test_seeding_needs_the_register():
    with translation.override("en"), pytest.raises(ValidationError, match="load the demo register first"):
        demo.seed_demo_agreements()
    assert Agreement.objects.count() == 0


# --- the command ----------------------------------------------------------------------------------


def test_command_seeds_register_and_agreements_and_prints_the_summary():
    first = run_command()
    assert "Organisations: 19 created, 0 updated, 0 unchanged." in first
    assert "Agreements: 9 created, 0 updated, 0 unchanged." in first
    assert f"Parties: {Party.objects.count()} created, 0 updated, 0 unchanged." in first
    assert f"Responsibilities: {Responsibility.objects.count()} created, 0 updated, 0 unchanged." in first
    assert "The demo register is loaded." in first
    rows, history = row_counts(), history_counts()
    register = Organization.history.count(), Person.history.count()

    second = run_command()

    assert (row_counts(), history_counts()) == (rows, history)
    assert (Organization.history.count(), Person.history.count()) == register
    assert "Agreements: 0 created, 0 updated, 9 unchanged." in second
    assert f"Anchorings: 0 created, 0 updated, {Anchoring.objects.count()} unchanged." in second
    assert "nothing changed" in second


def test_command_is_one_transaction(monkeypatch):
    seed = AGREEMENTS[-1]
    role = seed.responsibilities[0]
    broken = replace(seed, responsibilities=(replace(role, deputy=role.responsible), *seed.responsibilities[1:]))
    monkeypatch.setattr(demo, "load_agreements", lambda: (*AGREEMENTS[:-1], broken))

    with pytest.raises(CommandError, match="nothing was saved"):
        run_command()

    assert Agreement.objects.count() == 0
    assert Organization.objects.count() == 0
