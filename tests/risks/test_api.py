import datetime as dt

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from agreements.services import agreement_activate
from risks.choices import FlagStatus, ScanStatus, ScanTrigger
from risks.models import RiskFlag, RiskScan
from risks.tasks import risk_scan_run
from tests.factories import (
    AgreementFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    ResponsibilityFactory,
    RiskFlagFactory,
    UserFactory,
    agreement_with,
)

RISKS = "/api/v1/risks/"
SCANS = "/api/v1/risk-scans/"

pytestmark = pytest.mark.django_db


def url(base: str, obj=None, suffix: str = "") -> str:
    return f"{base}{obj.pk}/{suffix}" if obj is not None else base


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def messages(response, field: str) -> str:
    return " ".join(response.json()[field])


# --- flags as a scan would leave them -----------------------------------------------------------


def deputy_flag(role, **values) -> RiskFlag:
    """missing_deputy: a responsibility without a deputy (medium)."""
    return RiskFlagFactory(
        **{
            "rule": "missing_deputy",
            "severity": "medium",
            "subject_type": "responsibility",
            "agreement": role.agreement,
            "responsibility": role,
            "person": role.responsible,
            "subject_key": f"responsibility:{role.pk}",
            "details": {},
            **values,
        }
    )


def anchoring_flag(party, **values) -> RiskFlag:
    """missing_internal_anchoring: a party without a decision and a sponsor (high)."""
    return RiskFlagFactory(
        **{
            "rule": "missing_internal_anchoring",
            "severity": "high",
            "subject_type": "party",
            "agreement": party.agreement,
            "party": party,
            "subject_key": f"party:{party.pk}",
            "details": {"missing": "missing"},
            **values,
        }
    )


def expiring_flag(agreement, **values) -> RiskFlag:
    """agreement_expiring: an agreement about to end (low)."""
    return RiskFlagFactory(
        **{
            "rule": "agreement_expiring",
            "severity": "low",
            "agreement": agreement,
            "details": {"valid_to": (timezone.localdate() + dt.timedelta(days=30)).isoformat()},
            **values,
        }
    )


def overload_flag(person, **values) -> RiskFlag:
    """person_overload across the portfolio: about a person, in no agreement (medium)."""
    return RiskFlagFactory(
        **{
            "rule": "person_overload",
            "severity": "medium",
            "subject_type": "person",
            "agreement": None,
            "person": person,
            "subject_key": f"person:{person.pk}",
            "details": {"agreements": 5},
            **values,
        }
    )


def resolved(**values) -> dict:
    return {"status": FlagStatus.RESOLVED, "resolved_at": timezone.now(), **values}


def acknowledged(by, **values) -> dict:
    return {
        "status": FlagStatus.ACKNOWLEDGED,
        "acknowledged_at": timezone.now(),
        "acknowledged_by": by,
        "acknowledgement_note": "Vi utser en ersättare.",
        **values,
    }


@pytest.fixture
def portfolio(coordinator):
    """Three agreements of two organisations, one flag of each severity and status."""
    kommun, region = OrganizationFactory(name="Kommunen"), OrganizationFactory(name="Regionen")
    unga = AgreementFactory(title="Unga till arbete", reference="KS 2026/11")
    party_unga = PartyFactory(agreement=unga, organization=kommun)
    anna = PersonFactory(first_name="Anna", last_name="Lind", organization=kommun)
    deputy = PersonFactory(first_name="Bo", last_name="Ek", organization=kommun)
    role = ResponsibilityFactory(agreement=unga, title="Processledning", responsible=anna)
    # Same agreement, another role, with a deputy: only the role without one is flagged.
    ResponsibilityFactory(agreement=unga, responsible=deputy, deputy=anna)
    halsa = AgreementFactory(title="Jämlik hälsa", reference="RS 2026/7")
    party_halsa = PartyFactory(agreement=halsa, organization=region)
    forskning = AgreementFactory(title="Forskningssamverkan", reference="")
    now = timezone.now()
    return {
        "kommun": kommun,
        "region": region,
        "unga": unga,
        "halsa": halsa,
        "forskning": forskning,
        "party_unga": party_unga,
        "anna": anna,
        "deputy": deputy,
        "role": role,
        "deputy_flag": deputy_flag(role, first_seen_at=now - dt.timedelta(days=2)),
        "anchoring_flag": anchoring_flag(
            party_halsa, first_seen_at=now - dt.timedelta(days=3), **acknowledged(coordinator)
        ),
        "expiring_flag": expiring_flag(forskning, first_seen_at=now - dt.timedelta(days=1), **resolved()),
    }


