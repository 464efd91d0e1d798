import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from rest_framework.authtoken.models import Token

from agreements.choices import AgreementStatus, AnchoringKind, Mandate
from agreements.models import Agreement, Anchoring, Commitment, Party, Representative, Responsibility
from tests.agreements import pdf_samples
from tests.factories import (
    AgreementFactory,
    AnchoringFactory,
    CommitmentFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
    UserFactory,
    agreement_with,
)

AGREEMENTS = "/api/v1/agreements/"
PARTIES = "/api/v1/parties/"
REPRESENTATIVES = "/api/v1/representatives/"
RESPONSIBILITIES = "/api/v1/responsibilities/"
ANCHORINGS = "/api/v1/anchorings/"
COMMITMENTS = "/api/v1/commitments/"
ALL_LISTS = [AGREEMENTS, PARTIES, REPRESENTATIVES, RESPONSIBILITIES, ANCHORINGS, COMMITMENTS]

PDF = pdf_samples.plain_pdf()

pytestmark = pytest.mark.django_db


def url(base: str, obj=None, suffix: str = "") -> str:
    return f"{base}{obj.pk}/{suffix}" if obj is not None else base


def hand_over_url(person) -> str:
    return f"/api/v1/persons/{person.pk}/hand-over/"


def messages(response, field: str) -> str:
    return " ".join(response.json()[field])


def titles(response) -> list[str]:
    return sorted(row["title"] for row in response.json()["results"])




@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def agreement_payload(**overrides) -> dict:
    payload = {
        "title": "Unga till arbete",
        "reference": "KS 2026/501",
        "purpose": "Fler unga i arbete eller studier.",
        "goals": "Halvera antalet unga utan sysselsättning.",
        "ambition": "collaboration",
        "valid_from": "2026-01-01",
        "valid_to": "2028-12-31",
        "notice_period_months": 6,
        "review_interval_months": 12,
        "next_review_on": "2027-01-15",
        "assessment_interval_months": 6,
        "coordinator": None,
    }
    return {**payload, **overrides}


def form_payload(**overrides) -> dict:
    """The payload as a multipart form: a form has no null, only an empty value."""
    return {key: "" if value is None else value for key, value in agreement_payload(**overrides).items()}


def activatable_draft() -> Agreement:
    return agreement_with(parties=2, responsibilities=2, coordinated=True)


# --- Agreements: reading --------------------------------------------------------------------


AGREEMENT_KEYS = {
    "id", "title", "reference", "purpose", "goals", "ambition", "status", "valid_from", "valid_to",
    "notice_period_months", "review_interval_months", "next_review_on", "is_review_overdue",
    "assessment_interval_months", "coordinator", "coordinator_name", "document", "renewed_from",
    "terminated_on", "termination_reason", "bus_factor", "mandate_coverage", "parties",
    "responsibilities", "created_at", "updated_at",
}  # fmt: skip


def test_agreement_list_nests_parties_roles_and_figures(coordinator_api):
    agreement = agreement_with(parties=2, responsibilities=3)
    coordinator = agreement.representatives.first().person
    Agreement.objects.filter(pk=agreement.pk).update(coordinator=coordinator)
    first_party = agreement.parties.order_by("pk").first()
    CommitmentFactory(party=first_party, description="Halvtidstjänst")

    response = coordinator_api.get(AGREEMENTS)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert set(row) == AGREEMENT_KEYS
    assert row["status"] == "draft"
    assert row["coordinator"] == coordinator.pk
    assert row["coordinator_name"] == coordinator.full_name
    assert row["document"] is None
    assert row["is_review_overdue"] is False
    # Three roles spread over two people who deputise for each other: both must go.
    assert row["bus_factor"] == {"value": 2, "exact": True}
    assert row["mandate_coverage"] == {"parties": 2, "with_decide": 2}
    assert len(row["responsibilities"]) == 3
    role = row["responsibilities"][0]
    assert set(role) == {
        "id",
        "title",
        "kind",
        "description",
        "responsible",
        "responsible_name",
        "deputy",
        "deputy_name",
    }
    assert role["deputy_name"] is not None
    parties = {party["id"]: party for party in row["parties"]}
    party = parties[first_party.pk]
    assert set(party) == {
        "id", "organization", "organization_name", "role", "contribution", "anchoring_status",
        "representatives", "anchorings", "commitments",
    }  # fmt: skip
    assert party["organization_name"] == first_party.organization.name
    assert party["anchoring_status"] == "complete"
    [rep] = party["representatives"]
    assert set(rep) == {"id", "person", "person_name", "person_is_active", "mandate", "hours_per_month", "is_primary"}
    assert rep["mandate"] == "decide"
    assert {a["kind"] for a in party["anchorings"]} == {"decision", "sponsor"}
    assert set(party["anchorings"][0]) == {"id", "kind", "body", "reference", "date", "person", "person_name", "note"}
    assert party["commitments"] == [
        {"id": party["commitments"][0]["id"], "description": "Halvtidstjänst", "due_on": "2026-06-30",
         "status": "planned", "responsible": None}
    ]  # fmt: skip


def test_agreement_retrieve(coordinator_api):
    agreement = AgreementFactory(title="Trygg i Malmö")

    response = coordinator_api.get(url(AGREEMENTS, agreement))

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Trygg i Malmö"
    assert body["coordinator"] is None
    assert body["coordinator_name"] is None
    assert body["bus_factor"] == {"value": None, "exact": True}
    assert body["mandate_coverage"] == {"parties": 0, "with_decide": 0}
    assert body["parties"] == []


def test_agreement_retrieve_unknown_is_404(coordinator_api):
    assert coordinator_api.get(f"{AGREEMENTS}999999/").status_code == 404


def test_one_person_holding_every_role_has_bus_factor_one(coordinator_api):
    party = PartyFactory()
    PartyFactory(agreement=party.agreement)
    enthusiast = PersonFactory(organization=party.organization)
    ResponsibilityFactory.create_batch(3, agreement=party.agreement, responsible=enthusiast)

    body = coordinator_api.get(url(AGREEMENTS, party.agreement)).json()

    assert body["bus_factor"] == {"value": 1, "exact": True}


@pytest.mark.parametrize(
    ("anchorings", "expected"),
    [
        ([], "missing"),
        ([AnchoringKind.DECISION], "sponsor_missing"),
        ([AnchoringKind.PLAN, AnchoringKind.BRIEFING], "sponsor_missing"),
        ([AnchoringKind.SPONSOR], "decision_or_plan_missing"),
        ([AnchoringKind.PLAN, AnchoringKind.SPONSOR], "complete"),
    ],
)
def test_party_anchoring_status(coordinator_api, anchorings, expected):
    party = PartyFactory()
    sponsor = PersonFactory(organization=party.organization)
    for kind in anchorings:
        AnchoringFactory(party=party, kind=kind, person=sponsor if kind == AnchoringKind.SPONSOR else None)

    [row] = coordinator_api.get(url(AGREEMENTS, party.agreement)).json()["parties"]
    assert row["anchoring_status"] == expected
    assert coordinator_api.get(url(PARTIES, party)).json()["anchoring_status"] == expected


