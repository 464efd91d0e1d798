import pytest
import yaml
from django.core.management import call_command

# Resources an integrator reads first: their list and detail operations carry examples.
MAIN_RESOURCES = ("organizations", "persons", "agreements", "risks", "assessment-rounds", "instruments", "risk-scans")


@pytest.fixture(scope="module")
def openapi(tmp_path_factory) -> dict:
    """The schema as the CLI writes it, with drf-spectacular's validation and no warnings allowed."""
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--lang", "en", "--file", str(target))
    return yaml.safe_load(target.read_text())


def operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_openapi_schema_validates_without_warnings(openapi):
    for path in ("/api/v1/organizations/", "/api/v1/persons/", "/api/v1/agreements/", "/api/v1/parties/",
                 "/api/v1/persons/{id}/hand-over/", "/api/v1/agreements/{id}/activate/"):  # fmt: skip
        assert path in openapi["paths"]


def test_every_operation_is_summarised_tagged_and_documents_its_errors(openapi):
    missing = []
    for path, method, operation in operations(openapi):
        expected = {"401", "403", "429"}
        if "{" in path:
            expected.add("404")
        if method in ("POST", "PUT", "PATCH"):
            expected |= {"400", "409"}
        if method == "DELETE":
            expected.add("409")
        absent = expected - set(operation["responses"])
        if absent or not operation.get("summary") or not operation.get("description") or not operation.get("tags"):
            missing.append((method, path, sorted(absent), operation.get("summary")))
    assert missing == []


def test_error_responses_have_a_body_schema(openapi):
    for path, method, operation in operations(openapi):
        for code, response in operation["responses"].items():
            if code.startswith("4") and path.startswith("/api/"):
                assert "application/json" in response.get("content", {}), (method, path, code)


def test_lists_document_filter_errors_and_pages(openapi):
    for path, method, operation in operations(openapi):
        if method == "GET" and operation["operationId"].endswith("_list"):
            assert {"400", "404"} <= set(operation["responses"]), path
            names = {parameter["name"] for parameter in operation["parameters"]}
            assert {"page", "page_size", "ordering"} <= names, path
            assert all(parameter.get("description") for parameter in operation["parameters"]), path


def test_ordering_names_its_fields(openapi):
    parameters = openapi["paths"]["/api/v1/organizations/"]["get"]["parameters"]
    ordering = next(parameter for parameter in parameters if parameter["name"] == "ordering")
    assert "resource_level" in ordering["description"]


@pytest.mark.parametrize("resource", MAIN_RESOURCES)
def test_main_resources_have_examples_for_list_and_detail(openapi, resource):
    for path in (f"/api/v1/{resource}/", f"/api/v1/{resource}/{{id}}/"):
        content = openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert content.get("examples"), path


def test_list_examples_are_wrapped_in_the_page(openapi):
    content = openapi["paths"]["/api/v1/organizations/"]["get"]["responses"]["200"]["content"]["application/json"]
    (example,) = content["examples"].values()
    assert {"count", "next", "previous", "results"} <= set(example["value"])
    assert example["value"]["results"][0]["name"] == "Malmö stad"


def test_field_errors_are_documented_as_messages_per_field(openapi):
    schema = openapi["components"]["schemas"]["ValidationError"]
    assert schema["properties"]["non_field_errors"]["type"] == "array"
    assert schema["additionalProperties"]


def test_api_overview_and_tags(openapi):
    assert "Authorization: Token" in openapi["info"]["description"]
    tags = {tag["name"] for tag in openapi["tags"]}
    used = {tag for _path, _method, operation in operations(openapi) for tag in operation["tags"]}
    assert used <= tags


def test_schema_and_docs_need_a_login(client, coordinator):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(coordinator)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