# --- flags: reading -----------------------------------------------------------------------------

FLAG_KEYS = {
    "id", "rule", "rule_label", "severity", "status", "agreement", "agreement_title", "subject_type",
    "subject", "party", "person", "responsibility", "message", "details", "first_seen_at", "last_seen_at",
    "resolved_at", "acknowledged_at", "acknowledged_by", "acknowledgement_note",
}  # fmt: skip


def test_flag_list_shows_every_field(coordinator_api, portfolio):
    response = coordinator_api.get(RISKS)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    rows = {row["id"]: row for row in response.json()["results"]}
    role, unga = portfolio["role"], portfolio["unga"]
    row = rows[portfolio["deputy_flag"].pk]
    assert set(row) == FLAG_KEYS
    assert {key: row[key] for key in FLAG_KEYS - {"message", "first_seen_at", "last_seen_at"}} == {
        "id": portfolio["deputy_flag"].pk,
        "rule": "missing_deputy",
        "rule_label": "Missing deputy",
        "severity": "medium",
        "status": "open",
        "agreement": unga.pk,
        "agreement_title": "Unga till arbete",
        "subject_type": "responsibility",
        "subject": {"type": "responsibility", "id": role.pk, "name": "Processledning"},
        "party": None,
        "person": portfolio["anna"].pk,
        "responsibility": role.pk,
        "details": {},
        "resolved_at": None,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "acknowledgement_note": "",
    }
    assert row["message"] == (
        "The responsibility «Processledning» in «Unga till arbete (KS 2026/11)» has no deputy; Anna Lind carries it "
        "alone. Name a deputy, so the work goes on when the responsible person is away or leaves."
    )


def test_flag_list_shows_acknowledgement_resolution_and_party_subject(coordinator_api, portfolio):
    rows = {row["id"]: row for row in coordinator_api.get(RISKS).json()["results"]}

    party = rows[portfolio["anchoring_flag"].pk]
    assert party["subject"] == {"type": "party", "id": portfolio["anchoring_flag"].party_id, "name": "Regionen"}
    assert (party["status"], party["acknowledged_by"], party["acknowledgement_note"]) == (
        "acknowledged", "samordnare", "Vi utser en ersättare.",
    )  # fmt: skip
    assert party["acknowledged_at"] is not None
    expiring = rows[portfolio["expiring_flag"].pk]
    assert expiring["status"] == "resolved"
    assert expiring["resolved_at"] is not None
    assert expiring["subject"] == {
        "type": "agreement", "id": portfolio["forskning"].pk, "name": "Forskningssamverkan",
    }  # fmt: skip
    assert expiring["message"].startswith("«Forskningssamverkan» ends on ")


def test_flag_outside_any_agreement_is_about_its_person(coordinator_api):
    person = PersonFactory(first_name="Cecilia", last_name="Berg")
    flag = overload_flag(person)

    row = coordinator_api.get(url(RISKS, flag)).json()

    assert (row["agreement"], row["agreement_title"]) == (None, None)
    assert row["subject"] == {"type": "person", "id": person.pk, "name": "Cecilia Berg"}
    assert row["message"].startswith("Cecilia Berg is responsible for roles in 5 active agreements.")


def test_flag_retrieve_and_unknown_is_404(coordinator_api, portfolio):
    flag = portfolio["deputy_flag"]

    response = coordinator_api.get(url(RISKS, flag))

    assert response.status_code == 200
    assert response.json()["id"] == flag.pk
    assert coordinator_api.get(f"{RISKS}999999/").status_code == 404
    assert coordinator_api.get(f"{RISKS}99999999999999999999999/").status_code == 404
    assert coordinator_api.get(f"{RISKS}abc/").status_code == 404


def test_message_and_label_follow_accept_language(api_client, coordinator):
    flag = RiskFlagFactory(agreement=AgreementFactory(title="Unga till arbete", reference=""))
    api_client.force_authenticate(coordinator)

    english = api_client.get(url(RISKS, flag), HTTP_ACCEPT_LANGUAGE="en").json()
    swedish = api_client.get(url(RISKS, flag), HTTP_ACCEPT_LANGUAGE="sv").json()

    assert english["rule_label"] == "Review overdue"
    assert english["message"].startswith("The review of «Unga till arbete» was due on ")
    assert english["message"].endswith("Hold the follow-up with the parties and set the date of the next review.")
    assert swedish["rule_label"] != english["rule_label"]