def test_sponsor_of_a_sub_organisation_counts_and_one_who_left_or_moved_does_not(coordinator_api, today):
    kommun = OrganizationFactory(name="Malmö stad")
    forvaltning = OrganizationFactory(name="Arbetsmarknadsförvaltningen", parent=kommun)
    agreement = AgreementFactory()
    in_sub = PartyFactory(agreement=agreement, organization=kommun)
    departed = PartyFactory(agreement=agreement)
    moved = PartyFactory(agreement=agreement)
    for party in (in_sub, departed, moved):
        AnchoringFactory(party=party)
    AnchoringFactory(
        party=in_sub, kind=AnchoringKind.SPONSOR, date=None, person=PersonFactory(organization=forvaltning)
    )
    AnchoringFactory(
        party=departed,
        kind=AnchoringKind.SPONSOR,
        date=None,
        person=PersonFactory(organization=departed.organization, left_on=today - dt.timedelta(days=1)),
    )
    # The sponsor later moved to another organisation: no longer anchors this party.
    AnchoringFactory(party=moved, kind=AnchoringKind.SPONSOR, date=None, person=PersonFactory())

    parties = {row["id"]: row for row in coordinator_api.get(url(AGREEMENTS, agreement)).json()["parties"]}

    assert parties[in_sub.pk]["anchoring_status"] == "complete"
    assert parties[departed.pk]["anchoring_status"] == "sponsor_missing"
    assert parties[moved.pk]["anchoring_status"] == "sponsor_missing"


def test_mandate_coverage_ignores_representatives_who_left(coordinator_api, today):
    party = PartyFactory()
    other = PartyFactory(agreement=party.agreement)
    RepresentativeFactory(party=party, person__left_on=today - dt.timedelta(days=3))
    RepresentativeFactory(party=other, mandate=Mandate.PREPARE)

    body = coordinator_api.get(url(AGREEMENTS, party.agreement)).json()

    assert body["mandate_coverage"] == {"parties": 2, "with_decide": 0}
    reps = [rep for p in body["parties"] for rep in p["representatives"]]
    assert sorted(rep["person_is_active"] for rep in reps) == [False, True]


def test_review_overdue_is_shown(coordinator_api, today):
    agreement = AgreementFactory(next_review_on=today - dt.timedelta(days=1))

    assert coordinator_api.get(url(AGREEMENTS, agreement)).json()["is_review_overdue"] is True


# --- Agreements: query counts ----------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 50])
def test_agreement_list_queries_do_not_grow(coordinator_api, n, django_assert_num_queries):
    for _ in range(n):
        agreement = agreement_with(parties=3, responsibilities=4)
        CommitmentFactory(party=agreement.parties.first())

    # user permissions, group permissions, COUNT for the page, agreements + coordinators,
    # parties, representatives, anchorings, commitments, responsibilities (no joins), then the
    # names of the people and of the organisations they refer to
    with django_assert_num_queries(11) as captured:
        response = coordinator_api.get(f"{AGREEMENTS}?page_size=50")

    assert response.status_code == 200
    # The page's rows join no whole table: the people and organisations are read by id.
    rows = [q["sql"] for q in captured.captured_queries if re.search(r'FROM "agreements_(?!agreement")', q["sql"])]
    assert len(rows) == 5
    assert not [sql for sql in rows if "JOIN" in sql]
    assert response.json()["count"] == n
    assert all(row["bus_factor"]["value"] is not None for row in response.json()["results"])


@pytest.mark.parametrize("n", [1, 50])
def test_sponsors_in_sub_organisations_cost_one_query_per_page(coordinator_api, n, django_assert_num_queries):
    kommun = OrganizationFactory()
    for _ in range(n):
        party = PartyFactory(organization=kommun)
        AnchoringFactory(
            party=party,
            kind=AnchoringKind.SPONSOR,
            date=None,
            person=PersonFactory(organization=OrganizationFactory(parent=kommun)),
        )

    # the eleven of the plain list, plus every organisation's parent link, read once
    with django_assert_num_queries(12):
        response = coordinator_api.get(f"{AGREEMENTS}?page_size=50")

    assert response.json()["count"] == n
    statuses = {party["anchoring_status"] for row in response.json()["results"] for party in row["parties"]}
    assert statuses == {"decision_or_plan_missing"}


def child_rows(n: int) -> None:
    for _ in range(n):
        party = PartyFactory()
        RepresentativeFactory(party=party)
        sponsor = PersonFactory(organization=party.organization)
        AnchoringFactory(party=party, kind=AnchoringKind.SPONSOR, date=None, person=sponsor)
        CommitmentFactory(party=party)
        responsible = PersonFactory(organization=party.organization)
        ResponsibilityFactory(
            agreement=party.agreement, responsible=responsible, deputy=PersonFactory(organization=party.organization)
        )


@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize(
    ("endpoint", "queries", "what"),
    [
        (PARTIES, 5, "parties + organisations, anchorings + sponsors"),
        (REPRESENTATIVES, 4, "representatives + people + parties + organisations"),
        (RESPONSIBILITIES, 4, "responsibilities + responsible + deputy"),
        (ANCHORINGS, 4, "anchorings + sponsors + parties + organisations"),
        (COMMITMENTS, 4, "commitments + parties"),
    ],
)
def test_child_list_queries_do_not_grow(coordinator_api, n, endpoint, queries, what, django_assert_num_queries):
    child_rows(n)

    # user permissions, group permissions, COUNT for the page, then `what`
    with django_assert_num_queries(queries):
        response = coordinator_api.get(endpoint)

    assert response.status_code == 200
    assert response.json()["count"] == n


# --- Agreements: writing ---------------------------------------------------------------------


def test_agreement_create_answers_with_the_nested_representation(coordinator_api):
    coordinator = PersonFactory()

    response = coordinator_api.post(AGREEMENTS, agreement_payload(coordinator=coordinator.pk), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == AGREEMENT_KEYS
    assert body["status"] == "draft"
    assert body["coordinator_name"] == coordinator.full_name
    assert body["parties"] == []
    assert response["Location"].endswith(f"{AGREEMENTS}{body['id']}/")
    agreement = Agreement.objects.get(pk=body["id"])
    assert (agreement.title, agreement.reference, agreement.valid_to) == (
        "Unga till arbete", "KS 2026/501", dt.date(2028, 12, 31),
    )  # fmt: skip


def test_agreement_status_and_lifecycle_fields_are_not_writable(coordinator_api):
    response = coordinator_api.post(
        AGREEMENTS,
        agreement_payload(status="active", terminated_on="2026-05-01", termination_reason="x", renewed_from=None),
        format="json",
    )

    assert response.status_code == 201, response.json()
    agreement = Agreement.objects.get(pk=response.json()["id"])
    assert (agreement.status, agreement.terminated_on, agreement.termination_reason) == ("draft", None, "")


def test_agreement_patch(coordinator_api):
    agreement = agreement_with()

    response = coordinator_api.patch(url(AGREEMENTS, agreement), {"goals": "Nya mål"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["goals"] == "Nya mål"
    assert len(response.json()["parties"]) == 2
    agreement.refresh_from_db()
    assert agreement.goals == "Nya mål"


def test_agreement_put_replaces_fields(coordinator_api):
    agreement = AgreementFactory(title="Gammal", purpose="Gammalt syfte")

    response = coordinator_api.put(url(AGREEMENTS, agreement), agreement_payload(purpose=""), format="json")

    assert response.status_code == 200, response.json()
    agreement.refresh_from_db()
    assert (agreement.title, agreement.purpose) == ("Unga till arbete", "")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"valid_from": "2026-05-01", "valid_to": "2026-04-30"}, "valid_to", "cannot be before the start date"),
        ({"ambition": "world_domination"}, "ambition", "not a valid choice"),
        ({"review_interval_months": 0}, "review_interval_months", "greater than or equal to 1"),
        ({"assessment_interval_months": 61}, "assessment_interval_months", "less than or equal to 60"),
        ({"notice_period_months": -1}, "notice_period_months", "greater than or equal to 0"),
        ({"title": ""}, "title", "may not be blank"),
        ({"coordinator": 999999}, "coordinator", "does not exist"),
        ({"valid_from": "1 januari"}, "valid_from", "wrong format"),
        # Far-off dates are refused before the lifecycle's date arithmetic could overflow.
        ({"valid_from": "9999-12-01", "valid_to": None}, "valid_from", "Enter a date between"),
        ({"next_review_on": "1066-10-14"}, "next_review_on", "Enter a date between"),
    ],
)
def test_agreement_create_rejects_bad_input(coordinator_api, overrides, field, message):
    response = coordinator_api.post(AGREEMENTS, agreement_payload(**overrides), format="json")

    assert response.status_code == 400
    assert message in messages(response, field)
    assert not Agreement.objects.exists()


