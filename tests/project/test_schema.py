from django.core.management import call_command


def test_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/organizations/", "/api/v1/persons/", "/api/v1/agreements/", "/api/v1/parties/",
                 "/api/v1/persons/{id}/hand-over/", "/api/v1/agreements/{id}/activate/"):
        assert f"{path}:" in text


def test_schema_and_docs_need_a_login(client, coordinator):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(coordinator)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
