"""Phone numbers are validated with phonenumbers (Swedish by default) and stored as E.164; names refuse
bidi control characters (issue 13, item 5)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from agreements.models import Agreement
from stakeholders.models import Organization, Person
from stakeholders.validators import normalize_phone
from tests.factories import OrganizationFactory, PersonFactory, agreement_with

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Anna \u202eredlaV" shows as "Anna Valder"


@pytest.mark.parametrize(
    ("spelling", "stored"),
    [
        ("070-174 06 05", "+46701740605"),
        ("0701740605", "+46701740605"),
        ("+46 70 174 06 05", "+46701740605"),
        ("0046 70-174 06 05", "+46701740605"),
        ("08-123 456 78", "+46812345678"),
        ("040-34 10 00", "+4640341000"),
        ("+1 202 555 0143", "+12025550143"),
        ("+358 40 1234567", "+358401234567"),
    ],
)
def test_a_phone_number_is_stored_in_one_format(spelling, stored):
    assert normalize_phone(spelling) == stored


@pytest.mark.parametrize("value", ["070-1", "abc", "112", "+46 70 174 06 05 99 99", "0701740605x", "٠٧٠١٧٤٠٦٠٥"])
def test_a_phone_number_that_is_not_one_is_refused_with_a_message(value):
    with pytest.raises(ValidationError) as caught:
        normalize_phone(value)
    assert caught.value.code in {"phone_invalid", "phone_format"}


@given(st.text(max_size=40))
def test_any_text_is_either_a_phone_number_in_e164_or_refused(value):
    try:
        stored = normalize_phone(value)
    except ValidationError:
        return
    assert stored.startswith("+")
    assert stored[1:].isdigit()
    assert normalize_phone(stored) == stored


@pytest.mark.django_db
def test_the_api_stores_the_phone_in_e164_and_refuses_a_bad_one(coordinator_api):
    organization = OrganizationFactory()
    payload = {"first_name": "Karin", "last_name": "Berg", "organization": organization.pk}

    good = coordinator_api.post("/api/v1/persons/", {**payload, "phone": "070-174 06 05"}, format="json")
    bad = coordinator_api.post("/api/v1/persons/", {**payload, "last_name": "Lund", "phone": "070-1"}, format="json")

    assert good.status_code == 201, good.json()
    assert good.json()["phone"] == "+46701740605"
    assert bad.status_code == 400
    assert list(bad.json()) == ["phone"]


@pytest.mark.django_db
def test_the_database_refuses_a_phone_in_any_other_format():
    person = PersonFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(phone="070-174 06 05")
    Person.objects.filter(pk=person.pk).update(phone="+46701740605")


@pytest.mark.django_db
def test_an_import_normalises_the_phone(coordinator):
    from tablib import Dataset

    from stakeholders.resources import PersonResource

    organization = OrganizationFactory()
    rows = Dataset(headers=["first_name", "last_name", "email", "phone", "organization"])
    rows.append(["Karin", "Berg", "karin@example.se", "08-123 456 78", organization.org_number])
    rows.append(["Per", "Lund", "per@example.se", "070-1", organization.org_number])

    result = PersonResource().import_data(rows, dry_run=False)

    assert result.has_validation_errors()
    assert "phone" in result.invalid_rows[0].field_specific_errors
    assert not Person.objects.exists()


# --- names --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("character", [RLO, "\u202a", "\u2066", "\u2069", "\u200f", "\u061c", "\n", "\x07"])
def test_a_name_with_a_bidi_or_control_character_is_refused_by_the_api(coordinator_api, character):
    organization = OrganizationFactory()

    person = coordinator_api.post(
        "/api/v1/persons/",
        {"first_name": "Anna", "last_name": f"red{character}laV", "organization": organization.pk},
        format="json",
    )
    org = coordinator_api.post(
        "/api/v1/organizations/", {"name": f"Kom{character}mun", "sector": "municipality"}, format="json"
    )
    title = coordinator_api.patch(
        f"/api/v1/agreements/{agreement_with().pk}/", {"title": f"Avtal {character}x"}, format="json"
    )

    assert person.status_code == 400
    assert list(person.json()) == ["last_name"]
    assert org.status_code == 400
    assert list(org.json()) == ["name"]
    assert title.status_code == 400
    assert list(title.json()) == ["title"]


@pytest.mark.django_db
def test_names_in_any_script_are_accepted(coordinator_api):
    # Right-to-left names are fine: only the invisible control characters that reorder text are refused.
    organization = OrganizationFactory()
    for first, last in [("محمد", "العلي"), ("דוד", "כהן"), ("Åsa", "Öberg-Ähl"), ("Zoë", "O’Brien")]:
        response = coordinator_api.post(
            "/api/v1/persons/", {"first_name": first, "last_name": last, "organization": organization.pk}
        )
        assert response.status_code == 201, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field", "make"),
    [
        (Person, "last_name", PersonFactory),
        (Organization, "name", OrganizationFactory),
        (Agreement, "title", lambda: agreement_with(parties=1, responsibilities=0)),
    ],
)
def test_the_database_refuses_a_bidi_control_in_a_name(model, field, make):
    row = make()

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{field: f"x{RLO}y"})