def test_agreement_patch_end_before_existing_start_is_refused(coordinator_api):
    agreement = AgreementFactory(valid_from=dt.date(2026, 1, 1))

    response = coordinator_api.patch(url(AGREEMENTS, agreement), {"valid_to": "2025-12-31"}, format="json")

    assert response.status_code == 400
    assert "cannot be before the start date" in messages(response, "valid_to")


def test_agreement_duplicate_reference_is_a_field_error(coordinator_api):
    AgreementFactory(reference="KS 2026/501")

    response = coordinator_api.post(AGREEMENTS, agreement_payload(reference=" KS 2026/501 "), format="json")

    assert response.status_code == 400
    assert response.json() == {"reference": ["An agreement with this reference already exists."]}


def test_agreements_without_reference_may_be_many(coordinator_api):
    AgreementFactory(reference="")

    response = coordinator_api.post(AGREEMENTS, agreement_payload(reference=""), format="json")

    assert response.status_code == 201, response.json()


def document_url(agreement) -> str:
    return f"{url(AGREEMENTS, agreement)}document/"


def test_agreement_document_upload(coordinator_api, media):
    agreement = AgreementFactory()
    document = SimpleUploadedFile("avtal.pdf", PDF, content_type="application/pdf")

    response = coordinator_api.put(document_url(agreement), {"document": document}, format="multipart")

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == agreement.pk
    assert response.json()["document"].startswith("http://testserver/documents/agreements/")
    assert response.json()["document"].endswith(".pdf")
    agreement.refresh_from_db()
    assert agreement.document.read() == PDF


def test_agreement_document_can_be_replaced_and_removed(coordinator_api, media):
    agreement = AgreementFactory()
    for name in ("avtal.pdf", "signerat.pdf"):
        upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
        replaced = coordinator_api.put(document_url(agreement), {"document": upload}, format="multipart")
        assert replaced.status_code == 200, replaced.json()
    assert "signerat" in replaced.json()["document"]

    removed = coordinator_api.delete(document_url(agreement))
    assert removed.status_code == 200, removed.json()
    assert removed.json()["document"] is None
    agreement.refresh_from_db()
    assert not agreement.document


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("avtal.pdf", b"PK\x03\x04 a zip pretending", "not a PDF"),
        ("avtal.docx", PDF, "extension"),
    ],
)
def test_agreement_document_must_be_a_pdf(coordinator_api, media, name, content, message):
    agreement = AgreementFactory()
    document = SimpleUploadedFile(name, content)

    response = coordinator_api.put(document_url(agreement), {"document": document}, format="multipart")

    assert response.status_code == 400
    assert message in messages(response, "document")
    agreement.refresh_from_db()
    assert not agreement.document


def test_agreement_document_size_limit(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024
    agreement = AgreementFactory()
    document = SimpleUploadedFile("avtal.pdf", PDF + b"0" * 2048, content_type="application/pdf")

    response = coordinator_api.put(document_url(agreement), {"document": document}, format="multipart")

    assert response.status_code == 400
    assert "too large" in messages(response, "document")


def test_agreement_document_upload_needs_a_file(coordinator_api, media):
    agreement = AgreementFactory()

    missing = coordinator_api.put(document_url(agreement), {}, format="multipart")
    as_json = coordinator_api.put(document_url(agreement), {"document": "avtal.pdf"}, format="json")

    assert missing.status_code == 400
    assert "document" in missing.json()
    assert as_json.status_code == 415
    assert "application/json" in as_json.json()["detail"]


def test_agreement_writes_take_json_and_refuse_forms(coordinator_api):
    """One body type per write, so a generated client offers one (issue 13, item 12)."""
    as_form = coordinator_api.post(AGREEMENTS, form_payload(), format="multipart")
    as_json = coordinator_api.post(AGREEMENTS, agreement_payload(), format="json")

    assert as_form.status_code == 415
    assert "multipart/form-data" in as_form.json()["detail"]
    assert as_json.status_code == 201, as_json.json()
    assert not Agreement.objects.filter(pk__lt=as_json.json()["id"]).exists()


def test_agreement_delete(coordinator_api):
    agreement = agreement_with()

    assert coordinator_api.delete(url(AGREEMENTS, agreement)).status_code == 204
    assert not Agreement.objects.exists()
    assert not Party.objects.exists()


def test_agreement_delete_blocked_by_a_protected_reference_is_409(coordinator_api, monkeypatch):
    agreement = AgreementFactory()

    def refuse(self, *args, **kwargs):
        raise ProtectedError("protected", {agreement})

    # Nothing PROTECTs an agreement yet (assessment rounds will); the answer is wired already.
    monkeypatch.setattr(Agreement, "delete", refuse)
    response = coordinator_api.delete(url(AGREEMENTS, agreement))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Other records still refer to this agreement.",
        "blocked_by": {"agreements.agreement": 1},
    }


# --- Agreements: lifecycle -------------------------------------------------------------------


def test_activate(coordinator_api):
    agreement = activatable_draft()
    Agreement.objects.filter(pk=agreement.pk).update(next_review_on=None)

    response = coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    assert response.json()["next_review_on"] == "2027-01-01"
    assert len(response.json()["parties"]) == 2


def test_activate_without_two_parties_is_refused_with_a_clear_message(coordinator_api):
    party = PartyFactory()
    ResponsibilityFactory(agreement=party.agreement, responsible=PersonFactory(organization=party.organization))
    Agreement.objects.filter(pk=party.agreement_id).update(coordinator=PersonFactory())

    response = coordinator_api.post(url(AGREEMENTS, party.agreement, "activate/"))

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["The agreement cannot be activated: it needs at least two parties."]
    }
    party.agreement.refresh_from_db()
    assert party.agreement.status == "draft"


def test_activate_lists_every_missing_piece(coordinator_api):
    agreement = AgreementFactory(valid_from=None, valid_to=None)

    response = coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    assert response.status_code == 400
    message = messages(response, "non_field_errors")
    assert "start date" in message
    assert "two parties" in message
    assert "one responsibility" in message


def test_activate_an_active_agreement_is_refused(coordinator_api):
    agreement = activatable_draft()
    assert coordinator_api.post(url(AGREEMENTS, agreement, "activate/")).status_code == 200

    response = coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    assert response.status_code == 400
    assert "Only a draft can be activated" in messages(response, "non_field_errors")


def test_terminate_then_terminate_again_is_refused(coordinator_api):
    agreement = activatable_draft()
    coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    first = coordinator_api.post(
        url(AGREEMENTS, agreement, "terminate/"), {"on": "2026-09-01", "reason": " Projektet avslutat "}
    )
    second = coordinator_api.post(url(AGREEMENTS, agreement, "terminate/"), {})

    assert first.status_code == 200, first.json()
    body = first.json()
    assert (body["status"], body["terminated_on"], body["termination_reason"]) == (
        "terminated", "2026-09-01", "Projektet avslutat",
    )  # fmt: skip
    assert second.status_code == 400
    assert "this agreement is terminated" in messages(second, "non_field_errors")
    agreement.refresh_from_db()
    assert agreement.terminated_on == dt.date(2026, 9, 1)


