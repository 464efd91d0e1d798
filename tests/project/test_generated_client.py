"""A client generated from the live schema works: openapi-python-client (the version integrators use) turns
``/api/schema/`` into a package that imports, and an integrator's flow runs through it against a live server —
an organisation, two people, an agreement with two parties and a role, activated, then its bus factor and risks,
and the signed document uploaded (the one multipart body of the API).

Each write offers exactly one body type (JSON; multipart only for the document): with several, the generated
code named a type it never imported and the package did not import at all (issue 13, item 12)."""

import datetime as dt
import importlib
import os
import pkgutil
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import httpx
import pytest
import yaml
from django.core.management import call_command

from tests.agreements.test_api import PDF
from tests.conftest import restore_migrated_database

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "samverkan_api_client"

# The live server answers from its own thread and database connection, so the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)  # tests/conftest.py puts the shipped data back


@pytest.fixture(scope="module", autouse=True)
def _shipped_data_left_as_found(django_db_setup, django_db_blocker):
    """Put the shipped data (groups, instruments) back after the module's flush, for the tests that run later."""
    yield
    with django_db_blocker.unblock():
        restore_migrated_database()


def integration_token() -> str:
    """A token for an integration account in Samordnare, made as the README's integration guide makes it."""
    out = StringIO()
    call_command(
        "create_api_token", "e-tjanst", "--create-account", "--group", "Samordnare", stdout=out, stderr=StringIO()
    )
    return out.getvalue().strip()


@pytest.fixture(scope="module")
def generated(django_db_setup, live_server, tmp_path_factory, django_db_blocker):
    """The package openapi-python-client generates from the live server's schema, fetched as an integrator
    does (with a token); generated once for the module."""
    folder = tmp_path_factory.mktemp("generated")
    with django_db_blocker.unblock():  # for the live server's thread too
        key = integration_token()
        response = httpx.get(f"{live_server.url}/api/schema/", headers={"Authorization": f"Token {key}"}, timeout=60)
    assert response.status_code == 200, response.text
    schema = folder / "schema.yaml"
    schema.write_bytes(response.content)
    # Its post-generation hooks (ruff) come from the same environment.
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(schema), "--output-path", str(folder / "client")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(folder / "client"))
    try:
        yield schema, importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder / "client"))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def generated_client(generated, live_server):
    """(the generated package, a client of it authenticated with a new integration token)."""
    _schema, package = generated
    client = package.AuthenticatedClient(
        base_url=live_server.url, token=integration_token(), prefix="Token", raise_on_unexpected_status=True
    )
    return package, client


def test_every_write_offers_one_body_type(generated):
    schema = yaml.safe_load(generated[0].read_text(encoding="utf-8"))
    bodies = {
        f"{method.upper()} {path}": sorted(operation["requestBody"]["content"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert bodies, "the schema has no request bodies"
    multipart = {operation for operation, types in bodies.items() if types != ["application/json"]}
    assert multipart == {"PUT /api/v1/agreements/{id}/document/"}, bodies
    assert bodies["PUT /api/v1/agreements/{id}/document/"] == ["multipart/form-data"]


def test_every_module_of_the_generated_client_imports(generated):
    api = importlib.import_module(f"{PACKAGE}.api")
    modules = [info.name for info in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.api.")]
    assert len(modules) > 50
    failures = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not only the first
            failures[name] = f"{type(exc).__name__}: {exc}"
    assert not failures, failures


def test_an_integrators_flow_through_the_generated_client(generated_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    _package, client = generated_client

    def api(tag: str, operation: str):
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}")

    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")

    def created(response, status=201):
        assert response.status_code == status, response.content
        return response.parsed

    municipality = created(
        api("organizations", "organizations_create").sync_detailed(
            client=client, body=models.OrganizationRequest(name="Malmö stad", sector=models.SectorEnum.MUNICIPALITY)
        )
    )
    region = created(
        api("organizations", "organizations_create").sync_detailed(
            client=client, body=models.OrganizationRequest(name="Region Skåne", sector=models.SectorEnum.REGION)
        )
    )
    amira, erik = (
        created(
            api("persons", "persons_create").sync_detailed(
                client=client,
                body=models.PersonRequest(first_name=first, last_name=last, organization=organization.id),
            )
        )
        for first, last, organization in (("Amira", "Haddad", municipality), ("Erik", "Lind", region))
    )
    agreement = created(
        api("agreements", "agreements_create").sync_detailed(
            client=client,
            body=models.AgreementInputRequest(
                title="Unga till arbete eller studier",
                valid_from=dt.date(2026, 1, 1),
                coordinator=amira.id,
            ),
        )
    )
    assert agreement.status == models.AgreementStatusEnum.DRAFT
    for organization, role in ((municipality, models.RoleEnum.OWNER), (region, models.RoleEnum.PARTNER)):
        created(
            api("parties", "parties_create").sync_detailed(
                client=client,
                body=models.PartyRequest(agreement=agreement.id, organization=organization.id, role=role),
            )
        )
    created(
        api("responsibilities", "responsibilities_create").sync_detailed(
            client=client,
            body=models.ResponsibilityRequest(
                agreement=agreement.id,
                title="Samordning",
                responsible=amira.id,
                deputy=erik.id,
                kind=models.ResponsibilityKindEnum.COORDINATION,
            ),
        )
    )

    active = created(api("agreements", "agreements_activate_create").sync_detailed(agreement.id, client=client), 200)
    assert active.status == models.AgreementStatusEnum.ACTIVE

    read = api("agreements", "agreements_retrieve").sync(agreement.id, client=client)
    assert (read.bus_factor.value, read.bus_factor.exact) == (2, True)  # responsible and deputy must both leave
    assert len(read.parties) == 2
    assert len(read.responsibilities) == 1

    scan = created(api("risk_scans", "risk_scans_create").sync_detailed(client=client), 202)
    finished = api("risk_scans", "risk_scans_retrieve").sync(scan.id, client=client)
    assert finished.status == models.RiskScanStatusEnum.SUCCEEDED
    risks = api("risks", "risks_list").sync(client=client, agreement=agreement.id)
    rules = {flag.rule for flag in risks.results}
    # Nobody represents the parties with a mandate, and neither has anchored the agreement at home.
    assert {"missing_mandate", "missing_internal_anchoring"} <= rules, rules
    assert "single_person_dependency" not in rules
    assert all(flag.agreement == agreement.id for flag in risks.results)

    with_document = created(
        api("agreements", "agreements_document_update").sync_detailed(
            agreement.id,
            client=client,
            body=models.AgreementDocumentRequest(
                document=types.File(payload=BytesIO(PDF), file_name="avtal.pdf", mime_type="application/pdf")
            ),
        ),
        200,
    )
    assert with_document.document.endswith(".pdf")