def test_default_order_is_most_severe_first_then_newest(coordinator_api):
    now = timezone.now()
    old_medium = RiskFlagFactory(first_seen_at=now - dt.timedelta(days=5))
    low = expiring_flag(AgreementFactory(), first_seen_at=now)
    new_medium = RiskFlagFactory(first_seen_at=now - dt.timedelta(days=1))
    high = anchoring_flag(PartyFactory(), first_seen_at=now - dt.timedelta(days=9))

    response = coordinator_api.get(RISKS)

    assert ids(response) == [high.pk, new_medium.pk, old_medium.pk, low.pk]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("severity", ["expiring_flag", "deputy_flag", "anchoring_flag"]),
        ("-severity", ["anchoring_flag", "deputy_flag", "expiring_flag"]),
        ("first_seen_at", ["anchoring_flag", "deputy_flag", "expiring_flag"]),
        ("-last_seen_at", ["expiring_flag", "deputy_flag", "anchoring_flag"]),
    ],
)
def test_flag_ordering(coordinator_api, portfolio, ordering, expected):
    response = coordinator_api.get(f"{RISKS}?ordering={ordering}")

    assert ids(response) == [portfolio[name].pk for name in expected]


# --- flags: filters -----------------------------------------------------------------------------


def filtered(api, query: str) -> set[int]:
    response = api.get(f"{RISKS}?{query}")
    assert response.status_code == 200, response.json()
    return set(ids(response))


def test_filter_by_status(coordinator_api, portfolio):
    assert filtered(coordinator_api, "status=open") == {portfolio["deputy_flag"].pk}
    assert filtered(coordinator_api, "status=open&status=acknowledged") == {
        portfolio["deputy_flag"].pk, portfolio["anchoring_flag"].pk,
    }  # fmt: skip


def test_filter_by_severity(coordinator_api, portfolio):
    assert filtered(coordinator_api, "severity=high") == {portfolio["anchoring_flag"].pk}
    assert filtered(coordinator_api, "severity=low&severity=medium") == {
        portfolio["expiring_flag"].pk, portfolio["deputy_flag"].pk,
    }  # fmt: skip


def test_filter_by_rule(coordinator_api, portfolio):
    assert filtered(coordinator_api, "rule=missing_deputy") == {portfolio["deputy_flag"].pk}
    assert filtered(coordinator_api, "rule=missing_deputy&rule=agreement_expiring") == {
        portfolio["deputy_flag"].pk, portfolio["expiring_flag"].pk,
    }  # fmt: skip
    assert filtered(coordinator_api, "rule=missing_mandate") == set()


@pytest.mark.parametrize("name", ["agreement", "agreement_id"])
def test_filter_by_agreement(coordinator_api, portfolio, name):
    assert filtered(coordinator_api, f"{name}={portfolio['halsa'].pk}") == {portfolio["anchoring_flag"].pk}
    assert filtered(coordinator_api, f"{name}={AgreementFactory().pk}") == set()


@pytest.mark.parametrize("name", ["organization", "organization_id"])
def test_filter_by_organization(coordinator_api, portfolio, name):
    # The kommun is party to «Unga till arbete» (the role's flag); the region has the party flag.
    assert filtered(coordinator_api, f"{name}={portfolio['kommun'].pk}") == {portfolio["deputy_flag"].pk}
    assert filtered(coordinator_api, f"{name}={portfolio['region'].pk}") == {portfolio["anchoring_flag"].pk}
    assert filtered(coordinator_api, f"{name}={OrganizationFactory().pk}") == set()


def test_filter_by_organization_finds_flags_about_its_people(coordinator_api):
    person = PersonFactory()
    flag = overload_flag(person)
    overload_flag(PersonFactory())

    assert filtered(coordinator_api, f"organization_id={person.organization_id}") == {flag.pk}


@pytest.mark.parametrize("name", ["person", "person_id"])
def test_filter_by_person(coordinator_api, portfolio, name):
    assert filtered(coordinator_api, f"{name}={portfolio['anna'].pk}") == {portfolio["deputy_flag"].pk}
    assert filtered(coordinator_api, f"{name}={PersonFactory().pk}") == set()