def test_terminate_without_a_body_uses_today(coordinator_api, today):
    agreement = AgreementFactory()

    response = coordinator_api.post(url(AGREEMENTS, agreement, "terminate/"))

    assert response.status_code == 200, response.json()
    assert response.json()["terminated_on"] == today.isoformat()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"on": "2025-12-31"}, "on", "cannot be before the start date"),
        ({"on": "igår"}, "on", "wrong format"),
        ({"on": "2200-01-01"}, "on", "Enter a date between"),
    ],
)
def test_terminate_refusals_name_the_field(coordinator_api, payload, field, message):
    agreement = AgreementFactory(valid_from=dt.date(2026, 1, 1))

    response = coordinator_api.post(url(AGREEMENTS, agreement, "terminate/"), payload)

    assert response.status_code == 400
    assert message in messages(response, field)
    agreement.refresh_from_db()
    assert agreement.status == "draft"


def test_renew_answers_201_with_the_new_draft(coordinator_api):
    agreement = agreement_with(parties=3, responsibilities=2, coordinated=True)
    coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    response = coordinator_api.post(url(AGREEMENTS, agreement, "renew/"), {})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] != agreement.pk
    assert body["renewed_from"] == agreement.pk
    assert (body["status"], body["valid_from"], body["valid_to"]) == ("draft", "2029-01-01", "2031-12-31")
    assert len(body["parties"]) == 3
    assert len(body["responsibilities"]) == 2
    assert response["Location"].endswith(f"{AGREEMENTS}{body['id']}/")


def test_renew_with_dates(coordinator_api):
    agreement = activatable_draft()
    coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    response = coordinator_api.post(
        url(AGREEMENTS, agreement, "renew/"), {"valid_from": "2029-03-01", "valid_to": "2030-02-28"}
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["valid_from"], response.json()["valid_to"]) == ("2029-03-01", "2030-02-28")


def test_renew_refusals(coordinator_api):
    draft = activatable_draft()
    refused_draft = coordinator_api.post(url(AGREEMENTS, draft, "renew/"), {})
    assert refused_draft.status_code == 400
    assert "Only an active or expired agreement" in messages(refused_draft, "non_field_errors")

    coordinator_api.post(url(AGREEMENTS, draft, "activate/"))
    backwards = coordinator_api.post(
        url(AGREEMENTS, draft, "renew/"), {"valid_from": "2029-03-01", "valid_to": "2029-01-01"}
    )
    assert backwards.status_code == 400
    assert "cannot be before the start date" in messages(backwards, "valid_to")

    assert coordinator_api.post(url(AGREEMENTS, draft, "renew/"), {}).status_code == 201
    twice = coordinator_api.post(url(AGREEMENTS, draft, "renew/"), {})
    assert twice.status_code == 400
    assert "already been renewed" in messages(twice, "non_field_errors")
    assert Agreement.objects.filter(renewed_from=draft).count() == 1


def test_renew_into_a_far_off_year_is_refused(coordinator_api):
    agreement = activatable_draft()
    coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    response = coordinator_api.post(url(AGREEMENTS, agreement, "renew/"), {"valid_from": "9999-12-31"})

    assert response.status_code == 400
    assert "Enter a date between" in messages(response, "valid_from")


def test_renew_open_ended_agreement_needs_a_start(coordinator_api):
    agreement = agreement_with(coordinated=True)
    Agreement.objects.filter(pk=agreement.pk).update(valid_to=None)
    coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    response = coordinator_api.post(url(AGREEMENTS, agreement, "renew/"), {})

    assert response.status_code == 400
    assert "start date of the new period" in messages(response, "valid_from")


def test_lifecycle_action_on_unknown_agreement_is_404(coordinator_api):
    assert coordinator_api.post(f"{AGREEMENTS}999999/activate/").status_code == 404


# --- Agreements: filters ---------------------------------------------------------------------


@pytest.fixture
def portfolio(today):
    region = OrganizationFactory(name="Region Skåne", sector="region")
    university = OrganizationFactory(name="Lunds universitet", sector="academia")
    city = OrganizationFactory(name="Malmö stad", sector="municipality")
    youth = AgreementFactory(
        title="Unga till arbete", reference="KS 2026/1", purpose="Sysselsättning",
        valid_to=today + dt.timedelta(days=30), next_review_on=today - dt.timedelta(days=1),
    )  # fmt: skip
    health = AgreementFactory(
        title="Jämlik hälsa", reference="RS 2026/7", purpose="Folkhälsa",
        valid_to=today + dt.timedelta(days=400), next_review_on=today + dt.timedelta(days=10),
    )  # fmt: skip
    research = AgreementFactory(
        title="Forskningssamverkan", reference="", purpose="Unga forskare",
        valid_to=today - dt.timedelta(days=5), next_review_on=None,
    )  # fmt: skip
    Agreement.objects.filter(pk=health.pk).update(status=AgreementStatus.ACTIVE)
    Agreement.objects.filter(pk=research.pk).update(status=AgreementStatus.EXPIRED)
    PartyFactory(agreement=youth, organization=city)
    PartyFactory(agreement=youth, organization=region)
    PartyFactory(agreement=health, organization=region)
    PartyFactory(agreement=research, organization=university)
    return {
        "region": region,
        "university": university,
        "city": city,
        "youth": youth,
        "health": health,
        "research": research,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Forskningssamverkan", "Jämlik hälsa", "Unga till arbete"]),
        ("q=unga", ["Forskningssamverkan", "Unga till arbete"]),
        ("q=RS%202026", ["Jämlik hälsa"]),
        ("q=%20", ["Forskningssamverkan", "Jämlik hälsa", "Unga till arbete"]),
        ("status=draft", ["Unga till arbete"]),
        ("status=active&status=expired", ["Forskningssamverkan", "Jämlik hälsa"]),
        ("sector=region", ["Jämlik hälsa", "Unga till arbete"]),
        ("sector=academia&sector=municipality", ["Forskningssamverkan", "Unga till arbete"]),
        ("review_overdue=true", ["Unga till arbete"]),
        ("review_overdue=false", ["Forskningssamverkan", "Jämlik hälsa"]),
        ("expiring_within_days=60", ["Unga till arbete"]),
        ("expiring_within_days=0", []),
        ("expiring_within_days=400", ["Jämlik hälsa", "Unga till arbete"]),
    ],
)
def test_agreement_filters(coordinator_api, portfolio, query, expected):
    response = coordinator_api.get(f"{AGREEMENTS}?{query}")

    assert response.status_code == 200, response.json()
    assert titles(response) == expected


def test_agreement_filter_valid_to_range(coordinator_api, portfolio, today):
    after = (today - dt.timedelta(days=1)).isoformat()
    before = (today + dt.timedelta(days=31)).isoformat()

    assert titles(coordinator_api.get(f"{AGREEMENTS}?valid_to_after={after}")) == ["Jämlik hälsa", "Unga till arbete"]
    assert titles(coordinator_api.get(f"{AGREEMENTS}?valid_to_before={before}")) == [
        "Forskningssamverkan", "Unga till arbete",
    ]  # fmt: skip
    both = coordinator_api.get(f"{AGREEMENTS}?valid_to_after={after}&valid_to_before={before}")
    assert titles(both) == ["Unga till arbete"]


def test_agreement_filter_by_party_organization_lists_each_once(coordinator_api, portfolio):
    response = coordinator_api.get(f"{AGREEMENTS}?organization_id={portfolio['region'].pk}")

    assert titles(response) == ["Jämlik hälsa", "Unga till arbete"]
    assert response.json()["count"] == 2


