"""Schemathesis over every operation of the OpenAPI schema, as a coordinator, on the demo register.

Each generated request runs in a savepoint that is rolled back afterwards, so every example starts from the
same seeded data (a delete in one example does not empty the register for the next). The run is seeded, so a
failure reproduces. It takes a few minutes, so it runs only with ``FUZZ_API=1`` (``.ci/run`` does, on
PostgreSQL); ``FUZZ_API_EXAMPLES`` sets the examples per operation.
"""

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.apps import apps
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stakeholders.roles import COORDINATORS, role_group
from tests.factories import UserFactory

if os.environ.get("FUZZ_API") != "1":
    pytest.skip("the API fuzzing run takes minutes: set FUZZ_API=1 (CI does)", allow_module_level=True)

SEED = 20260101
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_API_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def openapi_document() -> dict:
    """The schema exactly as /api/schema/ serves it (JSON), without a request."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(
    openapi_document(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "deterministic": True},
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)
schema.app = get_wsgi_application()


# Existing ids per model label, filled in once the register is seeded: path ids and foreign keys in
# bodies are drawn from these as often as from anything, so detail routes and writes reach real rows.
REAL_IDS: dict[str, list[int]] = {}
RESOURCE_MODELS = {
    "organizations": "stakeholders.organization",
    "persons": "stakeholders.person",
    "agreements": "agreements.agreement",
    "parties": "agreements.party",
    "representatives": "agreements.representative",
    "responsibilities": "agreements.responsibility",
    "anchorings": "agreements.anchoring",
    "commitments": "agreements.commitment",
    "risks": "risks.riskflag",
    "risk-scans": "risks.riskscan",
    "instruments": "assessments.instrument",
    "assessment-rounds": "assessments.assessmentround",
}
FOREIGN_KEYS = {
    "organization": "stakeholders.organization",
    "parent": "stakeholders.organization",
    "person": "stakeholders.person",
    "responsible": "stakeholders.person",
    "deputy": "stakeholders.person",
    "coordinator": "stakeholders.person",
    "successor": "stakeholders.person",
    "agreement": "agreements.agreement",
    "party": "agreements.party",
    "instrument": "assessments.instrument",
}


def real_id(label: str) -> st.SearchStrategy[int]:
    # Looked up when drawn: the strategy is built at collection, before the register is seeded.
    return st.integers(min_value=0, max_value=999).map(lambda i: pick(label, i))


def pick(label: str, index: int) -> int:
    ids = REAL_IDS.get(label) or [1]
    return ids[index % len(ids)]


@schema.hook
def before_generate_path_parameters(context, strategy):
    label = RESOURCE_MODELS.get(context.operation.path.split("/")[3] if "{id}" in context.operation.path else "")
    if label is None:
        return strategy
    return st.one_of(strategy, st.fixed_dictionaries({"id": real_id(label)}))


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    replaced = {
        name: st.one_of(st.just(value), real_id(FOREIGN_KEYS[name]))
        for name, value in body.items()
        if name in FOREIGN_KEYS
    }
    if "persons" in body:
        replaced["persons"] = st.one_of(
            st.just(body["persons"]), st.lists(real_id("stakeholders.person"), min_size=1, max_size=3)
        )
    return st.fixed_dictionaries({**{name: st.just(value) for name, value in body.items()}, **replaced})


@pytest.fixture(scope="module")
def coordinator_headers(django_db_setup, django_db_blocker):
    """The demo register, its risk flags and a coordinator's token, once for every operation's test."""
    if os.environ.get("CI"):
        assert connection.vendor == "postgresql", "CI fuzzes the API on PostgreSQL"
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)
        call_command("scan_risks", verbosity=0)
        user = UserFactory(username="fuzz-samordnare", is_staff=True)
        user.groups.add(role_group(COORDINATORS))
        token = Token.objects.create(user=user)
        for label in {*RESOURCE_MODELS.values(), *FOREIGN_KEYS.values()}:
            REAL_IDS[label] = list(apps.get_model(label).objects.order_by("pk").values_list("pk", flat=True)) or [1]
    return {"Authorization": f"Token {token.key}", "Accept-Language": "en"}


@pytest.fixture
def requests_in_test_transaction():
    """As in Django's test client: the test's transaction must outlive each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


STATUSES: Counter[int] = Counter()
OPERATIONS: set[str] = set()


class FiguresReport:
    """Closes the run with what it covered: operations, requests and the statuses answered."""

    def pytest_terminal_summary(self, terminalreporter):
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES.items()))
        terminalreporter.write_line(
            f"schemathesis (seed {SEED}, up to {EXAMPLES_PER_OPERATION} generated examples per operation, plus "
            f"schema examples and coverage cases): {len(OPERATIONS)} operations, {STATUSES.total()} requests "
            f"passed every check; statuses {statuses}"
        )


@pytest.fixture(scope="module", autouse=True)
def fuzz_figures(request):
    request.config.pluginmanager.register(FiguresReport(), "schemathesis-figures")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, coordinator_headers, db, requests_in_test_transaction):
    # Every example starts from the seeded register: its changes are rolled back.
    OPERATIONS.add(case.operation.label)
    with transaction.atomic():
        try:
            response = case.call_and_validate(headers=coordinator_headers, checks=CHECKS)
            STATUSES[response.status_code] += 1
        finally:
            transaction.set_rollback(True)
