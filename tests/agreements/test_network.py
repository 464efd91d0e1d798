"""The actor network: GET /api/v1/network/ and /admin/network/ over hand-built portfolios."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import network as graph
from agreements.choices import AgreementStatus
from agreements.models import Agreement
from stakeholders.choices import Sector
from tests.factories import (
    AgreementFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
)

API = "/api/v1/network/"
PAGE = "/admin/network/"

pytestmark = pytest.mark.django_db


def active(**kwargs):
    agreement = AgreementFactory(**kwargs)
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    agreement.refresh_from_db()
    return agreement


def two_agreements_and_a_broker():
    """west (kommun) — A1 — broker (region) — A2 — east (business); a person of the broker coordinates both."""
    west = OrganizationFactory(name="Västra kommun", sector=Sector.MUNICIPALITY)
    east = OrganizationFactory(name="Östra AB", sector=Sector.BUSINESS)
    broker = OrganizationFactory(name="Regionen", sector=Sector.REGION)
    first, second = active(title="Första"), active(title="Andra")
    for agreement, other in ((first, west), (second, east)):
        PartyFactory(agreement=agreement, organization=other)
        PartyFactory(agreement=agreement, organization=broker)
    return {"west": west, "east": east, "broker": broker, "first": first, "second": second}


def nid(kind, obj):
    return f"{kind}:{obj.pk}"


def test_a_broker_between_two_agreements_has_the_highest_betweenness(coordinator_api):
    p = two_agreements_and_a_broker()
    response = coordinator_api.get(API)
    assert response.status_code == 200
    data = response.json()
    nodes = {node["id"]: node for node in data["nodes"]}
    assert set(nodes) == {nid("organization", p[k]) for k in ("west", "east", "broker")} | {
        nid("agreement", p["first"]),
        nid("agreement", p["second"]),
    }
    broker = nodes[nid("organization", p["broker"])]
    assert broker == {
        "id": nid("organization", p["broker"]),
        "type": "organization",
        "label": "Regionen",
        "sector": "region",
        "betweenness": max(node["betweenness"] for node in data["nodes"]),
    }
    # The path graph west–A1–broker–A2–east: the broker lies on 4 of the 6 pairs' shortest paths.
    assert broker["betweenness"] == pytest.approx(4 / 6)
    assert nodes[nid("organization", p["west"])]["betweenness"] == 0
    assert {"source": nid("organization", p["broker"]), "target": nid("agreement", p["first"]), "kind": "party"} in (
        data["edges"]
    )
    assert len(data["edges"]) == 4


def test_people_bring_their_role_and_employment_edges():
    p = two_agreements_and_a_broker()
    person = PersonFactory(organization=p["broker"])
    RepresentativeFactory(party=p["first"].parties.get(organization=p["broker"]), person=person)
    deputy = PersonFactory(organization=p["west"])
    ResponsibilityFactory(agreement=p["first"], responsible=person, deputy=deputy)
    Agreement.objects.filter(pk=p["second"].pk).update(coordinator=person)
    network = graph.build_network()
    kinds = {(e.source, e.target, e.kind) for e in network.edges}
    me = nid("person", person)
    assert (me, nid("agreement", p["first"]), "representative") in kinds
    assert (me, nid("agreement", p["first"]), "responsible") in kinds
    assert (nid("person", deputy), nid("agreement", p["first"]), "deputy") in kinds
    assert (me, nid("agreement", p["second"]), "coordinator") in kinds
    assert (me, nid("organization", p["broker"]), "employment") in kinds
    assert (nid("person", deputy), nid("organization", p["west"]), "employment") in kinds
    assert network.nodes[me].agreements == 2
    assert [n.id for n in network.brokers()][:2] == sorted(
        [me, nid("organization", p["broker"])], key=lambda key: -network.nodes[key].betweenness
    )


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (1, {"west", "first"}),
        (2, {"west", "first", "broker"}),
        (3, {"west", "first", "broker", "second"}),
        (4, {"west", "first", "broker", "second", "east"}),
    ],
)
def test_focus_and_depth(coordinator_api, depth, expected):
    p = two_agreements_and_a_broker()
    response = coordinator_api.get(API, {"focus": nid("organization", p["west"]), "depth": depth})
    assert response.status_code == 200
    ids = {node["id"] for node in response.json()["nodes"]}
    kinds = {"west": "organization", "east": "organization", "broker": "organization"}
    assert ids == {nid(kinds.get(key, "agreement"), p[key]) for key in expected}
    assert all(e["source"] in ids and e["target"] in ids for e in response.json()["edges"])
    # The betweenness stays that of the whole network.
    if depth >= 2:
        broker = next(n for n in response.json()["nodes"] if n["id"] == nid("organization", p["broker"]))
        assert broker["betweenness"] == pytest.approx(4 / 6)


def test_status_sector_and_isolated_actors(coordinator_api):
    p = two_agreements_and_a_broker()
    draft = AgreementFactory(title="Utkast")
    PartyFactory(agreement=draft, organization=p["west"])
    lonely = OrganizationFactory(name="Ensamma föreningen", sector=Sector.CIVIL_SOCIETY)
    OrganizationFactory(name="Nedlagd", is_active=False)

    ids = {n["id"] for n in coordinator_api.get(API).json()["nodes"]}
    assert nid("agreement", draft) not in ids
    assert nid("organization", lonely) in ids
    network = graph.build_network()
    assert [n.label for n in network.isolated()] == ["Ensamma föreningen"]
    assert {row["sector"] for row in network.sector_mix()} == {"municipality", "business", "region", "civil_society"}
    assert network.mixed_agreements() == (1, 2)  # first: kommun + region, both public

    ids = {n["id"] for n in coordinator_api.get(API, {"status": "all"}).json()["nodes"]}
    assert nid("agreement", draft) in ids
    ids = {n["id"] for n in coordinator_api.get(API, {"status": "draft"}).json()["nodes"]}
    assert nid("agreement", draft) in ids
    assert nid("agreement", p["first"]) not in ids

    ids = {n["id"] for n in coordinator_api.get(API, {"sector": "business"}).json()["nodes"]}
    assert nid("agreement", p["second"]) in ids
    assert nid("agreement", p["first"]) not in ids
    assert nid("organization", lonely) not in ids


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"focus": "organisation:1"}, "focus"),
        ({"focus": "organization:0"}, "focus"),
        ({"focus": "organization:99999999"}, "focus"),
        ({"focus": "person:" + "9" * 30}, "focus"),
        ({"depth": 0}, "depth"),
        ({"depth": 7}, "depth"),
        ({"depth": "two"}, "depth"),
        ({"sector": "nonsense"}, "sector"),
        ({"status": "open"}, "status"),
    ],
)
def test_bad_filters_are_400_with_the_parameter(coordinator_api, params, field):
    two_agreements_and_a_broker()
    response = coordinator_api.get(API, params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_reading_needs_a_login(api_client):
    assert api_client.get(API).status_code in (401, 403)


def test_readers_may_read(reader_api):
    assert reader_api.get(API).status_code == 200


def portfolio(size: int):
    hub = OrganizationFactory(sector=Sector.REGION)
    for _ in range(size):
        agreement = active()
        party = PartyFactory(agreement=agreement, organization=OrganizationFactory(sector=Sector.BUSINESS))
        PartyFactory(agreement=agreement, organization=hub)
        person = RepresentativeFactory(party=party).person
        ResponsibilityFactory(agreement=agreement, responsible=person)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_endpoint_and_page_queries_do_not_grow(coordinator_api, coordinator_client):
    portfolio(2)
    count_queries(coordinator_api, API), count_queries(coordinator_client, PAGE)  # warm the caches
    small_api, small_page = count_queries(coordinator_api, API), count_queries(coordinator_client, PAGE)
    portfolio(15)
    assert count_queries(coordinator_api, API) == small_api
    assert count_queries(coordinator_client, PAGE) == small_page
    assert small_api <= 9


def test_page_draws_the_network_with_its_table_brokers_and_isolated(coordinator_client):
    coordinator_client.cookies["django_language"] = "en"
    p = two_agreements_and_a_broker()
    lonely = OrganizationFactory(name="Ensamma föreningen", sector=Sector.CIVIL_SOCIETY)
    response = coordinator_client.get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="network-title"' in content
    assert content.count('<circle class="node') == 6
    assert f'<tr data-node="{nid("organization", p["broker"])}"><th scope="row">' in content  # a broker row
    brokers = [b["node"].id for b in response.context["brokers"]]
    assert brokers[0] == nid("organization", p["broker"])
    assert [i["node"].id for i in response.context["isolated"]] == [nid("organization", lonely)]
    assert 'id="network-table"' in content
    assert "<script" not in content.split("</head>")[1].replace('<script src="', "")  # no inline script


def test_page_survives_bad_filters_and_refuses_outsiders(coordinator_client, client, no_perm_user):
    two_agreements_and_a_broker()
    response = coordinator_client.get(PAGE, {"focus": "nonsense", "depth": "x"})
    assert response.status_code == 200
    assert response.context["errors"]
    no_perm_user.is_staff = True
    no_perm_user.save()
    client.force_login(no_perm_user)
    assert client.get(PAGE).status_code == 403


def test_a_large_network_is_listed_not_drawn(coordinator_client, settings):
    settings.NETWORK_DRAW_MAX_NODES = 3
    two_agreements_and_a_broker()
    response = coordinator_client.get(PAGE)
    assert response.status_code == 200
    assert response.context["drawn"] is False
    assert 'id="network-title"' not in response.content.decode()
    assert len(response.context["rows"]) == 5