def test_agreement_filter_by_coordinator(coordinator_api, portfolio):
    person = PersonFactory(organization=portfolio["region"])
    Agreement.objects.filter(pk=portfolio["health"].pk).update(coordinator=person)

    assert titles(coordinator_api.get(f"{AGREEMENTS}?coordinator_id={person.pk}")) == ["Jämlik hälsa"]


@pytest.mark.parametrize("role", ["coordinator", "representative", "responsible", "deputy", "sponsor"])
def test_agreement_filter_by_person_involved_in_any_way(coordinator_api, portfolio, role):
    person = PersonFactory(organization=portfolio["region"])
    agreement = portfolio["health"]
    party = agreement.parties.get()
    other = PersonFactory(organization=portfolio["region"])
    if role == "coordinator":
        Agreement.objects.filter(pk=agreement.pk).update(coordinator=person)
    elif role == "representative":
        RepresentativeFactory(party=party, person=person)
    elif role == "responsible":
        ResponsibilityFactory(agreement=agreement, responsible=person, deputy=other)
    elif role == "deputy":
        ResponsibilityFactory(agreement=agreement, responsible=other, deputy=person)
    else:
        AnchoringFactory(party=party, kind=AnchoringKind.SPONSOR, date=None, person=person)

    assert titles(coordinator_api.get(f"{AGREEMENTS}?person_id={person.pk}")) == ["Jämlik hälsa"]


def test_agreement_filter_by_person_with_many_roles_lists_the_agreement_once(coordinator_api, portfolio):
    agreement = portfolio["youth"]
    person = PersonFactory(organization=portfolio["region"])
    party = agreement.parties.get(organization=portfolio["region"])
    Agreement.objects.filter(pk=agreement.pk).update(coordinator=person)
    RepresentativeFactory(party=party, person=person)
    ResponsibilityFactory.create_batch(3, agreement=agreement, responsible=person)
    AnchoringFactory(party=party, kind=AnchoringKind.SPONSOR, date=None, person=person)

    response = coordinator_api.get(f"{AGREEMENTS}?person_id={person.pk}")

    assert response.json()["count"] == 1
    assert titles(response) == ["Unga till arbete"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=pirated", "status"),
        ("sector=pirates", "sector"),
        ("person_id=abc", "person_id"),
        # Larger than any database id: refused rather than overflowing the database driver.
        ("coordinator_id=99999999999999999999999", "coordinator_id"),
        ("organization_id=1.5", "organization_id"),
        ("valid_to_after=tomorrow", "valid_to_after"),
        ("expiring_within_days=-1", "expiring_within_days"),
    ],
)
def test_agreement_bad_filter_is_400(coordinator_api, query, field):
    response = coordinator_api.get(f"{AGREEMENTS}?{query}")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["Forskningssamverkan", "Jämlik hälsa", "Unga till arbete"]),
        ("-valid_to", ["Jämlik hälsa", "Unga till arbete", "Forskningssamverkan"]),
        ("-party_count,title", ["Unga till arbete", "Forskningssamverkan", "Jämlik hälsa"]),
    ],
)
def test_agreement_ordering(coordinator_api, portfolio, ordering, expected):
    response = coordinator_api.get(f"{AGREEMENTS}?ordering={ordering}")

    assert [row["title"] for row in response.json()["results"]] == expected


# --- Parties ---------------------------------------------------------------------------------


def test_party_create(coordinator_api):
    agreement = AgreementFactory()
    organization = OrganizationFactory(name="Coompanion")

    response = coordinator_api.post(
        PARTIES,
        {"agreement": agreement.pk, "organization": organization.pk, "role": "financier", "contribution": "Medel"},
    )

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "id": response.json()["id"], "agreement": agreement.pk, "organization": organization.pk,
        "organization_name": "Coompanion", "role": "financier", "contribution": "Medel",
        "anchoring_status": "missing",
    }  # fmt: skip


def test_organisation_is_a_party_once_per_agreement(coordinator_api):
    party = PartyFactory()

    response = coordinator_api.post(PARTIES, {"agreement": party.agreement_id, "organization": party.organization_id})

    assert response.status_code == 400
    assert response.json() == {"organization": ["This organisation is already a party to the agreement."]}
    assert Party.objects.count() == 1


def test_same_organisation_may_be_party_to_other_agreements(coordinator_api):
    party = PartyFactory()

    response = coordinator_api.post(
        PARTIES, {"agreement": AgreementFactory().pk, "organization": party.organization_id}
    )

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"role": "overlord"}, "role", "not a valid choice"),
        ({"organization": 999999}, "organization", "does not exist"),
        ({"agreement": None}, "agreement", "may not be null"),
    ],
)
def test_party_create_rejects_bad_input(coordinator_api, overrides, field, message):
    payload = {"agreement": AgreementFactory().pk, "organization": OrganizationFactory().pk, **overrides}

    response = coordinator_api.post(PARTIES, payload)

    assert response.status_code == 400
    assert message in messages(response, field)


def test_party_patch_and_no_move_to_another_agreement(coordinator_api):
    party = PartyFactory(contribution="")

    patched = coordinator_api.patch(url(PARTIES, party), {"contribution": "Lokaler", "role": "owner"})
    moved = coordinator_api.patch(url(PARTIES, party), {"agreement": AgreementFactory().pk})

    assert patched.status_code == 200, patched.json()
    assert (patched.json()["contribution"], patched.json()["role"]) == ("Lokaler", "owner")
    assert moved.status_code == 400
    assert "cannot be moved to another agreement" in messages(moved, "agreement")


