"""The coordinators' admin for organisations and people, and the power/interest grid page."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.text import capfirst

from ops.demo.register import seed_demo_register
from stakeholders.choices import Language, Quadrant, Sector
from stakeholders.models import Organization, Person
from tests.admin_forms import post_data_from
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

ORGANIZATION_CHANGELIST = reverse("admin:stakeholders_organization_changelist")
PERSON_CHANGELIST = reverse("admin:stakeholders_person_changelist")
GRID = reverse("admin:stakeholders_organization_grid")
SVG = "{http://www.w3.org/2000/svg}"


def log_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def coordinator_admin(coordinator_client):
    # These tests read the English messages; Swedish rendering is tested in tests/project/test_language.py.
    coordinator_client.cookies["django_language"] = "en"
    return coordinator_client


@pytest.fixture
def reader_admin(client, reader):
    return log_in(client, reader)


@pytest.fixture
def portfolio(db):
    """A small register like the demo's: a municipality with an administration, a region,
    a university, a company, an association, an inactive foundation; people active and left."""
    kommun = OrganizationFactory(name="Exempelby kommun", power=5, interest=5, resource_level=5)
    socialforvaltningen = OrganizationFactory(
        name="Socialförvaltningen", parent=kommun, org_number=None, power=4, interest=2
    )
    region = OrganizationFactory(name="Region Exempel", sector=Sector.REGION, power=4, interest=4)
    universitet = OrganizationFactory(name="Exempel universitet", sector=Sector.ACADEMIA, power=2, interest=5)
    foretag = OrganizationFactory(name="Bygg & Co <AB>", sector=Sector.BUSINESS, power=1, interest=1)
    forening = OrganizationFactory(name="Idrottsföreningen", sector=Sector.CIVIL_SOCIETY, power=2, interest=4)
    stiftelse = OrganizationFactory(name="Nedlagd stiftelse", is_active=False, power=5, interest=5)
    anna = PersonFactory(first_name="Anna", last_name="Berg", organization=kommun, title="Samverkansledare")
    PersonFactory(organization=kommun)
    PersonFactory(organization=kommun, left_on=datetime.date(2024, 6, 30))
    PersonFactory(organization=region, language=Language.ENGLISH)
    PersonFactory(organization=universitet)
    return {
        "kommun": kommun,
        "socialforvaltningen": socialforvaltningen,
        "region": region,
        "universitet": universitet,
        "foretag": foretag,
        "forening": forening,
        "stiftelse": stiftelse,
        "anna": anna,
    }


def change_url(obj) -> str:
    return reverse(f"admin:stakeholders_{obj._meta.model_name}_change", args=[obj.pk])


def grid_svg(response) -> ET.Element:
    match = re.search(r"<svg xmlns=.*?</svg>", response.content.decode(), re.S)
    assert match, "the grid page has no inline SVG"
    return ET.fromstring(match.group(0))


def dot_for(svg, organization) -> ET.Element | None:
    return next(
        (c for c in svg.iter(f"{SVG}circle") if c.get("data-organization") == str(organization.pk)), None
    )


# --- pages render ------------------------------------------------------------------------------


def test_organization_changelist_renders_with_counts_and_grid_link(coordinator_admin, portfolio):
    response = coordinator_admin.get(ORGANIZATION_CHANGELIST)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"  # the language the coordinator chose (cookie)
    rows = {org.name: org for org in response.context["cl"].result_list}
    assert rows["Exempelby kommun"].people_count == 3
    assert rows["Exempelby kommun"].active_people_count == 2
    content = response.content.decode()
    assert f'href="{GRID}"' in content
    assert reverse("admin:stakeholders_organization_import") in content
    assert reverse("admin:stakeholders_organization_export") in content


def test_organization_changelist_filters_search_and_sorting(coordinator_admin, portfolio):
    cases = {
        "?sector__exact=academia": {"Exempel universitet"},
        "?is_active__exact=0": {"Nedlagd stiftelse"},
        "?power__exact=4": {"Socialförvaltningen", "Region Exempel"},
        "?interest__exact=1": {"Bygg & Co <AB>"},
        f"?q={portfolio['region'].org_number}": {"Region Exempel"},
        "?q=förening": {"Idrottsföreningen"},
    }
    for query, expected in cases.items():
        response = coordinator_admin.get(ORGANIZATION_CHANGELIST + query)
        assert response.status_code == 200, query
        assert {org.name for org in response.context["cl"].result_list} == expected, query
    # every column but the computed quadrant sorts; the people column sorts by the annotation
    response = coordinator_admin.get(ORGANIZATION_CHANGELIST + "?o=-9")
    assert response.status_code == 200
    assert response.context["cl"].result_list[0].name == "Exempelby kommun"


def test_person_changelist_filters(coordinator_admin, portfolio):
    cases = {
        "?active=yes": 4,
        "?active=no": 1,
        "?language__exact=en": 1,
        "?organization__sector__exact=municipality": 3,
        "?q=Samverkansledare": 1,
        "?q=Exempelby": 3,
    }
    for query, expected in cases.items():
        response = coordinator_admin.get(PERSON_CHANGELIST + query)
        assert response.status_code == 200, query
        assert len(response.context["cl"].result_list) == expected, query
    response = coordinator_admin.get(PERSON_CHANGELIST + "?active=no")
    assert response.context["cl"].result_list[0].left_on == datetime.date(2024, 6, 30)


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:stakeholders_organization_add"),
        reverse("admin:stakeholders_person_add"),
        reverse("admin:stakeholders_organization_import"),
        reverse("admin:stakeholders_person_import"),
        reverse("admin:stakeholders_organization_export"),
        reverse("admin:stakeholders_person_export"),
    ],
)
def test_add_import_and_export_pages_render(coordinator_admin, portfolio, url):
    assert coordinator_admin.get(url).status_code == 200


def test_change_pages_render_with_inline_people(coordinator_admin, portfolio):
    response = coordinator_admin.get(change_url(portfolio["kommun"]))
    assert response.status_code == 200
    # The people, then the timeline of interactions (agreements.admin_dialogue).
    inline = response.context["inline_admin_formsets"][0]
    assert inline.formset.queryset.count() == 3
    assert coordinator_admin.get(change_url(portfolio["anna"])).status_code == 200


def test_organization_can_be_added_through_the_admin(coordinator_admin, portfolio):
    response = coordinator_admin.get(reverse("admin:stakeholders_organization_add"))
    data = post_data_from(
        response,
        name="Kultur- och fritidsförvaltningen",
        sector=Sector.MUNICIPALITY,
        parent=portfolio["kommun"].pk,
        org_number="",
        power="2",
        interest="3",
        resource_level="2",
    )
    response = coordinator_admin.post(reverse("admin:stakeholders_organization_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Organization.objects.get(name="Kultur- och fritidsförvaltningen")
    assert created.parent == portfolio["kommun"]
    assert created.org_number is None


def test_org_number_is_validated_and_normalised_in_the_admin(coordinator_admin, portfolio):
    url = change_url(portfolio["forening"])
    data = post_data_from(coordinator_admin.get(url), org_number="212000-0000")
    response = coordinator_admin.post(url, data)
    assert response.status_code == 200
    assert "org_number" in response.context["adminform"].form.errors


def test_every_page_renders_with_the_demo_register(coordinator_admin):
    seed_demo_register()
    organization = Organization.objects.filter(parent__isnull=False).first()
    person = Person.objects.first()
    autocomplete = reverse("admin:autocomplete")
    urls = [
        reverse("admin:index"),
        reverse("admin:app_list", args=["stakeholders"]),
        f"{autocomplete}?app_label=stakeholders&model_name=organization&field_name=parent&term=kommun",
        f"{autocomplete}?app_label=stakeholders&model_name=person&field_name=organization&term=region",
        ORGANIZATION_CHANGELIST,
        PERSON_CHANGELIST,
        GRID,
        f"{GRID}?sector={Sector.MUNICIPALITY}",
        change_url(organization),
        change_url(person),
        reverse("admin:stakeholders_organization_history", args=[organization.pk]),
        reverse("admin:stakeholders_person_history", args=[person.pk]),
    ]
    for url in urls:
        assert coordinator_admin.get(url).status_code == 200, url
    svg = grid_svg(coordinator_admin.get(GRID))
    assert len(list(svg.iter(f"{SVG}circle"))) == Organization.objects.filter(is_active=True).count()


# --- the grid ----------------------------------------------------------------------------------


def test_grid_shows_active_organisations_in_their_quadrants(coordinator_admin, portfolio):
    response = coordinator_admin.get(GRID)
    assert response.status_code == 200
    svg = grid_svg(response)
    expected = {
        "kommun": Quadrant.MANAGE_CLOSELY,
        "region": Quadrant.MANAGE_CLOSELY,
        "socialforvaltningen": Quadrant.KEEP_SATISFIED,
        "universitet": Quadrant.KEEP_INFORMED,
        "forening": Quadrant.KEEP_INFORMED,
        "foretag": Quadrant.MONITOR,
    }
    for key, quadrant in expected.items():
        dot = dot_for(svg, portfolio[key])
        assert dot is not None, key
        assert dot.get("data-quadrant") == quadrant.value, key
    assert dot_for(svg, portfolio["stiftelse"]) is None  # inactive
    groups = {group["quadrant"]: [row["point"].pk for row in group["rows"]] for group in response.context["groups"]}
    assert groups[Quadrant.KEEP_INFORMED] == [portfolio["universitet"].pk, portfolio["forening"].pk]
    assert groups[Quadrant.MONITOR] == [portfolio["foretag"].pk]


def test_grid_dots_link_to_the_change_page_with_name_as_title(coordinator_admin, portfolio):
    response = coordinator_admin.get(GRID)
    svg = grid_svg(response)
    links = {a.get("href"): a for a in svg.iter(f"{SVG}a")}
    link = links[change_url(portfolio["foretag"])]
    assert link.find(f"{SVG}title").text.startswith("Bygg & Co <AB>")  # escaped in the markup
    assert link.find(f"{SVG}text").text == "Bygg & Co <AB>"
    assert "Bygg &amp; Co &lt;AB&gt;" in response.content.decode()


def test_grid_coordinates_are_not_localised(coordinator_admin, portfolio):
    # Swedish formats use a decimal comma, which would break the SVG's numbers.
    response = coordinator_admin.get(GRID, HTTP_ACCEPT_LANGUAGE="sv")
    for circle in grid_svg(response).iter(f"{SVG}circle"):
        float(circle.get("cx")), float(circle.get("cy")), float(circle.get("r"))


def test_grid_threshold_comes_from_settings(coordinator_admin, portfolio, settings):
    settings.STAKEHOLDER_GRID_HIGH_FROM = 5
    svg = grid_svg(coordinator_admin.get(GRID))
    assert dot_for(svg, portfolio["kommun"]).get("data-quadrant") == Quadrant.MANAGE_CLOSELY
    assert dot_for(svg, portfolio["region"]).get("data-quadrant") == Quadrant.MONITOR


def test_grid_filters_by_sector(coordinator_admin, portfolio):
    response = coordinator_admin.get(GRID, {"sector": Sector.ACADEMIA})
    assert response.status_code == 200
    svg = grid_svg(response)
    assert [c.get("data-organization") for c in svg.iter(f"{SVG}circle")] == [str(portfolio["universitet"].pk)]
    assert response.context["sector"] == Sector.ACADEMIA


@pytest.mark.parametrize("sector", ["nonsense", "<script>", "MUNICIPALITY"])
def test_grid_ignores_an_unknown_sector_with_a_message(coordinator_admin, portfolio, sector):
    response = coordinator_admin.get(GRID, {"sector": sector})
    assert response.status_code == 200
    assert response.context["sector"] == ""
    assert len(list(grid_svg(response).iter(f"{SVG}circle"))) == 6
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize("n", [1, 25])
def test_grid_queries_do_not_grow(coordinator_admin, n, django_assert_num_queries):
    OrganizationFactory.create_batch(n)
    # session, user, user permissions, group permissions, organisations
    with django_assert_num_queries(5):
        response = coordinator_admin.get(GRID)
    assert response.status_code == 200
    assert response.context["organization_count"] == n


def test_grid_needs_the_view_permission(client, portfolio):
    staff_without_rights = UserFactory(username="personal", is_staff=True)
    assert log_in(client, staff_without_rights).get(GRID).status_code == 403
    staff_without_rights.user_permissions.add(Permission.objects.get(codename="view_organization"))
    assert client.get(GRID).status_code == 200


def test_grid_needs_a_staff_login(client, no_perm_user):
    assert client.get(GRID).status_code == 302
    assert log_in(client, no_perm_user).get(GRID).status_code == 302


# --- permissions -------------------------------------------------------------------------------


def test_reader_can_view_but_not_change(reader_admin, portfolio):
    kommun = portfolio["kommun"]
    response = reader_admin.get(ORGANIZATION_CHANGELIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'href="{GRID}"' in content  # the grid link does not depend on the add permission
    assert reverse("admin:stakeholders_organization_import") not in content
    assert "deactivate_organizations" not in content
    assert reader_admin.get(GRID).status_code == 200
    assert reader_admin.get(PERSON_CHANGELIST).status_code == 200

    response = reader_admin.get(change_url(kommun))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert 'name="_save"' not in response.content.decode()
    assert reader_admin.get(reverse("admin:stakeholders_organization_history", args=[kommun.pk])).status_code == 200

    assert reader_admin.post(change_url(kommun), {"name": "Kapad", "power": "1"}).status_code == 403
    assert reader_admin.get(reverse("admin:stakeholders_organization_add")).status_code == 403
    assert reader_admin.get(reverse("admin:stakeholders_person_add")).status_code == 403
    assert reader_admin.get(reverse("admin:stakeholders_organization_import")).status_code == 403
    assert reader_admin.get(reverse("admin:stakeholders_person_import")).status_code == 403
    kommun.refresh_from_db()
    assert kommun.name == "Exempelby kommun"
    assert kommun.power == 5


# --- constant query counts ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 25])
def test_organization_changelist_queries_do_not_grow(coordinator_admin, n, django_assert_num_queries):
    parent = OrganizationFactory()
    for organization in OrganizationFactory.create_batch(n, parent=parent):
        PersonFactory.create_batch(2, organization=organization)
    # session, user, user permissions, group permissions, COUNT with the filters (no second COUNT of the
    # whole table: show_full_result_count is off), organisations + parent + people counts
    with django_assert_num_queries(6):
        response = coordinator_admin.get(ORGANIZATION_CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == n + 1


@pytest.mark.parametrize("n", [1, 25])
def test_person_changelist_queries_do_not_grow(coordinator_admin, n, django_assert_num_queries):
    for organization in OrganizationFactory.create_batch(n, parent=OrganizationFactory()):
        PersonFactory(organization=organization)
    # session, user, user permissions, group permissions, COUNT with the filters (no second COUNT),
    # people + organisation + login
    with django_assert_num_queries(6):
        response = coordinator_admin.get(PERSON_CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == n


# --- history -----------------------------------------------------------------------------------


def test_history_shows_who_changed_power(coordinator_admin, coordinator, portfolio):
    region = portfolio["region"]
    url = change_url(region)
    response = coordinator_admin.post(url, post_data_from(coordinator_admin.get(url), power="2"))
    assert response.status_code == 302
    region.refresh_from_db()
    assert region.power == 2

    response = coordinator_admin.get(reverse("admin:stakeholders_organization_history", args=[region.pk]))
    assert response.status_code == 200
    assert response.context["history_list_display"] == (
        "power", "interest", "legitimacy", "urgency", "salience_type_display"
    )
    latest, created = list(response.context["page_obj"])[:2]
    assert latest.history_user == coordinator
    assert (latest.power, created.power) == (2, 4)
    power_label = str(Organization._meta.get_field("power").verbose_name)
    assert [(c["old"], c["new"]) for c in latest.history_delta_changes if c["field"] == capfirst(power_label)] == [
        ("4", "2")
    ]
    content = response.content.decode()
    assert coordinator.username in content
    assert f'<th scope="col">{power_label}</th>' in content


# --- validation through the admin form ---------------------------------------------------------


def test_parent_cycle_is_refused_with_a_form_error(coordinator_admin, portfolio):
    kommun, forvaltning = portfolio["kommun"], portfolio["socialforvaltningen"]
    url = change_url(kommun)
    response = coordinator_admin.post(url, post_data_from(coordinator_admin.get(url), parent=forvaltning.pk))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "parent" in errors
    kommun.refresh_from_db()
    assert kommun.parent is None
    assert kommun.history.count() == 1


def test_own_parent_is_refused_with_a_form_error(coordinator_admin, portfolio):
    region = portfolio["region"]
    url = change_url(region)
    response = coordinator_admin.post(url, post_data_from(coordinator_admin.get(url), parent=region.pk))
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors


# --- actions -----------------------------------------------------------------------------------


def test_deactivate_action_uses_the_service_and_reports(coordinator_admin, coordinator, portfolio):
    chosen = [portfolio["foretag"].pk, portfolio["stiftelse"].pk]
    response = coordinator_admin.post(
        ORGANIZATION_CHANGELIST,
        {"action": "deactivate_organizations", "_selected_action": chosen},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["1 organisation was marked as inactive."]
    foretag = Organization.objects.get(pk=portfolio["foretag"].pk)
    assert not foretag.is_active
    assert foretag.history.first().history_user == coordinator


def test_mark_left_today_action(coordinator_admin, portfolio):
    anna = portfolio["anna"]
    departed = Person.objects.get(left_on=datetime.date(2024, 6, 30))
    response = coordinator_admin.post(
        PERSON_CHANGELIST,
        {"action": "mark_left_today", "_selected_action": [anna.pk, departed.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["1 person was marked as having left today."]
    anna.refresh_from_db()
    departed.refresh_from_db()
    assert anna.left_on is not None
    assert not anna.is_active
    assert departed.left_on == datetime.date(2024, 6, 30)
