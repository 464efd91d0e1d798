import pytest

pytestmark = pytest.mark.django_db


def test_admin_is_swedish_by_default_even_for_an_english_browser(coordinator_client):
    response = coordinator_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv"' in body
    assert "Aktörsregister" in body
    assert "Överenskommelser" in body


def test_admin_switches_to_english_through_the_language_form(coordinator_client):
    response = coordinator_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    body = coordinator_client.get("/admin/").content.decode()
    assert '<html lang="en"' in body
    assert "Stakeholder register" in body


def test_api_follows_accept_language(api_client, coordinator):
    api_client.force_authenticate(coordinator)
    payload = {"name": "X", "sector": "municipality", "org_number": "556012-5791"}
    swedish = api_client.post("/api/v1/organizations/", payload, format="json")
    english = api_client.post("/api/v1/organizations/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert swedish.status_code == english.status_code == 400
    assert "kontrollsiffra" in swedish.json()["org_number"][0]
    assert "check digit" in english.json()["org_number"][0]
