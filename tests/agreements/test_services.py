import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.choices import AgreementStatus, AnchoringKind, Mandate
from agreements.models import Agreement, Anchoring, Party, Representative, Responsibility
from agreements.services import (
    agreement_activate,
    agreement_expire_due,
    agreement_renew,
    agreement_terminate,
    hand_over_deputy_conflicts,
    person_hand_over,
    record_create,
)
from tests.factories import (
    AgreementFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
    agreement_with,
)

pytestmark = pytest.mark.django_db


def test_valid_to_before_valid_from_is_refused_by_validation_and_database():
    with pytest.raises(ValidationError) as excinfo:
        record_create(model=Agreement, title="X", valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2026, 4, 1))
    assert "valid_to" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(title="X", valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2026, 4, 1))


def test_deputy_is_never_the_responsible_person():
    party = PartyFactory()
    person = PersonFactory(organization=party.organization)
    with pytest.raises(ValidationError) as excinfo:
        record_create(
            model=Responsibility, agreement=party.agreement, title="Samordning", responsible=person, deputy=person
        )
    assert "deputy" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(agreement=party.agreement, title="S", responsible=person, deputy=person)


def test_role_holders_must_belong_to_a_party():
    party = PartyFactory()
    outsider = PersonFactory()
    with pytest.raises(ValidationError) as excinfo:
        record_create(model=Responsibility, agreement=party.agreement, title="Samordning", responsible=outsider)
    assert "responsible" in excinfo.value.message_dict


def test_person_of_a_child_organisation_belongs_to_the_party():
    kommun = OrganizationFactory()
    forvaltning = OrganizationFactory(parent=kommun)
    party = PartyFactory(organization=kommun)
    person = PersonFactory(organization=forvaltning)
    rep = record_create(model=Representative, party=party, person=person, mandate=Mandate.DECIDE)
    assert rep.agreement_id == party.agreement_id


def test_representative_and_sponsor_belong_to_that_party():
    agreement = AgreementFactory()
    party_a = PartyFactory(agreement=agreement)
    party_b = PartyFactory(agreement=agreement)
    person_b = PersonFactory(organization=party_b.organization)
    with pytest.raises(ValidationError) as excinfo:
        record_create(model=Representative, party=party_a, person=person_b)
    assert "person" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        record_create(model=Anchoring, party=party_a, kind=AnchoringKind.SPONSOR, person=person_b)
    assert "person" in excinfo.value.message_dict


