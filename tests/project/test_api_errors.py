"""What the API fuzzing (tests/fuzz) found, pinned: odd input is a documented 4xx with a JSON body, never a 500."""

import pytest

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agreements/0.5/",
        "/api/v1/organizations/1/nothing/",
        "/api/v1/no-such-resource/",
        "/api/nothing",
        # <path:name> does not match a line break, so the URL resolver refused it with an HTML page.
        "/documents/a%0A",
    ],
)
def test_an_unknown_api_url_is_a_json_404(coordinator_api, path):
    response = coordinator_api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]


def test_an_unknown_page_outside_the_api_stays_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_patch_answers_with_the_whole_record(coordinator_api):
    # A partial serializer used to leave out parent_name (its source, the parent, is missing): the answer
    # broke the documented Organization schema.
    organization = OrganizationFactory(parent=None)

    response = coordinator_api.patch(f"/api/v1/organizations/{organization.pk}/", {"power": 2}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["parent_name"] is None
    assert body["power"] == 2
    assert set(body) == set(coordinator_api.get(f"/api/v1/organizations/{organization.pk}/").json())


def test_the_location_of_a_requested_scan_is_a_plain_string(coordinator_api):
    response = coordinator_api.post("/api/v1/risk-scans/")

    assert response.status_code == 202
    assert type(response.headers["Location"]) is str


def test_a_document_name_with_a_nul_byte_is_a_404(coordinator_api):
    # PostgreSQL refuses a NUL byte in a query: the lookup used to fail with a server error.
    assert coordinator_api.get("/documents/agreements/a%00b.pdf").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/organizations/?q=a%00b", 400),
        ("/api/v1/agreements/?q=%00", 400),
        ("/api/v1/persons/?q=%00", 400),
        ("/api/v1/organizations/99999999999999999999999/", 404),
        ("/api/v1/organizations/?parent_id=99999999999999999999999", 400),
        ("/api/v1/organizations/?page=99999999999999999999999999", 404),
        ("/api/v1/agreements/?valid_to_after=99999-01-01", 400),
        ("/api/v1/risks/?rule=no_such_rule", 400),
    ],
)
def test_odd_query_input_is_refused_not_a_server_error(coordinator_api, path, status):
    response = coordinator_api.get(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
