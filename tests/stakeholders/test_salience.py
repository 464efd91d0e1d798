"""Salience (Mitchell, Agle & Wood 1997): the type from power, legitimacy and urgency, in API, admin and grid."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from stakeholders.choices import SalienceType
from stakeholders.models import Organization, salience_type_for
from tests.factories import OrganizationFactory

GRID = reverse("admin:stakeholders_organization_grid")

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("power", "legitimacy", "urgency", "expected"),
    [
        (1, 1, 1, SalienceType.NONE),
        (3, 2, 2, SalienceType.DORMANT),
        (2, 3, 2, SalienceType.DISCRETIONARY),
        (2, 2, 3, SalienceType.DEMANDING),
        (4, 5, 1, SalienceType.DOMINANT),
        (5, 1, 4, SalienceType.DANGEROUS),
        (1, 4, 4, SalienceType.DEPENDENT),
        (3, 3, 3, SalienceType.DEFINITIVE),
    ],
)
def test_each_salience_type_from_its_three_attributes(power, legitimacy, urgency, expected):
    assert salience_type_for(power, legitimacy, urgency, 3) == expected
    organization = OrganizationFactory(power=power, legitimacy=legitimacy, urgency=urgency)
    assert organization.salience_type(high_from=3) == expected


def test_attributes_count_as_present_from_the_setting(settings):
    organization = OrganizationFactory(power=4, legitimacy=4, urgency=3)
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    assert organization.salience_type() == SalienceType.DEFINITIVE
    settings.STAKEHOLDER_GRID_HIGH_FROM = 4
    assert organization.salience_type() == SalienceType.DOMINANT


@pytest.mark.parametrize("field", ["legitimacy", "urgency"])
@pytest.mark.parametrize("value", [0, 6])
def test_the_database_refuses_values_off_the_scale(field, value):
    organization = OrganizationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(**{field: value})


def test_api_shows_and_takes_legitimacy_and_urgency(coordinator_api, settings):
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    organization = OrganizationFactory(power=1, legitimacy=1, urgency=1)
    url = f"/api/v1/organizations/{organization.pk}/"
    assert coordinator_api.get(url).json()["salience_type"] == "none"
    response = coordinator_api.patch(url, {"legitimacy": 4, "urgency": 5}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["salience_type"] == "dependent"
    assert (response.json()["legitimacy"], response.json()["urgency"]) == (4, 5)


@pytest.mark.parametrize("value", [0, 6, "high"])
def test_api_refuses_bad_urgency_with_the_field(coordinator_api, value):
    organization = OrganizationFactory()
    response = coordinator_api.patch(f"/api/v1/organizations/{organization.pk}/", {"urgency": value}, format="json")
    assert response.status_code == 400
    assert "urgency" in response.json()["errors"] if "errors" in response.json() else "urgency" in response.json()


def test_history_shows_how_the_judgement_moved(coordinator_client, settings):
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    coordinator_client.cookies["django_language"] = "en"
    organization = OrganizationFactory(power=1, legitimacy=1, urgency=1)
    organization.urgency = 5
    organization.save()
    organization.power = 4
    organization.save()
    url = reverse("admin:stakeholders_organization_history", args=[organization.pk])
    content = coordinator_client.get(url).content.decode()
    for label in ("Demanding", "Dangerous", "None"):
        assert label in content


def test_admin_change_page_shows_the_salience_type(coordinator_client, settings):
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    coordinator_client.cookies["django_language"] = "en"
    organization = OrganizationFactory(power=5, legitimacy=5, urgency=1)
    response = coordinator_client.get(reverse("admin:stakeholders_organization_change", args=[organization.pk]))
    assert response.status_code == 200
    assert "Dominant" in response.content.decode()


def test_grid_colours_by_salience_type_with_advice(coordinator_client, settings):
    settings.STAKEHOLDER_GRID_HIGH_FROM = 3
    coordinator_client.cookies["django_language"] = "en"
    dangerous = OrganizationFactory(power=5, legitimacy=1, urgency=5)
    definitive = OrganizationFactory(power=5, legitimacy=5, urgency=5)
    response = coordinator_client.get(GRID, {"colour": "salience"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="dot salience-dangerous"' in content
    assert 'class="dot salience-definitive"' in content
    groups = {group["type"]: group for group in response.context["salience_groups"]}
    assert [row["point"].pk for row in groups[SalienceType.DANGEROUS]["rows"]] == [dangerous.pk]
    assert [row["point"].pk for row in groups[SalienceType.DEFINITIVE]["rows"]] == [definitive.pk]
    assert "they can force their will" in content
    # By sector (the default), no salience section.
    plain = coordinator_client.get(GRID)
    assert 'id="salience-definitive"' not in plain.content.decode()
    assert 'class="dot sector-' in plain.content.decode()


def test_grid_ignores_an_unknown_colour(coordinator_client):
    OrganizationFactory()
    response = coordinator_client.get(GRID, {"colour": "<script>"})
    assert response.status_code == 200
    assert response.context["colour"] == "sector"
