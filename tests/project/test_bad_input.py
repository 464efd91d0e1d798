"""Bad input is a clear JSON error with the right status, never a 500 or an HTML page (issue 13, item 5):
JSON nested too deep, a body over the upload limit, an over-long URL, ids that are not whole numbers,
page sizes that are not, free text over its maximum length."""

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from agreements.models import Agreement, Responsibility
from assessments.models import AssessmentRound, Instrument
from risks.models import RiskFlag
from stakeholders.models import Organization
from tests.factories import OrganizationFactory, PersonFactory, RiskFlagFactory, agreement_with

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
DEEP_JSON = "[" * 1000 + "]" * 1000
# Write operations that never read a body (an action on the row the URL names): a body is ignored.
BODILESS = {"/api/v1/agreements/{id}/activate/", "/api/v1/persons/{id}/anonymise/", "/api/v1/risk-scans/"}
# The one upload takes multipart only: any JSON there is a 415 (test_a_json_body_at_the_upload_is_a_415).
MULTIPART_ONLY = {"/api/v1/agreements/{id}/document/"}


def write_operations() -> list[tuple[str, str]]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, operations in sorted(document["paths"].items())
        for method in operations
        if method in ("post", "put", "patch") and path not in BODILESS | MULTIPART_ONLY
    ]


@pytest.fixture
def ids():
    """A row for every resource the write routes name, so an update reaches its body."""
    agreement = agreement_with()
    party = agreement.parties.first()
    round_ = AssessmentRound.objects.create(
        agreement=agreement,
        instrument=Instrument.objects.filter(is_active=True).first(),
        opens_on=dt.date(2030, 1, 1),
        closes_on=dt.date(2030, 1, 21),
    )
    return {
        "agreements": agreement.pk,
        "parties": party.pk,
        "representatives": party.representatives.first().pk,
        "responsibilities": agreement.responsibilities.first().pk,
        "anchorings": party.anchorings.first().pk,
        "commitments": agreement.commitments.create(party=party, description="x", due_on=dt.date(2030, 1, 1)).pk,
        "organizations": party.organization_id,
        "persons": party.representatives.first().person_id,
        "risks": RiskFlagFactory(agreement=agreement).pk,
        "assessment-rounds": round_.pk,
        "interactions": agreement.interactions.first().pk,  # agreement_with() logs a meeting
        "follow-ups": agreement.follow_ups.create(
            description="x", responsible=party.representatives.first().person, due_on=dt.date(2030, 1, 1)
        ).pk,
    }


@pytest.mark.parametrize(("method", "path"), write_operations())
def test_json_nested_a_thousand_levels_deep_is_a_400_on_every_write_endpoint(coordinator_api, ids, method, path):
    resource = path.split("/")[3]
    url = path.replace("{id}", str(ids[resource]))

    response = coordinator_api.generic(method, url, DEEP_JSON, content_type="application/json")

    assert response.status_code == 400, (method, url, response.content[:300])
    assert response["Content-Type"] == "application/json"
    assert "nested" in response.json()["detail"]