def test_filter_by_person_finds_a_role_they_deputise(coordinator_api):
    anna, bo = PersonFactory(), PersonFactory()
    role = ResponsibilityFactory(responsible=anna, deputy=bo)
    # A flag on the role naming no person (the responsible is known through the role).
    flag = deputy_flag(role, person=None)
    deputy_flag(ResponsibilityFactory())

    assert filtered(coordinator_api, f"person_id={bo.pk}") == {flag.pk}
    assert filtered(coordinator_api, f"person_id={anna.pk}") == {flag.pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=unga", ["deputy_flag"]),
        ("q=RS 2026", ["anchoring_flag"]),
        ("q=lind", ["deputy_flag"]),
        ("q=nobody", []),
        ("q=", ["anchoring_flag", "deputy_flag", "expiring_flag"]),
        ("q=   ", ["anchoring_flag", "deputy_flag", "expiring_flag"]),
    ],
)
def test_search(coordinator_api, portfolio, query, expected):
    assert filtered(coordinator_api, query) == {portfolio[name].pk for name in expected}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=pirated", "status"),
        ("severity=extreme", "severity"),
        ("rule=no_such_rule", "rule"),
        ("agreement=abc", "agreement"),
        ("agreement_id=1.5", "agreement_id"),
        ("organization=-1", "organization"),
        # Larger than any database id: refused rather than overflowing the database driver.
        ("organization_id=99999999999999999999999", "organization_id"),
        ("person=x", "person"),
        ("person_id=0", "person_id"),
    ],
)
def test_bad_filter_is_400(coordinator_api, query, field):
    response = coordinator_api.get(f"{RISKS}?{query}")

    assert response.status_code == 400
    assert field in response.json()


# --- flags: query counts ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 25])
def test_flag_list_queries_do_not_grow(coordinator_api, coordinator, n, django_assert_num_queries):
    for index in range(n):
        role = ResponsibilityFactory(agreement=PartyFactory().agreement)
        deputy_flag(role, **(acknowledged(coordinator) if index % 2 else {}))
        anchoring_flag(PartyFactory())
        overload_flag(PersonFactory())
        RiskFlagFactory()

    # user permissions, group permissions, COUNT for the page,
    # flags + agreement + party + organisation + person + responsibility + acknowledging user (joined)
    with django_assert_num_queries(4):
        response = coordinator_api.get(f"{RISKS}?page_size=100")

    assert response.status_code == 200
    assert response.json()["count"] == 4 * n
    assert all(row["message"] for row in response.json()["results"])


@pytest.mark.parametrize("n", [1, 25])
def test_flag_list_filtered_by_organization_and_person_queries_do_not_grow(
    coordinator_api, n, django_assert_num_queries
):
    kommun = OrganizationFactory()
    anna = PersonFactory(organization=kommun)
    for _ in range(n):
        party = PartyFactory(organization=kommun)
        deputy_flag(ResponsibilityFactory(agreement=party.agreement, responsible=anna))

    # user permissions, group permissions, COUNT for the page, flags with their relations (the
    # organisation's parties as an EXISTS subquery)
    with django_assert_num_queries(4):
        response = coordinator_api.get(f"{RISKS}?organization_id={kommun.pk}&person_id={anna.pk}&q=")

    assert response.json()["count"] == n


# --- flags: acknowledging -----------------------------------------------------------------------


def test_acknowledge(coordinator_api, portfolio):
    flag = portfolio["deputy_flag"]

    response = coordinator_api.post(url(RISKS, flag, "acknowledge/"), {"note": "  Bo blir ersättare från maj.  "})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == FLAG_KEYS
    assert (body["status"], body["acknowledged_by"], body["acknowledgement_note"]) == (
        "acknowledged", "samordnare", "Bo blir ersättare från maj.",
    )  # fmt: skip
    assert body["acknowledged_at"] is not None
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.acknowledged_by.username == "samordnare"
    assert flag.acknowledgement_note == "Bo blir ersättare från maj."


def test_acknowledge_again_replaces_the_note(coordinator_api, portfolio):
    flag = portfolio["anchoring_flag"]

    response = coordinator_api.post(url(RISKS, flag, "acknowledge/"), {"note": "Beslut i regionstyrelsen i juni."})

    assert response.status_code == 200
    assert response.json()["acknowledgement_note"] == "Beslut i regionstyrelsen i juni."


@pytest.mark.parametrize("payload", [{"note": ""}, {"note": "   "}, {}, {"note": None}])
def test_acknowledge_needs_a_note(coordinator_api, portfolio, payload):
    flag = portfolio["deputy_flag"]

    response = coordinator_api.post(url(RISKS, flag, "acknowledge/"), payload, format="json")

    assert response.status_code == 400
    assert "note" in response.json()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_blank_note_gets_the_services_message(coordinator_api, portfolio):
    response = coordinator_api.post(url(RISKS, portfolio["deputy_flag"], "acknowledge/"), {"note": " "})

    assert "Write a note" in messages(response, "note")