def test_party_put_with_same_agreement(coordinator_api):
    party = PartyFactory()

    response = coordinator_api.put(
        url(PARTIES, party),
        {"agreement": party.agreement_id, "organization": party.organization_id, "role": "expert", "contribution": ""},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["role"] == "expert"


def test_party_delete_takes_its_representatives_along(coordinator_api):
    party = PartyFactory()
    RepresentativeFactory(party=party)

    assert coordinator_api.delete(url(PARTIES, party)).status_code == 204
    assert not Representative.objects.exists()


def test_party_filters(coordinator_api):
    region = OrganizationFactory(name="Region Skåne", sector="region")
    agreement = AgreementFactory()
    mine = PartyFactory(agreement=agreement, organization=region, role="owner")
    PartyFactory(agreement=agreement, role="partner")
    PartyFactory(organization=region)

    def ids(query):
        return sorted(row["id"] for row in coordinator_api.get(f"{PARTIES}?{query}").json()["results"])

    assert ids(f"agreement_id={agreement.pk}&organization_id={region.pk}") == [mine.pk]
    assert ids(f"agreement_id={agreement.pk}&role=owner") == [mine.pk]
    assert ids(f"agreement_id={agreement.pk}&sector=region") == [mine.pk]
    assert ids("q=region%20sk") == sorted(Party.objects.filter(organization=region).values_list("pk", flat=True))


# --- Representatives -------------------------------------------------------------------------


def test_representative_create_takes_the_agreement_from_the_party(coordinator_api):
    party = PartyFactory()
    person = PersonFactory(organization=party.organization)
    other_agreement = AgreementFactory()

    response = coordinator_api.post(
        REPRESENTATIVES,
        {"party": party.pk, "person": person.pk, "mandate": "decide", "hours_per_month": "12.5",
         "is_primary": True, "agreement": other_agreement.pk},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agreement"] == party.agreement_id
    assert body["person_name"] == person.full_name
    assert body["hours_per_month"] == "12.5"
    assert Representative.objects.get().agreement_id == party.agreement_id


def test_representative_of_a_sub_organisation_is_accepted(coordinator_api):
    kommun = OrganizationFactory()
    party = PartyFactory(organization=kommun)
    person = PersonFactory(organization=OrganizationFactory(parent=kommun))

    response = coordinator_api.post(REPRESENTATIVES, {"party": party.pk, "person": person.pk})

    assert response.status_code == 201, response.json()


def test_representative_must_belong_to_that_partys_organisation(coordinator_api):
    party = PartyFactory()
    other_party = PartyFactory(agreement=party.agreement)
    person = PersonFactory(organization=other_party.organization)

    response = coordinator_api.post(REPRESENTATIVES, {"party": party.pk, "person": person.pk})

    assert response.status_code == 400
    assert "must belong to the party's organisation" in messages(response, "person")


def test_representative_once_per_party(coordinator_api):
    rep = RepresentativeFactory()

    response = coordinator_api.post(REPRESENTATIVES, {"party": rep.party_id, "person": rep.person_id})

    assert response.status_code == 400
    assert response.json() == {"person": ["This person already represents the party."]}


def test_one_primary_representative_per_party(coordinator_api):
    rep = RepresentativeFactory(is_primary=True)
    colleague = PersonFactory(organization=rep.party.organization)

    response = coordinator_api.post(
        REPRESENTATIVES, {"party": rep.party_id, "person": colleague.pk, "is_primary": True}
    )

    assert response.status_code == 400
    assert response.json() == {"is_primary": ["The party already has a primary representative."]}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"mandate": "veto"}, "mandate", "not a valid choice"),
        ({"hours_per_month": "745"}, "hours_per_month", "less than or equal to 744"),
        ({"hours_per_month": "-1"}, "hours_per_month", "greater than or equal to 0"),
        ({"hours_per_month": "many"}, "hours_per_month", "valid number"),
        ({"person": None}, "person", "may not be null"),
    ],
)
def test_representative_scales_and_choices(coordinator_api, overrides, field, message):
    party = PartyFactory()
    payload = {"party": party.pk, "person": PersonFactory(organization=party.organization).pk, **overrides}

    response = coordinator_api.post(REPRESENTATIVES, payload)

    assert response.status_code == 400
    assert message in messages(response, field)


def test_representative_cannot_move_to_a_party_of_another_agreement(coordinator_api):
    rep = RepresentativeFactory()
    elsewhere = PartyFactory(organization=rep.party.organization)

    response = coordinator_api.patch(url(REPRESENTATIVES, rep), {"party": elsewhere.pk})

    assert response.status_code == 400
    assert "belongs to another agreement" in messages(response, "party")


def test_representative_patch_and_delete(coordinator_api):
    rep = RepresentativeFactory(mandate=Mandate.PREPARE)

    response = coordinator_api.patch(url(REPRESENTATIVES, rep), {"mandate": "decide"})

    assert response.status_code == 200, response.json()
    assert response.json()["mandate"] == "decide"
    assert coordinator_api.delete(url(REPRESENTATIVES, rep)).status_code == 204


def test_representative_filters(coordinator_api):
    party = PartyFactory()
    decider = RepresentativeFactory(party=party, mandate=Mandate.DECIDE, is_primary=True)
    preparer = RepresentativeFactory(party=party, mandate=Mandate.PREPARE)
    RepresentativeFactory()

    def ids(query):
        return sorted(row["id"] for row in coordinator_api.get(f"{REPRESENTATIVES}?{query}").json()["results"])

    assert ids(f"party_id={party.pk}") == [decider.pk, preparer.pk]
    assert ids(f"agreement_id={party.agreement_id}&mandate=prepare") == [preparer.pk]
    assert ids(f"person_id={decider.person_id}") == [decider.pk]
    assert ids(f"party_id={party.pk}&is_primary=true") == [decider.pk]
    assert ids(f"q={preparer.person.last_name}") == [preparer.pk]


# --- Responsibilities ------------------------------------------------------------------------


@pytest.fixture
def two_parties():
    agreement = AgreementFactory()
    first, second = PartyFactory(agreement=agreement), PartyFactory(agreement=agreement)
    return {
        "agreement": agreement,
        "anna": PersonFactory(organization=first.organization),
        "bo": PersonFactory(organization=second.organization),
    }


def test_responsibility_create(coordinator_api, two_parties):
    response = coordinator_api.post(
        RESPONSIBILITIES,
        {"agreement": two_parties["agreement"].pk, "title": "Samordning", "kind": "coordination",
         "responsible": two_parties["anna"].pk, "deputy": two_parties["bo"].pk},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["responsible_name"], body["deputy_name"]) == (
        two_parties["anna"].full_name, two_parties["bo"].full_name,
    )  # fmt: skip


def test_deputy_is_never_the_responsible_person(coordinator_api, two_parties):
    anna = two_parties["anna"]

    response = coordinator_api.post(
        RESPONSIBILITIES,
        {"agreement": two_parties["agreement"].pk, "title": "Samordning", "responsible": anna.pk, "deputy": anna.pk},
    )

    assert response.status_code == 400
    assert response.json() == {"deputy": ["The deputy cannot be the responsible person."]}


def test_deputy_becoming_the_responsible_on_patch_is_refused(coordinator_api, two_parties):
    role = ResponsibilityFactory(
        agreement=two_parties["agreement"], responsible=two_parties["anna"], deputy=two_parties["bo"]
    )

    response = coordinator_api.patch(url(RESPONSIBILITIES, role), {"responsible": two_parties["bo"].pk})

    assert response.status_code == 400
    assert "cannot be the responsible person" in messages(response, "deputy")


@pytest.mark.parametrize("field", ["responsible", "deputy"])
def test_role_holders_belong_to_a_party(coordinator_api, two_parties, field):
    outsider = PersonFactory()
    payload = {"agreement": two_parties["agreement"].pk, "title": "Ekonomi", "responsible": two_parties["anna"].pk}
    payload[field] = outsider.pk

    response = coordinator_api.post(RESPONSIBILITIES, payload)

    assert response.status_code == 400
    assert "does not belong to any of the agreement's parties" in messages(response, field)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "glory"}, "kind", "not a valid choice"),
        ({"title": ""}, "title", "may not be blank"),
        ({"responsible": None}, "responsible", "may not be null"),
    ],
)
def test_responsibility_rejects_bad_input(coordinator_api, two_parties, overrides, field, message):
    payload = {"agreement": two_parties["agreement"].pk, "title": "Ekonomi", "responsible": two_parties["anna"].pk}

    response = coordinator_api.post(RESPONSIBILITIES, {**payload, **overrides})

    assert response.status_code == 400
    assert message in messages(response, field)


def test_responsibility_cannot_move_to_another_agreement(coordinator_api, two_parties):
    role = ResponsibilityFactory(agreement=two_parties["agreement"], responsible=two_parties["anna"])

    response = coordinator_api.patch(url(RESPONSIBILITIES, role), {"agreement": AgreementFactory().pk})

    assert response.status_code == 400
    assert "agreement" in response.json()


def test_responsibility_filters(coordinator_api, two_parties):
    anna, bo = two_parties["anna"], two_parties["bo"]
    agreement = two_parties["agreement"]
    lead = ResponsibilityFactory(agreement=agreement, title="Styrgrupp", kind="steering", responsible=anna, deputy=bo)
    money = ResponsibilityFactory(agreement=agreement, title="Ekonomi", kind="finance", responsible=bo)
    ResponsibilityFactory()

    def ids(query):
        return sorted(row["id"] for row in coordinator_api.get(f"{RESPONSIBILITIES}?{query}").json()["results"])

    assert ids(f"agreement_id={agreement.pk}") == sorted([lead.pk, money.pk])
    assert ids(f"person_id={bo.pk}") == sorted([lead.pk, money.pk])
    assert ids(f"responsible_id={bo.pk}") == [money.pk]
    assert ids(f"deputy_id={bo.pk}") == [lead.pk]
    assert ids(f"agreement_id={agreement.pk}&kind=finance&kind=steering") == sorted([lead.pk, money.pk])
    assert ids(f"agreement_id={agreement.pk}&has_deputy=false") == [money.pk]
    assert ids(f"agreement_id={agreement.pk}&has_deputy=true") == [lead.pk]
    assert ids("q=styrgr") == [lead.pk]


