"""Who may reach what: every URL of the project for anonymous visitors, every API endpoint for every role.

The endpoints are found by walking the URL resolver, so an endpoint added later is tested here without
anyone listing it; one that forgets its permission fails.
"""

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import URLResolver, get_resolver

from assessments.models import AssessmentRound, Instrument
from integrations.services import api_token_create
from risks.models import RiskScan
from stakeholders.roles import COORDINATORS, READERS
from tests.factories import (
    CommitmentFactory,
    FollowUpFactory,
    InteractionFactory,
    RiskFlagFactory,
    UserFactory,
    agreement_with,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def concrete(route: str, pk: str = "1") -> str:
    """A URL matching ``route`` (a path or a regex), with ``pk`` for every id."""
    url = route.replace("^", "").replace("$", "")
    url = re.sub(r"\\\.\(\?P<format>[^)]*\)/\?", ".json", url)
    url = re.sub(r"\(\?P<app_label>[^)]*\)", "stakeholders", url)
    url = re.sub(r"\(\?P<url>[^)]*\)", "nothing-here/", url)
    url = re.sub(r"\(\?P<\w+>[^)]*\)|\(\[\^/\]\+\)|<(?:\w+:)?\w+>", pk, url)
    return "/" + url.replace("\\", "")


ALL_ROUTES = list(walk(get_resolver().url_patterns))


# --- anonymous visitors -------------------------------------------------------------------------

# What an anonymous visitor may reach, and why: logging in (and out, and choosing the login page's
# language), the health check, and the personal answer pages (the link's token is the key).
PUBLIC = {
    "admin/login/": "log in",
    "api-auth/login/": "log in (API browser)",
    "admin/logout/": "log out",
    "api-auth/logout/": "log out (API browser)",
    "i18n/setlang/": "choose the language",
    "healthz": "up/down only",
    "a/<str:token>/": "answer page",
    "a/<str:token>/thanks/": "answer page",
    "calendar/<str:secret>.ics": "personal calendar feed (the secret in the link is the key; unknown: 404)",
}


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and response["Location"].startswith(("/admin/login/", "/api-auth/login/"))


def test_every_public_route_still_exists():
    routes = {route for route, _pattern in ALL_ROUTES}
    assert set(PUBLIC) <= routes


@pytest.mark.parametrize("route", [route for route, _pattern in ALL_ROUTES if route not in PUBLIC])
def test_anonymous_visitors_are_refused_everywhere_else(client, route, settings):
    settings.LOADTEST_ENDPOINTS = True  # switched-off endpoints answer 404 to everyone; test them switched on
    url = concrete(route)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert refused(response), (method, url, response.status_code)


def test_a_calendar_feed_without_a_valid_secret_tells_nothing(client):
    assert client.get("/calendar/not-a-secret.ics").status_code == 404


def test_healthz_says_up_or_down_and_nothing_more(client):
    response = client.get("/healthz")
    assert response.status_code in (200, 503)
    body = response.json()
    assert set(body) == {"status", "database", "broker"}
    assert body["status"] in ("ok", "unavailable")
    assert {body["database"], body["broker"]} <= {"up", "down"}


def test_the_login_page_and_the_answer_pages_are_reachable(client):
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/api-auth/login/").status_code == 200
    assert client.get("/a/not-a-real-link/").status_code == 404  # reachable, and tells nothing


def test_schema_and_docs_need_a_login(client, api_client, reader):
    assert client.get("/api/schema/").status_code == 401  # API clients: as documented
    for url in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        api_client.force_authenticate(reader)
        assert api_client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/", "/api/docs/?script="])
def test_the_docs_send_a_visitor_to_the_login_page_and_back(client, reader, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={quote(url)}"
    # Logging in there comes back to the docs.
    reader.set_password("Rätt-lösenord-123")
    reader.save()
    login = client.post(
        response["Location"], {"username": reader.username, "password": "Rätt-lösenord-123", "next": url}
    )
    assert login.status_code == 302
    assert login["Location"] == url
    assert client.get(url).status_code == 200


# --- the API, role by role ----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    methods: tuple[str, ...]

    def url(self, objects: dict) -> str:
        if concrete(self.route, "") == concrete(self.route):  # no id in it
            return concrete(self.route)
        return concrete(self.route, str(objects[self.name.split("-")[0]].pk))


def api_endpoints() -> list[Endpoint]:
    endpoints = []
    for route, pattern in ALL_ROUTES:
        if not route.startswith("api/v1/") or "<format>" in route:
            continue
        callback = pattern.callback
        view = callback.cls
        actions = getattr(callback, "actions", None)
        offered = sorted(actions) if actions else [m for m in ("get", *WRITE_METHODS) if hasattr(view, m)]
        methods = tuple(method for method in offered if method in view.http_method_names)
        endpoints.append(Endpoint(pattern.name, route, methods))
    return endpoints


ENDPOINTS = api_endpoints()


def test_the_walk_finds_the_api():
    names = {endpoint.name for endpoint in ENDPOINTS}
    assert {"organization-list", "agreement-detail", "riskflag-acknowledge", "assessmentround-results"} <= names
    assert len(ENDPOINTS) >= 30


@pytest.fixture
def objects(coordinator):
    agreement = agreement_with(parties=2, responsibilities=2)
    party = agreement.parties.first()
    commitment = CommitmentFactory(party=party)
    instrument = Instrument.objects.filter(is_active=True).first()
    person = agreement.responsibilities.first().responsible
    return {
        "organization": party.organization,
        "person": person,
        "agreement": agreement,
        "party": party,
        "representative": agreement.representatives.first(),
        "responsibility": agreement.responsibilities.first(),
        "anchoring": agreement.anchorings.first(),
        "commitment": commitment,
        "interaction": InteractionFactory(agreement=agreement, participants=[person]),
        "follow": FollowUpFactory(agreement=agreement, responsible=person),  # follow-up-list, follow-up-detail
        "employment": person.employments.first(),
        "riskflag": RiskFlagFactory(agreement=agreement),
        "riskscan": RiskScan.objects.create(trigger="api", requested_by=coordinator),
        "instrument": instrument,
        "assessmentround": AssessmentRound.objects.create(
            agreement=agreement,
            instrument=instrument,
            opens_on=dt.date(2026, 3, 1),
            closes_on=dt.date(2026, 3, 21),
        ),
    }


def account(username: str, group: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


def as_role(role: str, api_client, reader, coordinator):
    """An API client for ``role``; tokens go through the real header, sessions through a login."""
    api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    if role == "reader":
        api_client.force_login(reader)
    elif role == "coordinator":
        api_client.force_login(coordinator)
    elif role.endswith("token"):
        user, read_only = {
            "read-only token": (coordinator, True),
            "reader token": (account("bi-system", READERS), False),
            "coordinator token": (account("e-tjanst", COORDINATORS), False),
        }[role]
        _token, key = api_token_create(user=user, name=role, read_only=read_only, by=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return api_client


# Expected outcome per role: reading, and writing (a status, or "allowed": past the permission check,
# so 2xx, or 400/409 for the deliberately empty body).
EXPECTED = {
    "anonymous": (401, 401),
    "reader": (200, 403),
    "read-only token": (200, 403),
    "reader token": (200, 403),
    "coordinator token": (200, "allowed"),
    "coordinator": (200, "allowed"),
}
# 415: the JSON body the matrix sends, at the one endpoint that takes a file (an agreement's document), also past it.
ALLOWED = {200, 201, 202, 204, 400, 409, 415}
# Readers see a round's results only once it has closed, and the matrix's round has not (see
# tests/assessments/test_results_privacy.py): refused to those who may not view answers.
READ_EXCEPTIONS = {("assessmentround-results", role): 403 for role in ("reader", "reader token")}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_endpoint_for_every_role(role, api_client, reader, coordinator, objects, settings):
    settings.LOADTEST_ENDPOINTS = True
    client = as_role(role, api_client, reader, coordinator)
    read_expected, write_expected = EXPECTED[role]
    wrong = []
    for endpoint in ENDPOINTS:
        url = endpoint.url(objects)
        for method in endpoint.methods:
            # Each request in a savepoint that is rolled back, so a delete or an action leaves the objects
            # in place for the next endpoint.
            with transaction.atomic():
                response = getattr(client, method)(url, {}, format="json") if method != "get" else client.get(url)
                transaction.set_rollback(True)
            expected = READ_EXCEPTIONS.get((endpoint.name, role), read_expected) if method == "get" else write_expected
            ok = response.status_code in ALLOWED if expected == "allowed" else response.status_code == expected
            if not ok:
                wrong.append(f"{method.upper()} {url}: {response.status_code}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_a_read_only_tokens_refusal_says_why(api_client, reader, coordinator, objects):
    client = as_role("read-only token", api_client, reader, coordinator)
    response = client.post(f"/api/v1/risks/{objects['riskflag'].pk}/acknowledge/", {"note": "Sett."})
    assert response.status_code == 403
    assert "may only read" in response.json()["detail"]


def test_coordinators_write_for_real(api_client, reader, coordinator, objects):
    """The matrix sends empty bodies; here the writes a coordinator does every day succeed."""
    client = as_role("coordinator token", api_client, reader, coordinator)
    flag = objects["riskflag"]
    assert client.post(f"/api/v1/risks/{flag.pk}/acknowledge/", {"note": "Vi har sett det."}).status_code == 200
    response = client.post("/api/v1/organizations/", {"name": "Nytt bolag AB", "sector": "business"})
    assert response.status_code == 201
    new = response.json()["id"]
    assert client.patch(f"/api/v1/organizations/{new}/", {"interest": 5}).status_code == 200
    assert client.delete(f"/api/v1/organizations/{new}/").status_code == 204


# --- the admin ----------------------------------------------------------------------------------

DOMAIN_APPS = ("stakeholders", "agreements", "assessments", "risks")


def admin_models(apps):
    return [model for model in admin_site._registry if model._meta.app_label in apps]


@pytest.mark.parametrize("model", admin_models(DOMAIN_APPS), ids=lambda model: model._meta.label_lower)
def test_readers_see_the_admin_lists_but_cannot_change_anything(client, reader, objects, model):
    client.force_login(reader)
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert client.get(base).status_code == (403 if opts.model_name == "answer" else 200)
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", {}).status_code == 403
    row = model._default_manager.first()
    if row is not None:
        assert client.post(f"{base}{row.pk}/change/", {}).status_code == 403
        assert client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
        assert model._default_manager.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    "model",
    [model for model in admin_site._registry if model._meta.app_label not in DOMAIN_APPS],
    ids=lambda model: model._meta.label_lower,
)
def test_readers_see_nothing_of_the_admin_outside_the_register(client, reader, model):
    client.force_login(reader)
    opts = model._meta
    assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 403


def test_coordinators_work_in_the_whole_register_but_not_on_logins(coordinator_client):
    for model in admin_models((*DOMAIN_APPS, "integrations", "django_celery_beat")):
        opts = model._meta
        assert coordinator_client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 200, opts.label
    assert coordinator_client.get("/admin/auth/user/").status_code == 403
    assert coordinator_client.get("/admin/auth/group/").status_code == 403
    # DRF's own tokens could be made for a superuser: not for coordinators (they issue integrations' tokens).
    assert coordinator_client.get("/admin/authtoken/tokenproxy/").status_code == 403


# --- the role groups ----------------------------------------------------------------------------


def test_a_migration_creates_the_role_groups(db):
    """stakeholders 0005 creates the groups (sync_role_groups also runs after every migrate)."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    Group.objects.filter(name__in=(COORDINATORS, READERS)).delete()
    migration = importlib.import_module("stakeholders.migrations.0005_role_groups")
    # The migration marks each app as having models while it creates permissions and unmarks it after, as
    # it may on a migration's state; on the global registry that would leave every app without its models
    # module, and post_migrate (content types, permissions) would skip them for the rest of the run.
    models_modules = {config.label: config.models_module for config in apps.get_app_configs()}
    try:
        migration.create_role_groups(apps, SimpleNamespace(connection=connection))
    finally:
        for config in apps.get_app_configs():
            config.models_module = models_modules[config.label]
    coordinators = Group.objects.get(name=COORDINATORS)
    readers = Group.objects.get(name=READERS)
    assert coordinators.permissions.filter(codename="change_agreement").exists()
    assert coordinators.permissions.filter(codename="add_apitoken").exists()
    assert readers.permissions.filter(codename="view_agreement").exists()
    assert not readers.permissions.exclude(codename__startswith="view_").exists()
    assert not readers.permissions.filter(codename="view_answer").exists()