def test_acknowledging_a_resolved_flag_is_refused(coordinator_api, portfolio):
    flag = portfolio["expiring_flag"]

    response = coordinator_api.post(url(RISKS, flag, "acknowledge/"), {"note": "Sett."})

    assert response.status_code == 400
    assert "already resolved" in messages(response, "status")
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_at, flag.acknowledgement_note) == (FlagStatus.RESOLVED, None, "")


def test_acknowledge_ignores_list_filters(coordinator_api, portfolio):
    flag = portfolio["deputy_flag"]

    response = coordinator_api.post(f"{url(RISKS, flag, 'acknowledge/')}?status=resolved", {"note": "Sett."})

    assert response.status_code == 200


def test_acknowledge_unknown_flag_is_404(coordinator_api):
    assert coordinator_api.post(f"{RISKS}999999/acknowledge/", {"note": "Sett."}).status_code == 404


def test_reader_reads_flags_but_cannot_acknowledge(reader_api, portfolio):
    flag = portfolio["deputy_flag"]

    assert reader_api.get(RISKS).status_code == 200
    assert reader_api.get(url(RISKS, flag)).status_code == 200
    assert reader_api.post(url(RISKS, flag, "acknowledge/"), {"note": "Sett."}).status_code == 403
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_flags_are_read_only(coordinator_api, portfolio):
    flag = portfolio["deputy_flag"]

    assert coordinator_api.post(RISKS, {"rule": "missing_deputy"}).status_code == 405
    assert coordinator_api.patch(url(RISKS, flag), {"status": "resolved"}).status_code == 405
    assert coordinator_api.delete(url(RISKS, flag)).status_code == 405


def test_anonymous_is_refused(api_client, portfolio):
    flag = portfolio["deputy_flag"]

    for response in (
        api_client.get(RISKS),
        api_client.get(url(RISKS, flag)),
        api_client.post(url(RISKS, flag, "acknowledge/"), {"note": "Sett."}),
        api_client.get(SCANS),
        api_client.post(SCANS),
    ):
        assert response.status_code == 401
    assert RiskScan.objects.count() == 0


def test_user_without_permissions_is_refused(client_as, no_perm_user, portfolio):
    api = client_as(no_perm_user)

    assert api.get(RISKS).status_code == 403
    assert api.post(url(RISKS, portfolio["deputy_flag"], "acknowledge/"), {"note": "Sett."}).status_code == 403
    assert api.get(SCANS).status_code == 403
    assert api.post(SCANS).status_code == 403


# --- scans --------------------------------------------------------------------------------------

SCAN_KEYS = {
    "id", "url", "trigger", "status", "requested_by", "task_id", "created_at", "started_at", "finished_at",
    "duration_seconds", "chunks_total", "chunks_done", "agreements_scanned", "findings", "new_count",
    "persisting_count", "resolved_count", "error",
}  # fmt: skip


def active_agreement_without_deputy():
    """An active agreement whose only responsibility has no deputy."""
    agreement = agreement_with(parties=2, responsibilities=1, deputies=False, coordinated=True)
    return agreement_activate(agreement=agreement)


def test_request_a_scan_answers_202_and_the_scan_runs(coordinator_api):
    agreement = active_agreement_without_deputy()
    role = agreement.responsibilities.get()

    response = coordinator_api.post(SCANS)

    assert response.status_code == 202, response.json()
    body = response.json()
    assert set(body) == SCAN_KEYS
    assert (body["trigger"], body["requested_by"]) == ("api", "samordnare")
    assert body["task_id"]
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"{SCANS}{body['id']}/")
    # Celery runs the task in-process in unit tests: the scan has finished by now.
    followed = coordinator_api.get(body["url"])
    assert followed.status_code == 200
    scan = followed.json()
    assert scan["status"] == "succeeded", scan["error"]
    assert scan["agreements_scanned"] == 1
    assert scan["new_count"] == scan["findings"] >= 1
    assert scan["duration_seconds"] is not None
    assert scan["duration_seconds"] >= 0
    flag = RiskFlag.objects.get(rule="missing_deputy")
    assert (flag.agreement_id, flag.responsibility_id, flag.status) == (agreement.pk, role.pk, FlagStatus.OPEN)
    assert coordinator_api.get(f"{RISKS}?rule=missing_deputy").json()["count"] == 1