def test_organisation_is_a_party_once_per_agreement():
    party = PartyFactory()
    with pytest.raises(ValidationError):
        record_create(model=Party, agreement=party.agreement, organization=party.organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(agreement=party.agreement, organization=party.organization)


def test_anchoring_kinds_need_their_details_in_the_database():
    party = PartyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Anchoring.objects.create(agreement=party.agreement, party=party, kind=AnchoringKind.SPONSOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Anchoring.objects.create(agreement=party.agreement, party=party, kind=AnchoringKind.DECISION)
    with pytest.raises(IntegrityError), transaction.atomic():
        Anchoring.objects.create(agreement=party.agreement, party=party, kind="rumour")


def test_activate_needs_two_parties_and_a_responsibility():
    agreement = AgreementFactory()
    PartyFactory(agreement=agreement)
    with pytest.raises(ValidationError) as excinfo:
        agreement_activate(agreement=agreement)
    message = " ".join(excinfo.value.messages)
    assert "two parties" in message or "två parter" in message
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_activate_then_terminate_and_refusals():
    agreement = agreement_with(coordinated=True)
    activated = agreement_activate(agreement=agreement)
    assert activated.status == AgreementStatus.ACTIVE
    with pytest.raises(ValidationError):
        agreement_activate(agreement=agreement)
    terminated = agreement_terminate(agreement=agreement, on=dt.date(2026, 9, 1), reason="Projektet avslutat")
    assert (terminated.status, terminated.terminated_on) == (AgreementStatus.TERMINATED, dt.date(2026, 9, 1))
    with pytest.raises(ValidationError):
        agreement_terminate(agreement=agreement)
    assert list(agreement.history.values_list("status", flat=True)[:3]) == ["terminated", "active", "draft"]


def test_expire_due_expires_only_active_agreements_past_their_end():
    past = agreement_with(coordinated=True)
    agreement_activate(agreement=past)
    Agreement.objects.filter(pk=past.pk).update(valid_to=dt.date(2026, 1, 31))
    current = agreement_with(coordinated=True)
    agreement_activate(agreement=current)
    assert agreement_expire_due(today=dt.date(2026, 2, 1)) == 1
    past.refresh_from_db()
    current.refresh_from_db()
    assert (past.status, current.status) == (AgreementStatus.EXPIRED, AgreementStatus.ACTIVE)


def test_renew_carries_parties_roles_and_sponsors_and_expires_the_old_on_activation():
    old = agreement_with(parties=3, responsibilities=4, coordinated=True)
    agreement_activate(agreement=old)
    renewal = agreement_renew(agreement=old)
    assert renewal.status == AgreementStatus.DRAFT
    assert renewal.valid_from == dt.date(2029, 1, 1)
    assert renewal.valid_to == dt.date(2031, 12, 31)
    assert renewal.parties.count() == 3
    assert renewal.representatives.count() == 3
    assert renewal.responsibilities.count() == 4
    assert set(renewal.anchorings.values_list("kind", flat=True)) == {AnchoringKind.SPONSOR}
    with pytest.raises(ValidationError):
        agreement_renew(agreement=old)
    agreement_activate(agreement=renewal)
    old.refresh_from_db()
    assert old.status == AgreementStatus.EXPIRED


def test_hand_over_moves_every_role_in_open_agreements_and_keeps_history():
    agreement = agreement_with(parties=2, responsibilities=3)
    leaver = agreement.representatives.first().person
    successor = PersonFactory(organization=leaver.organization)
    agreement.coordinator = leaver
    agreement.save()
    Anchoring.objects.filter(agreement=agreement, person__isnull=False).update(person=leaver)
    Anchoring.objects.filter(agreement=agreement, person=leaver).exclude(
        party__organization=leaver.organization
    ).delete()
    closed = agreement_with(parties=2, responsibilities=1)
    closed_rep = RepresentativeFactory(party=closed.parties.get(organization=closed.parties.first().organization))
    Agreement.objects.filter(pk=closed.pk).update(status=AgreementStatus.TERMINATED)
    roles_before = Responsibility.objects.filter(agreement=agreement, responsible=leaver).count()
    deputies_before = Responsibility.objects.filter(agreement=agreement, deputy=leaver).count()

    summary = person_hand_over(person=leaver, successor=successor, left_on=dt.date(2026, 10, 31))

    assert summary.responsibilities == roles_before
    assert summary.deputyships == deputies_before
    assert summary.representations == 1
    assert summary.sponsorships == 1
    assert summary.coordinator_roles == 1
    assert not Responsibility.objects.filter(agreement=agreement, responsible=leaver).exists()
    assert not Responsibility.objects.filter(agreement=agreement, deputy=leaver).exists()
    agreement.refresh_from_db()
    assert agreement.coordinator == successor
    leaver.refresh_from_db()
    assert leaver.left_on == dt.date(2026, 10, 31)
    # Who held the role before is kept in the history, with the reason.
    role = Responsibility.objects.filter(agreement=agreement, responsible=successor).first()
    holders = list(role.history.order_by("history_date").values_list("responsible_id", flat=True))
    assert holders[0] == leaver.pk
    assert holders[-1] == successor.pk
    assert "Hand-over" in role.history.first().history_change_reason or "Överlämning" in (
        role.history.first().history_change_reason
    )
    # A closed agreement keeps its people as they were.
    closed_rep.refresh_from_db()
    assert closed_rep.person_id != successor.pk


def test_hand_over_refuses_self_and_departed_successor():
    person = PersonFactory()
    with pytest.raises(ValidationError):
        person_hand_over(person=person, successor=person)
    gone = PersonFactory(left_on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError):
        person_hand_over(person=person, successor=gone)


def test_hand_over_to_an_outsider_is_refused_and_changes_nothing():
    agreement = agreement_with()
    leaver = agreement.representatives.first().person
    outsider = PersonFactory()
    with pytest.raises(ValidationError):
        person_hand_over(person=leaver, successor=outsider)
    leaver.refresh_from_db()
    assert leaver.left_on is None
    assert agreement.representatives.filter(person=leaver).exists()


def test_successor_already_deputy_takes_the_role_and_the_deputyship_is_emptied():
    agreement = AgreementFactory()
    party = PartyFactory(agreement=agreement)
    PartyFactory(agreement=agreement)
    leaver = PersonFactory(organization=party.organization)
    successor = PersonFactory(organization=party.organization)
    role = ResponsibilityFactory(agreement=agreement, responsible=leaver, deputy=successor)
    summary = person_hand_over(person=leaver, successor=successor)
    role.refresh_from_db()
    assert (role.responsible_id, role.deputy_id) == (successor.pk, None)
    assert summary.without_deputy == 1  # counted, so the caller can say so


def test_a_hand_over_names_new_deputies_where_the_successor_held_the_other_half():
    agreement = AgreementFactory()
    party = PartyFactory(agreement=agreement)
    PartyFactory(agreement=agreement)
    leaver, successor, helper = (PersonFactory(organization=party.organization) for _ in range(3))
    led = ResponsibilityFactory(agreement=agreement, title="Ledning", responsible=leaver, deputy=successor)
    backed = ResponsibilityFactory(agreement=agreement, title="Ekonomi", responsible=successor, deputy=leaver)
    assert {role.pk for role in hand_over_deputy_conflicts(leaver, successor)} == {led.pk, backed.pk}
    summary = person_hand_over(person=leaver, successor=successor, deputies={led.pk: helper, backed.pk: helper})
    led.refresh_from_db()
    backed.refresh_from_db()
    assert (led.responsible_id, led.deputy_id) == (successor.pk, helper.pk)
    assert (backed.responsible_id, backed.deputy_id) == (successor.pk, helper.pk)
    assert summary.without_deputy == 0


def test_a_hand_over_refuses_the_leaver_as_new_deputy_and_moves_nothing():
    agreement = AgreementFactory()
    party = PartyFactory(agreement=agreement)
    PartyFactory(agreement=agreement)
    leaver, successor = (PersonFactory(organization=party.organization) for _ in range(2))
    led = ResponsibilityFactory(agreement=agreement, responsible=leaver, deputy=successor)
    with pytest.raises(ValidationError):
        person_hand_over(person=leaver, successor=successor, deputies={led.pk: leaver})
    led.refresh_from_db()
    assert (led.responsible_id, led.deputy_id) == (leaver.pk, successor.pk)


def test_successor_already_representing_the_party_keeps_one_row():
    party = PartyFactory()
    leaver = RepresentativeFactory(party=party).person
    successor = RepresentativeFactory(party=party, mandate=Mandate.PREPARE).person
    summary = person_hand_over(person=leaver, successor=successor)
    assert summary.representations == 1
    assert list(party.representatives.values_list("person_id", "mandate")) == [(successor.pk, Mandate.DECIDE)]
