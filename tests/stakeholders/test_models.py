from datetime import timedelta
from itertools import count

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from stakeholders.choices import Quadrant, Sector, SectorGroup
from stakeholders.models import Organization, Person
from stakeholders.services import organization_create, organization_update, person_create, person_update
from stakeholders.validators import normalize_org_number
from tests.factories import OrganizationFactory, PersonFactory, org_number_for

pytestmark = pytest.mark.django_db

_names = count()


def raw_organization(**values) -> Organization:
    """Insert straight into the table: no full_clean, so only the database can refuse."""
    values.setdefault("name", f"Rå organisation {next(_names)}")
    values.setdefault("sector", Sector.BUSINESS)
    return Organization.objects.create(**values)


def assert_refused_by_database(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# --- database constraints, validation bypassed --------------------------------------------------


@pytest.mark.parametrize("field", ["power", "interest", "resource_level"])
@pytest.mark.parametrize("value", [0, 6])
def test_database_refuses_scale_values_out_of_range_on_insert(field, value):
    assert_refused_by_database(lambda: raw_organization(**{field: value}))
    assert not Organization.objects.exists()


@pytest.mark.parametrize("field", ["power", "interest", "resource_level"])
@pytest.mark.parametrize("value", [0, 6])
def test_database_refuses_scale_values_out_of_range_on_update(field, value):
    organization = raw_organization()
    assert_refused_by_database(lambda: Organization.objects.filter(pk=organization.pk).update(**{field: value}))
    organization.refresh_from_db()
    assert getattr(organization, field) == 3


@pytest.mark.parametrize("value", [1, 5])
def test_database_accepts_the_ends_of_the_scale(value):
    organization = raw_organization(power=value, interest=value, resource_level=value)
    assert Organization.objects.filter(pk=organization.pk, power=value).exists()


def test_database_refuses_an_unknown_sector():
    assert_refused_by_database(lambda: raw_organization(sector="church"))


@pytest.mark.parametrize("org_number", ["5560125790", "556012 5790", "", "5560-125790"])
def test_database_refuses_a_malformed_org_number(org_number):
    assert_refused_by_database(lambda: raw_organization(org_number=org_number))


def test_database_accepts_organisations_without_org_number():
    raw_organization(org_number=None)
    raw_organization(org_number=None)
    assert Organization.objects.filter(org_number__isnull=True).count() == 2


def test_database_refuses_a_duplicate_org_number():
    raw_organization(org_number="556012-5790")
    assert_refused_by_database(lambda: raw_organization(org_number="556012-5790"))


def test_database_refuses_an_organisation_as_its_own_parent():
    organization = raw_organization()
    assert_refused_by_database(lambda: Organization.objects.filter(pk=organization.pk).update(parent=F("pk")))
    organization.refresh_from_db()
    assert organization.parent_id is None


def test_database_refuses_duplicate_top_level_names_differing_in_case():
    raw_organization(name="Sjoviks kommun")
    assert_refused_by_database(lambda: raw_organization(name="SJOVIKS KOMMUN"))
    assert Organization.objects.count() == 1


# BUG (SQLite, the embedded default): SQLite's LOWER() folds ASCII only, so "ådala kommun" and
# "Ådala kommun" are different names to the constraint (and to validate_constraints, which asks the
# database). PostgreSQL's lower() folds å/ä/ö, so there the test passes.
@pytest.mark.xfail(condition=connection.vendor == "sqlite", strict=True, reason="SQLite LOWER() does not fold å/ä/ö")
def test_database_refuses_duplicate_names_differing_in_the_case_of_a_swedish_letter():
    raw_organization(name="Ådala kommun")
    assert_refused_by_database(lambda: raw_organization(name="ådala kommun"))


def test_database_refuses_duplicate_child_names_under_one_parent_but_not_across_parents():
    first, second = raw_organization(name="Ådala kommun"), raw_organization(name="Sjöviks kommun")
    raw_organization(name="Socialförvaltningen", parent=first)
    raw_organization(name="Socialförvaltningen", parent=second)
    assert_refused_by_database(lambda: raw_organization(name="socialförvaltningen", parent=first))
    assert Organization.objects.filter(name="Socialförvaltningen").count() == 2


def test_database_refuses_a_duplicate_email_differing_only_in_case():
    organization = raw_organization()
    Person.objects.create(first_name="Anna", last_name="Berg", email="anna.berg@example.se", organization=organization)
    assert_refused_by_database(
        lambda: Person.objects.create(
            first_name="Anna", last_name="Berg", email="Anna.Berg@Example.SE", organization=organization
        )
    )
    assert Person.objects.count() == 1


def test_database_allows_many_people_without_email():
    organization = raw_organization()
    for first_name in ("Anna", "Bo"):
        Person.objects.create(first_name=first_name, last_name="Berg", email="", organization=organization)
    assert Person.objects.filter(email="").count() == 2


@pytest.mark.parametrize(("first_name", "last_name"), [("", "Berg"), ("Anna", "")])
def test_database_refuses_a_person_without_name(first_name, last_name):
    organization = raw_organization()
    assert_refused_by_database(
        lambda: Person.objects.create(first_name=first_name, last_name=last_name, organization=organization)
    )


def test_database_refuses_an_unknown_language():
    person = PersonFactory()
    assert_refused_by_database(lambda: Person.objects.filter(pk=person.pk).update(language="de"))


# --- the parent chain --------------------------------------------------------------------------


def test_full_clean_refuses_an_organisation_as_its_own_parent():
    organization = OrganizationFactory()
    organization.parent = organization
    with pytest.raises(ValidationError) as excinfo:
        organization.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_service_refuses_a_two_step_parent_cycle():
    a = organization_create(name="A", sector=Sector.MUNICIPALITY)
    organization_create(name="B", sector=Sector.MUNICIPALITY, parent=a)
    b = Organization.objects.get(name="B")

    with pytest.raises(ValidationError) as excinfo:
        organization_update(instance=a, parent=b)

    assert "parent" in excinfo.value.message_dict
    assert Organization.objects.get(pk=a.pk).parent_id is None


def test_service_refuses_a_three_step_parent_cycle():
    a = organization_create(name="A", sector=Sector.MUNICIPALITY)
    b = organization_create(name="B", sector=Sector.MUNICIPALITY, parent=a)
    c = organization_create(name="C", sector=Sector.MUNICIPALITY, parent=b)

    with pytest.raises(ValidationError) as excinfo:
        organization_update(instance=a, parent=c)

    assert "parent" in excinfo.value.message_dict
    assert Organization.objects.get(pk=a.pk).parent_id is None


def test_full_clean_refuses_a_cycle_through_an_unsaved_change():
    a, b, c = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    Organization.objects.filter(pk=b.pk).update(parent=a)
    Organization.objects.filter(pk=c.pk).update(parent=b)
    a.parent = c
    with pytest.raises(ValidationError) as excinfo:
        a.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_moving_an_organisation_higher_up_its_own_chain_is_not_a_cycle():
    a = organization_create(name="A", sector=Sector.MUNICIPALITY)
    b = organization_create(name="B", sector=Sector.MUNICIPALITY, parent=a)
    c = organization_create(name="C", sector=Sector.MUNICIPALITY, parent=b)

    organization_update(instance=c, parent=a)

    assert Organization.objects.get(pk=c.pk).parent_id == a.pk


# --- people who leave ----------------------------------------------------------------------------


def test_a_person_who_left_in_the_past_is_not_active():
    person = PersonFactory(left_on=timezone.localdate() - timedelta(days=1))
    assert person.is_active is False


def test_a_person_leaving_in_the_future_is_still_active():
    person = PersonFactory(left_on=timezone.localdate() + timedelta(days=1))
    assert person.is_active is True


def test_a_person_is_inactive_from_the_day_they_leave():
    assert PersonFactory(left_on=timezone.localdate()).is_active is False
    assert PersonFactory(left_on=None).is_active is True


def test_active_and_departed_querysets_split_people_by_left_on():
    today = timezone.localdate()
    staying = PersonFactory(left_on=None)
    leaving_later = PersonFactory(left_on=today + timedelta(days=30))
    left_today = PersonFactory(left_on=today)
    left_earlier = PersonFactory(left_on=today - timedelta(days=30))

    assert set(Person.objects.active()) == {staying, leaving_later}
    assert set(Person.objects.departed()) == {left_today, left_earlier}
    # …and agree with the property
    assert {p for p in Person.objects.all() if p.is_active} == set(Person.objects.active())


def test_active_and_departed_querysets_take_a_day():
    today = timezone.localdate()
    left_earlier = PersonFactory(left_on=today - timedelta(days=30))
    leaving_later = PersonFactory(left_on=today + timedelta(days=30))
    before_both = today - timedelta(days=60)
    after_both = today + timedelta(days=60)

    assert set(Person.objects.active(on=before_both)) == {left_earlier, leaving_later}
    assert not Person.objects.departed(on=before_both).exists()
    assert set(Person.objects.departed(on=after_both)) == {left_earlier, leaving_later}


# --- the services --------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["556012 5790", "5560125790", "556012-5790"])
def test_organization_create_normalises_the_org_number(spelling):
    organization = organization_create(name="Volvo", sector=Sector.BUSINESS, org_number=spelling)
    assert Organization.objects.get(pk=organization.pk).org_number == "556012-5790"


# BUG: clean_fields (max_length=11) runs before clean() normalises, so every spelling longer than
# 11 characters that normalize_org_number accepts (the 12-digit form with the "16" prefix,
# surrounding spaces, spaces between groups) is refused by the services with a max_length message.
@pytest.mark.parametrize("spelling", ["165560125790", "16556012-5790", " 556012-5790 ", "556 012 5790"])
def test_organization_create_accepts_every_spelling_the_validator_accepts(spelling):
    organization = organization_create(name="Volvo", sector=Sector.BUSINESS, org_number=spelling)
    assert organization.org_number == "556012-5790"


def test_organization_create_stores_a_blank_org_number_as_null():
    first = organization_create(name="Förening utan nummer", sector=Sector.CIVIL_SOCIETY, org_number="")
    second = organization_create(name="Annan förening", sector=Sector.CIVIL_SOCIETY)
    # NULL, not "": the database allows many organisations without a number, but never two ""
    assert Organization.objects.filter(pk__in=[first.pk, second.pk], org_number__isnull=True).count() == 2


def test_organization_create_refuses_a_wrong_check_digit_on_the_field():
    with pytest.raises(ValidationError) as excinfo:
        organization_create(name="Volvo", sector=Sector.BUSINESS, org_number="556012-5791")
    assert "org_number" in excinfo.value.message_dict
    assert not Organization.objects.exists()


def test_organization_create_refuses_a_duplicate_org_number_in_another_spelling():
    organization_create(name="Volvo", sector=Sector.BUSINESS, org_number="556012-5790")
    with pytest.raises(ValidationError) as excinfo:
        organization_create(name="Volvo kopia", sector=Sector.BUSINESS, org_number="5560125790")
    assert "org_number" in excinfo.value.message_dict


@pytest.mark.parametrize("value", [0, 6])
def test_organization_create_refuses_out_of_range_power_before_the_database(value):
    with pytest.raises(ValidationError) as excinfo:
        organization_create(name="X", sector=Sector.BUSINESS, power=value)
    assert "power" in excinfo.value.message_dict


def test_organization_create_strips_the_name():
    assert organization_create(name="  Ådala kommun ", sector=Sector.MUNICIPALITY).name == "Ådala kommun"


# BUG: Organization.clean strips the name after the blank check, and no constraint forbids "".
def test_organization_create_refuses_a_name_of_only_spaces():
    with pytest.raises(ValidationError):
        organization_create(name="   ", sector=Sector.MUNICIPALITY)


def test_person_create_lowercases_the_email():
    person = person_create(
        first_name=" Anna ",
        last_name="Berg",
        email="Anna.Berg@Adala.Example.SE",
        organization=OrganizationFactory(),
    )
    person.refresh_from_db()
    assert person.email == "anna.berg@adala.example.se"
    assert person.first_name == "Anna"


def test_person_create_refuses_an_email_taken_in_another_case():
    organization = OrganizationFactory()
    person_create(first_name="Anna", last_name="Berg", email="anna.berg@example.se", organization=organization)
    with pytest.raises(ValidationError):
        person_create(first_name="Anna", last_name="Berg", email="ANNA.BERG@example.se", organization=organization)
    assert Person.objects.count() == 1


# BUG: Person.clean strips the address, but EmailField's validator has already refused it.
def test_person_create_strips_whitespace_around_the_email():
    person = person_create(
        first_name="Anna", last_name="Berg", email=" anna.berg@example.se ", organization=OrganizationFactory()
    )
    assert person.email == "anna.berg@example.se"


def test_services_refuse_unknown_fields():
    with pytest.raises(TypeError):
        organization_create(name="X", sector=Sector.BUSINESS, colour="blue")


# --- derived values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("power", "interest", "quadrant"),
    [
        (5, 5, Quadrant.MANAGE_CLOSELY),
        (3, 3, Quadrant.MANAGE_CLOSELY),
        (3, 2, Quadrant.KEEP_SATISFIED),
        (5, 1, Quadrant.KEEP_SATISFIED),
        (2, 3, Quadrant.KEEP_INFORMED),
        (1, 5, Quadrant.KEEP_INFORMED),
        (2, 2, Quadrant.MONITOR),
        (1, 1, Quadrant.MONITOR),
    ],
)
def test_quadrant_with_the_default_threshold(settings, power, interest, quadrant):
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    assert OrganizationFactory.build(power=power, interest=interest).quadrant() == quadrant