# --- Anchorings ------------------------------------------------------------------------------


def test_anchoring_create_decision(coordinator_api):
    party = PartyFactory()

    response = coordinator_api.post(
        ANCHORINGS,
        {"party": party.pk, "kind": "decision", "body": "Kommunstyrelsen", "reference": "KS 2026/9",
         "date": "2026-02-01"},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    assert response.json()["agreement"] == party.agreement_id
    assert Anchoring.objects.get().agreement_id == party.agreement_id


def test_anchoring_create_sponsor(coordinator_api):
    party = PartyFactory()
    sponsor = PersonFactory(organization=party.organization)

    response = coordinator_api.post(ANCHORINGS, {"party": party.pk, "kind": "sponsor", "person": sponsor.pk})

    assert response.status_code == 201, response.json()
    assert response.json()["person_name"] == sponsor.full_name


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"kind": "sponsor"}, "person", "names the sponsor"),
        ({"kind": "decision"}, "date", "A decision has a date"),
        ({"kind": "rumour"}, "kind", "not a valid choice"),
        ({"kind": "plan", "date": "2026-13-01"}, "date", "wrong format"),
        ({"kind": "plan", "date": "0001-01-01"}, "date", "Enter a date between"),
    ],
)
def test_anchoring_rules(coordinator_api, payload, field, message):
    party = PartyFactory()

    response = coordinator_api.post(ANCHORINGS, {"party": party.pk, **payload})

    assert response.status_code == 400
    assert message in messages(response, field)
    assert not Anchoring.objects.exists()


def test_sponsor_belongs_to_that_partys_own_organisation(coordinator_api):
    party = PartyFactory()
    other_party = PartyFactory(agreement=party.agreement)

    response = coordinator_api.post(
        ANCHORINGS,
        {"party": party.pk, "kind": "sponsor", "person": PersonFactory(organization=other_party.organization).pk},
    )

    assert response.status_code == 400
    assert "must belong to the party's own organisation" in messages(response, "person")


def test_anchoring_filters(coordinator_api):
    party = PartyFactory()
    decision = AnchoringFactory(party=party, body="Regionstyrelsen")
    sponsor = AnchoringFactory(
        party=party, kind=AnchoringKind.SPONSOR, date=None, person=PersonFactory(organization=party.organization)
    )
    AnchoringFactory()

    def ids(query):
        return sorted(row["id"] for row in coordinator_api.get(f"{ANCHORINGS}?{query}").json()["results"])

    assert ids(f"party_id={party.pk}") == sorted([decision.pk, sponsor.pk])
    assert ids(f"agreement_id={party.agreement_id}&kind=sponsor") == [sponsor.pk]
    assert ids(f"person_id={sponsor.person_id}") == [sponsor.pk]
    assert ids("q=regionstyr") == [decision.pk]


# --- Commitments -----------------------------------------------------------------------------


def test_commitment_create_patch_and_delete(coordinator_api):
    party = PartyFactory()

    created = coordinator_api.post(
        COMMITMENTS, {"party": party.pk, "description": "Två praktikplatser", "due_on": "2026-12-31"}
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["agreement"], created.json()["status"]) == (party.agreement_id, "planned")
    commitment = Commitment.objects.get()

    patched = coordinator_api.patch(url(COMMITMENTS, commitment), {"status": "done"})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["status"] == "done"

    assert coordinator_api.delete(url(COMMITMENTS, commitment)).status_code == 204


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"status": "forgotten"}, "status", "not a valid choice"),
        ({"description": ""}, "description", "may not be blank"),
        ({"description": "x" * 501}, "description", "no more than 500 characters"),
        ({"party": 999999}, "party", "does not exist"),
    ],
)
def test_commitment_rejects_bad_input(coordinator_api, overrides, field, message):
    payload = {"party": PartyFactory().pk, "description": "Lokaler", **overrides}

    response = coordinator_api.post(COMMITMENTS, payload)

    assert response.status_code == 400
    assert message in messages(response, field)


def test_commitment_filters(coordinator_api, today):
    party = PartyFactory()
    soon = CommitmentFactory(party=party, due_on=today + dt.timedelta(days=5), status="in_progress")
    later = CommitmentFactory(party=party, due_on=today + dt.timedelta(days=90), description="Utvärdering")
    CommitmentFactory()

    def ids(query):
        return sorted(row["id"] for row in coordinator_api.get(f"{COMMITMENTS}?{query}").json()["results"])

    assert ids(f"party_id={party.pk}") == sorted([soon.pk, later.pk])
    assert ids(f"agreement_id={party.agreement_id}&status=in_progress") == [soon.pk]
    due_before = (today + dt.timedelta(days=30)).isoformat()
    assert ids(f"party_id={party.pk}&due_before={due_before}") == [soon.pk]
    assert ids(f"party_id={party.pk}&due_after={due_before}") == [later.pk]
    assert ids("q=utvärd") == [later.pk]


# --- Hand-over -------------------------------------------------------------------------------


@pytest.fixture
def leaver_with_roles():
    """A person who coordinates, represents, sponsors, holds one role and deputises in another."""
    agreement = AgreementFactory()
    party = PartyFactory(agreement=agreement)
    other = PartyFactory(agreement=agreement)
    leaver = PersonFactory(organization=party.organization)
    colleague = PersonFactory(organization=other.organization)
    Agreement.objects.filter(pk=agreement.pk).update(coordinator=leaver)
    RepresentativeFactory(party=party, person=leaver)
    AnchoringFactory(party=party, kind=AnchoringKind.SPONSOR, date=None, person=leaver)
    ResponsibilityFactory(agreement=agreement, responsible=leaver, deputy=colleague)
    ResponsibilityFactory(agreement=agreement, responsible=colleague, deputy=leaver)
    return {"agreement": agreement, "party": party, "leaver": leaver, "colleague": colleague}


def test_hand_over_moves_everything(coordinator_api, leaver_with_roles):
    leaver = leaver_with_roles["leaver"]
    successor = PersonFactory(organization=leaver.organization)

    response = coordinator_api.post(hand_over_url(leaver), {"successor": successor.pk, "left_on": "2026-10-31"})

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "responsibilities": 1, "deputyships": 1, "representations": 1, "sponsorships": 1,
        "coordinator_roles": 1, "total": 5,
    }  # fmt: skip
    agreement = leaver_with_roles["agreement"]
    agreement.refresh_from_db()
    assert agreement.coordinator == successor
    assert not Responsibility.objects.filter(responsible=leaver).exists()
    assert not Responsibility.objects.filter(deputy=leaver).exists()
    assert Responsibility.objects.filter(responsible=successor).count() == 1
    assert Responsibility.objects.filter(deputy=successor).count() == 1
    assert list(Representative.objects.filter(party=leaver_with_roles["party"]).values_list("person", flat=True)) == [
        successor.pk
    ]
    assert Anchoring.objects.get(kind=AnchoringKind.SPONSOR).person == successor
    leaver.refresh_from_db()
    assert leaver.left_on == dt.date(2026, 10, 31)
    # The agreement read afterwards shows the successor everywhere.
    body = coordinator_api.get(url(AGREEMENTS, agreement)).json()
    assert body["coordinator"] == successor.pk
    holders = {role["responsible"] for role in body["responsibilities"]} | {
        role["deputy"] for role in body["responsibilities"]
    }
    assert leaver.pk not in holders