def test_a_second_scan_keeps_the_flags(coordinator_api):
    active_agreement_without_deputy()
    first = coordinator_api.post(SCANS).json()

    second = coordinator_api.get(coordinator_api.post(SCANS).json()["url"]).json()

    assert second["status"] == "succeeded"
    assert (second["new_count"], second["persisting_count"]) == (0, first["new_count"])
    assert RiskFlag.objects.filter(rule="missing_deputy").count() == 1


def test_broker_down_is_503_and_the_scan_row_says_so(coordinator_api, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(risk_scan_run, "apply_async", broker_down)

    response = coordinator_api.post(SCANS)

    assert response.status_code == 503
    body = response.json()
    scan = RiskScan.objects.get()
    assert body["scan"] == scan.pk
    assert body["url"].endswith(f"{SCANS}{scan.pk}/")
    assert "broker is unavailable" in body["detail"]
    assert response["Retry-After"]
    assert scan.status == ScanStatus.FAILED
    assert scan.finished_at is not None
    assert "OperationalError" in scan.error
    assert coordinator_api.get(body["url"]).json()["status"] == "failed"


def test_reader_reads_scans_but_cannot_request_one(reader_api):
    RiskScan.objects.create(trigger=ScanTrigger.COMMAND)

    assert reader_api.get(SCANS).status_code == 200
    assert reader_api.post(SCANS).status_code == 403
    assert RiskScan.objects.count() == 1


def test_scan_retrieve_fields_and_unknown_is_404(coordinator_api, coordinator):
    started = timezone.now() - dt.timedelta(minutes=2)
    scan = RiskScan.objects.create(
        trigger=ScanTrigger.ADMIN,
        status=ScanStatus.SUCCEEDED,
        requested_by=coordinator,
        started_at=started,
        finished_at=started + dt.timedelta(seconds=90),
        agreements_scanned=9,
        findings=4,
        new_count=3,
        persisting_count=1,
        resolved_count=2,
    )

    body = coordinator_api.get(url(SCANS, scan)).json()

    assert set(body) == SCAN_KEYS
    assert (body["trigger"], body["status"], body["requested_by"], body["duration_seconds"]) == (
        "admin", "succeeded", "samordnare", 90.0,
    )  # fmt: skip
    assert (body["findings"], body["new_count"], body["persisting_count"], body["resolved_count"]) == (4, 3, 1, 2)
    assert coordinator_api.get(f"{SCANS}999999/").status_code == 404


def test_scan_list_is_newest_first_and_filters(coordinator_api):
    failed = RiskScan.objects.create(trigger=ScanTrigger.SCHEDULE, status=ScanStatus.FAILED, error="Lost")
    queued = RiskScan.objects.create(trigger=ScanTrigger.API)
    running = RiskScan.objects.create(trigger=ScanTrigger.ADMIN, status=ScanStatus.RUNNING)

    def listed(query: str = "") -> list[int]:
        response = coordinator_api.get(f"{SCANS}?{query}")
        assert response.status_code == 200, response.json()
        return ids(response)

    assert listed() == [running.pk, queued.pk, failed.pk]
    assert listed("status=failed") == [failed.pk]
    assert listed("status=queued&status=running") == [running.pk, queued.pk]
    assert listed("trigger=api") == [queued.pk]
    assert listed("trigger=command") == []
    assert listed("ordering=created_at") == [failed.pk, queued.pk, running.pk]
    for bad in ("status=lost", "trigger=cron"):
        response = coordinator_api.get(f"{SCANS}?{bad}")
        assert response.status_code == 400
        assert bad.split("=")[0] in response.json()


def test_scans_are_not_changed_through_the_api(coordinator_api):
    scan = RiskScan.objects.create(trigger=ScanTrigger.API)

    assert coordinator_api.patch(url(SCANS, scan), {"status": "succeeded"}).status_code == 405
    assert coordinator_api.delete(url(SCANS, scan)).status_code == 405


@pytest.mark.parametrize("n", [1, 25])
def test_scan_list_queries_do_not_grow(coordinator_api, n, django_assert_num_queries):
    for index in range(n):
        RiskScan.objects.create(
            trigger=ScanTrigger.API, requested_by=UserFactory() if index % 2 else None, status=ScanStatus.QUEUED
        )

    # user permissions, group permissions, COUNT for the page, scans + requesting user (joined)
    with django_assert_num_queries(4):
        response = coordinator_api.get(SCANS)

    assert response.status_code == 200
    assert response.json()["count"] == n