def test_json_nested_beyond_the_limit_is_refused_even_when_python_could_read_it(coordinator_api):
    # 40 levels: Python reads it, but no request of the API nests like this.
    body = json.dumps({"name": "Kommun", "sector": "municipality", "resources": "x"})
    body = body.replace('"x"', "[" * 40 + '"x"' + "]" * 40)

    response = coordinator_api.post("/api/v1/organizations/", body, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not Organization.objects.exists()


def test_ordinary_nesting_still_reads(coordinator_api):
    agreement = agreement_with()
    persons = [rep.person_id for party in agreement.parties.all() for rep in party.representatives.all()]
    response = coordinator_api.post(
        "/api/v1/assessment-rounds/",
        {
            "agreement": agreement.pk,
            "instrument": Instrument.objects.filter(is_active=True).first().pk,
            "opens_on": "2030-01-01",
            "closes_on": "2030-01-21",
            "persons": persons,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()


# --- bodies over the limit ------------------------------------------------------------------------------


def big_json() -> str:
    return json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "sector": "municipality"})


def test_a_json_body_over_the_upload_limit_is_a_json_413(coordinator_api):
    response = coordinator_api.post("/api/v1/organizations/", big_json(), content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "too large" in response.json()["detail"]
    assert not Organization.objects.exists()


def test_a_body_over_the_limit_is_refused_with_a_session_login_too(client, coordinator):
    client.force_login(coordinator)

    response = client.post("/api/v1/organizations/", big_json(), content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_a_json_body_at_the_upload_is_a_415(coordinator_api, ids):
    url = f"/api/v1/agreements/{ids['agreements']}/document/"
    response = coordinator_api.generic("PUT", url, DEEP_JSON, content_type="application/json")

    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"


def test_a_form_body_over_the_upload_limit_is_a_413(coordinator_api, ids):
    # Fields of a form count against DATA_UPLOAD_MAX_MEMORY_SIZE (files do not): Django refuses them when the
    # view reads them, which it answered with its HTML 400. The upload is the one route that reads a form.
    response = coordinator_api.put(
        f"/api/v1/agreements/{ids['agreements']}/document/",
        {"note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
        format="multipart",
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_a_declared_length_over_the_request_limit_is_refused_before_anything_is_read(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    response = client.post(
        "/api/v1/organizations/",
        b"x" * 1001,
        content_type="multipart/form-data; boundary=xyz",
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "1000" in response.json()["detail"] or "1 000" in response.json()["detail"]


def test_an_admin_page_gets_a_413_page_not_a_bad_request(client, coordinator, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    client.force_login(coordinator)

    response = client.post(
        "/admin/stakeholders/organization/add/", b"x" * 1001, content_type="multipart/form-data; boundary=xyz"
    )

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")


# --- over-long URLs ---------------------------------------------------------------------------------------


def test_an_over_long_api_url_is_a_json_414(coordinator_api):
    response = coordinator_api.get("/api/v1/organizations/?q=" + "a" * settings.REQUEST_URL_MAX_LENGTH)

    assert response.status_code == 414
    assert response["Content-Type"] == "application/json"
    assert str(settings.REQUEST_URL_MAX_LENGTH) in response.json()["detail"].replace("\xa0", "").replace(" ", "")


def test_a_url_within_the_limit_is_served(coordinator_api):
    response = coordinator_api.get("/api/v1/organizations/?q=" + "a" * (settings.REQUEST_URL_MAX_LENGTH - 100))

    assert response.status_code == 200


def test_an_over_long_page_url_is_a_414_page(client):
    response = client.get("/admin/?q=" + "a" * settings.REQUEST_URL_MAX_LENGTH)

    assert response.status_code == 414
    assert response["Content-Type"].startswith("text/html")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raw_request(port: int, request_line: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {key.lower(): value for key, value in headers.items()}, body


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the production settings and the project's gunicorn.conf.py, as the Procfile runs it."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "samverkan_project.settings_production",
        "SECRET_KEY": "k" * 30 + "ey-for-the-gunicorn-test-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "samverkan_project.wsgi", f"--bind=127.0.0.1:{port}", "--workers=1"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, "gunicorn exited"
            time.sleep(0.2)
    yield port
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_gunicorn_answers_an_over_long_url_with_json(gunicorn):
    # Past what gunicorn reads of a request line at all, gunicorn itself answers: JSON too, not its HTML page.
    status, headers, body = raw_request(gunicorn, b"GET /api/v1/organizations/?q=" + b"a" * 9000 + b" HTTP/1.1")

    assert status == 414
    assert headers["content-type"] == "application/json"
    assert "detail" in json.loads(body)


def test_gunicorn_lets_the_application_judge_urls_up_to_the_limit(gunicorn):
    # Just over REQUEST_URL_MAX_LENGTH the application answers (its message, in the site's language).
    path = b"/api/v1/organizations/?q=" + b"a" * settings.REQUEST_URL_MAX_LENGTH
    status, headers, body = raw_request(gunicorn, b"GET " + path + b" HTTP/1.0")

    assert status == 414
    assert headers["content-type"] == "application/json"
    assert re.search(r"\d", json.loads(body)["detail"])


# --- ids and page sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", [7.9, 1.0, True, "7.9", "1e3", [1], {"id": 1}])
def test_an_id_that_is_not_a_whole_number_is_refused_not_truncated(coordinator_api, bad_id):
    organization = OrganizationFactory()
    if isinstance(bad_id, float):
        bad_id = organization.pk + (bad_id % 1 or 0.0)
    payload = {"first_name": "Karin", "last_name": "Berg", "organization": bad_id}

    response = coordinator_api.post("/api/v1/persons/", payload, format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()) == ["organization"]
    assert not organization.people.exists()


def test_a_float_id_in_a_list_and_in_an_action_is_refused(coordinator_api):
    agreement = agreement_with()
    person = PersonFactory()

    hand_over = coordinator_api.post(f"/api/v1/persons/{person.pk}/hand-over/", {"successor": 1.5}, format="json")
    round_ = coordinator_api.post(
        "/api/v1/assessment-rounds/",
        {
            "agreement": agreement.pk + 0.5,
            "instrument": Instrument.objects.filter(is_active=True).first().pk,
            "opens_on": "2030-01-01",
            "closes_on": "2030-01-21",
            "persons": [person.pk + 0.25],
        },
        format="json",
    )

    assert hand_over.status_code == 400
    assert "successor" in hand_over.json()
    assert round_.status_code == 400
    assert {"agreement", "persons"} <= set(round_.json())


def test_a_whole_id_as_a_number_or_a_string_is_read(coordinator_api):
    organization = OrganizationFactory()
    for value in (organization.pk, str(organization.pk)):
        response = coordinator_api.post(
            "/api/v1/persons/", {"first_name": "Karin", "last_name": f"Berg {value!r}", "organization": value}
        )
        assert response.status_code == 201, response.json()


@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "7.5", "501", "1e2", "99999999999999999999"])
def test_a_page_size_that_is_not_a_whole_number_from_1_to_500_is_a_400(coordinator_api, page_size):
    OrganizationFactory()

    response = coordinator_api.get(f"/api/v1/organizations/?page_size={page_size}")

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_a_page_size_within_bounds_is_honoured(coordinator_api):
    OrganizationFactory.create_batch(3)

    response = coordinator_api.get("/api/v1/organizations/?page_size=2")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_the_schema_documents_the_page_size_bounds_and_the_413():
    document = SchemaGenerator().get_schema(request=None, public=True)
    parameters = document["paths"]["/api/v1/organizations/"]["get"]["parameters"]
    page_size = next(parameter for parameter in parameters if parameter["name"] == "page_size")

    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 500)
    assert "413" in document["paths"]["/api/v1/organizations/"]["post"]["responses"]


# --- free text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("/api/v1/organizations/{organization}/", "resources", 4000),
        ("/api/v1/agreements/{agreement}/", "purpose", 10000),
        ("/api/v1/parties/{party}/", "contribution", 4000),
        ("/api/v1/responsibilities/{responsibility}/", "description", 4000),
        ("/api/v1/anchorings/{anchoring}/", "note", 4000),
    ],
)
def test_free_text_over_its_maximum_is_a_400_naming_the_field(coordinator_api, path, field, limit):
    agreement = agreement_with()
    party = agreement.parties.first()
    url = path.format(
        organization=party.organization_id,
        agreement=agreement.pk,
        party=party.pk,
        responsibility=agreement.responsibilities.first().pk,
        anchoring=party.anchorings.first().pk,
    )

    too_long = coordinator_api.patch(url, {field: "x" * (limit + 1)}, format="json")
    just_right = coordinator_api.patch(url, {field: "x" * limit}, format="json")

    assert too_long.status_code == 400
    assert list(too_long.json()) == [field]
    assert just_right.status_code == 200, just_right.json()


def test_an_acknowledgement_note_and_a_termination_reason_have_a_maximum(coordinator_api):
    flag = RiskFlagFactory()
    agreement = agreement_with()

    note = coordinator_api.post(f"/api/v1/risks/{flag.pk}/acknowledge/", {"note": "x" * 4001}, format="json")
    reason = coordinator_api.post(f"/api/v1/agreements/{agreement.pk}/terminate/", {"reason": "x" * 2001})

    assert note.status_code == 400
    assert list(note.json()) == ["note"]
    assert reason.status_code == 400
    assert list(reason.json()) == ["reason"]


@pytest.mark.parametrize(
    ("model", "field", "limit", "make"),
    [
        (Organization, "resources", 4000, OrganizationFactory),
        (Agreement, "purpose", 10000, lambda: agreement_with(parties=1, responsibilities=0)),
        (Responsibility, "description", 4000, lambda: agreement_with().responsibilities.first()),
        (RiskFlag, "acknowledgement_note", 4000, RiskFlagFactory),
    ],
)
def test_the_database_refuses_free_text_over_its_maximum(model, field, limit, make):
    row = make()

    model.objects.filter(pk=row.pk).update(**{field: "x" * limit})
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{field: "x" * (limit + 1)})


def test_the_admin_form_carries_the_maximum_length(coordinator_client):
    organization = OrganizationFactory()
    response = coordinator_client.get(f"/admin/stakeholders/organization/{organization.pk}/change/")

    assert 'maxlength="4000"' in response.content.decode()


def test_every_client_gets_json_from_a_fresh_client_too():
    # The answer does not depend on a login: the limits come first.
    response = Client().get("/api/v1/organizations/?q=" + "a" * settings.REQUEST_URL_MAX_LENGTH)

    assert response.status_code == 414
    assert response["Content-Type"] == "application/json"