def test_hand_over_without_leaving_date_uses_today(coordinator_api, leaver_with_roles, today):
    leaver = leaver_with_roles["leaver"]
    successor = PersonFactory(organization=leaver.organization)

    response = coordinator_api.post(hand_over_url(leaver), {"successor": successor.pk})

    assert response.status_code == 200, response.json()
    leaver.refresh_from_db()
    assert leaver.left_on == today


def test_hand_over_refusals(coordinator_api, leaver_with_roles):
    leaver = leaver_with_roles["leaver"]

    to_self = coordinator_api.post(hand_over_url(leaver), {"successor": leaver.pk})
    assert to_self.status_code == 400
    assert "must be another person" in messages(to_self, "successor")

    gone = PersonFactory(organization=leaver.organization, left_on=dt.date(2020, 1, 1))
    to_gone = coordinator_api.post(hand_over_url(leaver), {"successor": gone.pk})
    assert to_gone.status_code == 400
    assert "has left" in messages(to_gone, "successor")

    far_off = coordinator_api.post(hand_over_url(leaver), {"successor": gone.pk, "left_on": "9999-12-31"})
    assert far_off.status_code == 400
    assert "Enter a date between" in messages(far_off, "left_on")

    assert "successor" in coordinator_api.post(hand_over_url(leaver), {}).json()
    assert "successor" in coordinator_api.post(hand_over_url(leaver), {"successor": 999999}).json()
    assert coordinator_api.post("/api/v1/persons/999999/hand-over/", {"successor": leaver.pk}).status_code == 404


def test_hand_over_to_an_outsider_is_refused_and_changes_nothing(coordinator_api, leaver_with_roles):
    leaver = leaver_with_roles["leaver"]

    response = coordinator_api.post(hand_over_url(leaver), {"successor": PersonFactory().pk})

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    leaver.refresh_from_db()
    assert leaver.left_on is None
    assert Responsibility.objects.filter(responsible=leaver).exists()


def test_hand_over_needs_change_permission_on_responsibilities_and_people(client_as, leaver_with_roles, reader):
    leaver = leaver_with_roles["leaver"]
    payload = {"successor": PersonFactory(organization=leaver.organization).pk}
    half = UserFactory()
    half.user_permissions.add(Permission.objects.get(codename="change_person"))
    full = UserFactory()
    full.user_permissions.add(
        Permission.objects.get(codename="change_person"), Permission.objects.get(codename="change_responsibility")
    )

    assert client_as(reader).post(hand_over_url(leaver), payload).status_code == 403
    assert client_as(half).post(hand_over_url(leaver), payload).status_code == 403
    leaver.refresh_from_db()
    assert leaver.left_on is None
    assert client_as(full).post(hand_over_url(leaver), payload).status_code == 200


def test_hand_over_anonymous_is_401(api_client, leaver_with_roles):
    response = api_client.post(hand_over_url(leaver_with_roles["leaver"]), {"successor": 1})

    assert response.status_code == 401


# --- Authentication and permissions ----------------------------------------------------------


@pytest.mark.parametrize("endpoint", ALL_LISTS)
def test_anonymous_gets_401(api_client, endpoint):
    response = api_client.get(endpoint)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("endpoint", ALL_LISTS)
def test_user_without_permissions_gets_403(client_as, no_perm_user, endpoint):
    assert client_as(no_perm_user).get(endpoint).status_code == 403


def test_reader_reads_everything(reader_api):
    agreement = agreement_with()
    party = agreement.parties.first()

    for endpoint in ALL_LISTS:
        assert reader_api.get(endpoint).status_code == 200, endpoint
    assert reader_api.get(url(AGREEMENTS, agreement)).status_code == 200
    assert reader_api.get(url(PARTIES, party)).status_code == 200
    assert reader_api.get(url(REPRESENTATIVES, agreement.representatives.first())).status_code == 200
    assert reader_api.get(url(RESPONSIBILITIES, agreement.responsibilities.first())).status_code == 200
    assert reader_api.get(url(ANCHORINGS, agreement.anchorings.first())).status_code == 200


def test_reader_cannot_write_agreements_or_run_their_lifecycle(reader_api):
    agreement = activatable_draft()

    assert reader_api.post(AGREEMENTS, agreement_payload()).status_code == 403
    assert reader_api.patch(url(AGREEMENTS, agreement), {"title": "Ändrad"}).status_code == 403
    assert reader_api.put(url(AGREEMENTS, agreement), agreement_payload()).status_code == 403
    assert reader_api.delete(url(AGREEMENTS, agreement)).status_code == 403
    for action in ("activate/", "renew/", "terminate/"):
        assert reader_api.post(url(AGREEMENTS, agreement, action)).status_code == 403, action
    agreement.refresh_from_db()
    assert (agreement.status, agreement.title) == ("draft", agreement.title)
    assert Agreement.objects.count() == 1


def test_reader_cannot_write_parts(reader_api):
    agreement = agreement_with()
    party = agreement.parties.first()
    rows = {
        PARTIES: party,
        REPRESENTATIVES: agreement.representatives.first(),
        RESPONSIBILITIES: agreement.responsibilities.first(),
        ANCHORINGS: agreement.anchorings.first(),
        COMMITMENTS: CommitmentFactory(party=party),
    }

    for endpoint, row in rows.items():
        assert reader_api.post(endpoint, {"party": party.pk}).status_code == 403, endpoint
        assert reader_api.patch(url(endpoint, row), {}).status_code == 403, endpoint
        assert reader_api.delete(url(endpoint, row)).status_code == 403, endpoint
    assert Party.objects.count() == 2


def test_lifecycle_actions_anonymous_401_and_no_perm_403(api_client, client_as, no_perm_user):
    agreement = activatable_draft()

    assert api_client.post(url(AGREEMENTS, agreement, "activate/")).status_code == 401
    assert client_as(no_perm_user).post(url(AGREEMENTS, agreement, "activate/")).status_code == 403


def test_token_user_can_write(api_client, coordinator):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=coordinator).key}")

    response = api_client.post(AGREEMENTS, agreement_payload(), format="json")

    assert response.status_code == 201, response.json()


def test_history_records_the_api_user(coordinator_api, coordinator):
    agreement = activatable_draft()

    coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    latest = agreement.history.first()
    assert (latest.status, latest.history_user) == ("active", coordinator)


def test_activate_without_a_coordinator_is_refused_on_the_field(coordinator_api):
    agreement = agreement_with(parties=2, responsibilities=2)
    assert agreement.coordinator_id is None

    response = coordinator_api.post(url(AGREEMENTS, agreement, "activate/"))

    assert response.status_code == 400
    assert list(response.json()) == ["coordinator"]
    assert "needs a coordinator" in messages(response, "coordinator")
    agreement.refresh_from_db()
    assert agreement.status == "draft"


def test_the_coordinator_of_an_active_agreement_cannot_be_removed(coordinator_api):
    agreement = activatable_draft()
    assert coordinator_api.post(url(AGREEMENTS, agreement, "activate/")).status_code == 200

    response = coordinator_api.patch(url(AGREEMENTS, agreement), {"coordinator": None}, format="json")

    assert response.status_code == 400
    assert "needs a coordinator" in messages(response, "coordinator")
    agreement.refresh_from_db()
    assert agreement.coordinator_id is not None