def test_quadrant_threshold_comes_from_the_argument_or_the_setting(settings):
    organization = OrganizationFactory.build(power=3, interest=4)
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    assert organization.quadrant() == Quadrant.MANAGE_CLOSELY
    assert organization.quadrant(high_from=4) == Quadrant.KEEP_INFORMED
    settings.STAKEHOLDER_GRID_HIGH_FROM = 4
    assert organization.quadrant() == Quadrant.KEEP_INFORMED


@pytest.mark.parametrize(
    ("sector", "group"),
    [
        (Sector.MUNICIPALITY, SectorGroup.PUBLIC),
        (Sector.REGION, SectorGroup.PUBLIC),
        (Sector.STATE_AGENCY, SectorGroup.PUBLIC),
        (Sector.BUSINESS, SectorGroup.PRIVATE),
        (Sector.ACADEMIA, SectorGroup.ACADEMIC),
        (Sector.CIVIL_SOCIETY, SectorGroup.CIVIL_SOCIETY),
    ],
)
def test_sector_group(sector, group):
    assert OrganizationFactory.build(sector=sector).sector_group == group


# --- history -------------------------------------------------------------------------------------


def test_history_keeps_old_power_values():
    organization = organization_create(name="Ådala kommun", sector=Sector.MUNICIPALITY, power=2)
    organization_update(instance=organization, power=4)
    organization_update(instance=organization, power=5)

    powers = list(organization.history.order_by("history_id").values_list("power", flat=True))
    assert powers == [2, 4, 5]
    assert organization.history.earliest().history_type == "+"
    assert organization.history.earliest().power == 2


def test_history_keeps_who_held_a_title_and_when_they_left():
    person = person_create(
        first_name="Erik", last_name="Lund", title="Utvecklingsledare", organization=OrganizationFactory()
    )
    left_on = timezone.localdate()
    person_update(instance=person, title="Kommundirektör", left_on=left_on)

    old, new = person.history.order_by("history_id")
    assert (old.title, old.left_on) == ("Utvecklingsledare", None)
    assert (new.title, new.left_on) == ("Kommundirektör", left_on)


def test_factory_org_numbers_are_valid():
    # The shared factory must produce numbers the register accepts, already in normal form.
    for n in range(50):
        assert normalize_org_number(org_number_for(n)) == org_number_for(n)
