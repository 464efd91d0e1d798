"""The dialogue: interactions and follow-ups through the API and the admin, the move of a person to another
organisation, careers, last contact and what is due, and their part of a person's export."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import selectors, services
from agreements.models import FollowUp, Interaction, Representative
from stakeholders import privacy
from stakeholders.models import Employment
from tests.factories import (
    AgreementFactory,
    AnchoringFactory,
    CommitmentFactory,
    FollowUpFactory,
    InteractionFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
)

INTERACTIONS = "/api/v1/interactions/"
FOLLOW_UPS = "/api/v1/follow-ups/"
EMPLOYMENTS = "/api/v1/employments/"

pytestmark = pytest.mark.django_db


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


# --- interactions through the API -------------------------------------------------------------


def test_interaction_logged_with_people_and_history(coordinator_api):
    org = OrganizationFactory()
    person = PersonFactory(organization=org)
    agreement = AgreementFactory()
    response = coordinator_api.post(
        INTERACTIONS,
        {"kind": "workshop", "date": "2026-03-12", "title": "Workshop om mål", "participants": [person.pk],
         "agreement": agreement.pk, "decisions": "Två nya mål."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["organizations"] == [org.pk]  # the participants' own, when none are given
    assert data["participant_names"] == [person.full_name]
    interaction = Interaction.objects.get(pk=data["id"])
    assert interaction.history.filter(history_type="+").count() == 1
    assert list(interaction.history.first().participants.values_list("person_id", flat=True)) == [person.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"participants": [987654321]}, "participants"),  # a participant from nowhere
        ({"date": "2999-01-01"}, "date"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"participants": ["x"]}, "participants"),
    ],
)
def test_interaction_bad_input_is_a_400_on_the_field(coordinator_api, body, field):
    response = coordinator_api.post(
        INTERACTIONS, {"kind": "meeting", "date": "2026-03-12", "title": "Möte", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Interaction.objects.exists()


def test_participant_outside_the_organisations_is_refused(coordinator_api):
    org, elsewhere = OrganizationFactory(), OrganizationFactory()
    stranger = PersonFactory(organization=elsewhere)
    response = coordinator_api.post(
        INTERACTIONS,
        {"date": "2026-03-12", "title": "Möte", "organizations": [org.pk], "participants": [stranger.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert stranger.full_name in response.json()["participants"][0]


def test_interaction_filters(coordinator_api):
    org = OrganizationFactory()
    person = PersonFactory(organization=org)
    agreement = AgreementFactory()
    hit = InteractionFactory(participants=[person], agreement=agreement, kind="call", date=dt.date(2026, 4, 1))
    InteractionFactory(participants=[PersonFactory()], date=dt.date(2025, 4, 1))
    for query in (
        f"organization={org.pk}", f"person={person.pk}", f"agreement={agreement.pk}", "kind=call",
        "date_after=2026-01-01", "date_before=2026-12-31&date_after=2026-04-01",
    ):
        response = coordinator_api.get(f"{INTERACTIONS}?{query}")
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [hit.pk], query
    assert coordinator_api.get(f"{INTERACTIONS}?date_after=nonsense").status_code == 400


@pytest.mark.parametrize("endpoint", [INTERACTIONS, FOLLOW_UPS, EMPLOYMENTS])
def test_new_lists_cost_the_same_queries_at_two_sizes(coordinator_api, endpoint):
    def make(n):
        for _ in range(n):
            people = [PersonFactory(), PersonFactory()]
            interaction = InteractionFactory(participants=people, agreement=AgreementFactory())
            FollowUpFactory(responsible=people[0], interaction=interaction, agreement=interaction.agreement)

    make(2)
    coordinator_api.get(endpoint)  # the login's permissions, cached afterwards
    small = count_queries(lambda: coordinator_api.get(endpoint))
    make(8)
    large = count_queries(lambda: coordinator_api.get(endpoint))
    assert small == large


# --- follow-ups and commitments ----------------------------------------------------------------


def test_follow_up_through_the_api(coordinator_api):
    person = PersonFactory()
    interaction = InteractionFactory(participants=[person], agreement=AgreementFactory())
    response = coordinator_api.post(
        FOLLOW_UPS,
        {"description": "Skicka protokollet", "responsible": person.pk, "due_on": "2026-03-19",
         "interaction": interaction.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    follow_up = FollowUp.objects.get(pk=response.json()["id"])
    assert follow_up.agreement_id == interaction.agreement_id  # taken from the interaction
    for body, field in (
        ({"responsible": 987654321}, "responsible"),
        ({"due_on": "2999-01-01"}, "due_on"),
        ({"description": ""}, "description"),
        ({"status": "maybe"}, "status"),
    ):
        bad = coordinator_api.post(
            FOLLOW_UPS, {"description": "x", "responsible": person.pk, "due_on": "2026-03-19", **body}, format="json"
        )
        assert bad.status_code == 400, body
        assert field in bad.json(), body


def test_commitment_has_a_responsible_person(coordinator_api):
    commitment = CommitmentFactory()
    person = PersonFactory(organization=commitment.party.organization)
    response = coordinator_api.patch(f"/api/v1/commitments/{commitment.pk}/", {"responsible": person.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["responsible_name"] == person.full_name


def test_due_items_and_last_contact(today):
    person = PersonFactory()
    agreement = AgreementFactory()
    party = PartyFactory(agreement=agreement, organization=person.organization)
    late = CommitmentFactory(party=party, responsible=person, due_on=today - dt.timedelta(days=3))
    CommitmentFactory(party=party, responsible=person, due_on=today - dt.timedelta(days=3), status="done")
    soon = FollowUpFactory(responsible=person, due_on=today + dt.timedelta(days=10), agreement=agreement)
    FollowUpFactory(responsible=person, due_on=today + dt.timedelta(days=30))
    items = selectors.due_for_person(person.pk, today=today)
    assert [(item.kind, item.id) for item in items] == [("commitment", late.pk), ("follow_up", soon.pk)]
    assert items[0].is_overdue(today)
    assert not items[1].is_overdue(today)
    InteractionFactory(participants=[person], agreement=agreement, date=today - dt.timedelta(days=5))
    InteractionFactory(participants=[person], agreement=agreement, date=today + dt.timedelta(days=5))  # planned
    assert selectors.agreement_last_contact(agreement.pk) == today - dt.timedelta(days=5)
    assert selectors.organization_last_contact(person.organization_id) == today - dt.timedelta(days=5)


# --- careers: the move ----------------------------------------------------------------------------


def test_a_new_person_gets_one_open_period():
    person = PersonFactory(title="Analytiker")
    periods = list(Employment.objects.filter(person=person))
    assert len(periods) == 1
    assert periods[0].organization_id == person.organization_id
    assert periods[0].ended_on is None


def test_move_keeps_history_and_flags_roles(coordinator_api, today):
    old_org, new_org = OrganizationFactory(), OrganizationFactory()
    person = PersonFactory(organization=old_org)
    Employment.objects.filter(person=person).update(started_on=today - dt.timedelta(days=400))
    agreement = AgreementFactory(status="active")
    party = PartyFactory(agreement=agreement, organization=old_org)
    PartyFactory(agreement=agreement, organization=OrganizationFactory())
    rep = RepresentativeFactory(party=party, person=person)
    role = ResponsibilityFactory(agreement=agreement, responsible=person)
    AnchoringFactory(party=party, kind="sponsor", person=person, date=None)

    response = coordinator_api.post(
        f"/api/v1/persons/{person.pk}/move/",
        {"organization": new_org.pk, "moved_on": today.isoformat(), "title": "Enhetschef"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["representations_ended"] == 1
    assert len(body["roles_to_hand_over"]) == 2  # the responsibility and the sponsorship
    person.refresh_from_db()
    assert person.organization == new_org
    assert person.title == "Enhetschef"
    assert person.is_active
    periods = list(Employment.objects.filter(person=person).order_by("started_on"))
    assert [(p.organization_id, p.ended_on) for p in periods] == [
        (old_org.pk, today - dt.timedelta(days=1)),
        (new_org.pk, None),
    ]
    assert not Representative.objects.filter(pk=rep.pk).exists()
    gone = Representative.history.filter(id=rep.pk, history_type="-").get()
    assert "Moved to" in gone.history_change_reason or "Flyttade" in gone.history_change_reason
    listed = coordinator_api.get(f"{EMPLOYMENTS}?person={person.pk}").json()["results"]
    assert [row["is_current"] for row in listed] == [False, True]

    # The roles left behind are flagged by the scan as departed_person, saying they moved, until handed over.
    from risks.models import RiskFlag
    from risks.scans import scan_now

    scan_now()
    flag = RiskFlag.objects.get(rule="departed_person", person=person, status="open")
    assert new_org.name in flag.message
    successor = PersonFactory(organization=old_org)
    hand_over = f"/api/v1/persons/{person.pk}/move/hand-over/"
    refused = coordinator_api.post(hand_over, {"successor": person.pk}, format="json")
    assert refused.status_code == 400
    assert "successor" in refused.json()
    handed = coordinator_api.post(hand_over, {"successor": successor.pk}, format="json")
    assert handed.status_code == 200
    assert handed.json() == {"handed_over": 2}
    person.refresh_from_db()
    assert person.is_active  # a move is not a departure
    role.refresh_from_db()
    assert role.responsible == successor
    scan_now()
    flag.refresh_from_db()
    assert flag.status == "resolved"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"organization": 987654321}, "organization"),
        ({"moved_on": "2999-01-01"}, "moved_on"),
        ({"moved_on": "nonsense"}, "moved_on"),
    ],
)
def test_move_bad_input(coordinator_api, today, body, field):
    person = PersonFactory()
    response = coordinator_api.post(
        f"/api/v1/persons/{person.pk}/move/",
        {"organization": OrganizationFactory().pk, "moved_on": today.isoformat(), **body},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()


def test_move_to_the_same_organisation_or_into_the_future_is_refused(coordinator_api, today):
    person = PersonFactory()
    same = coordinator_api.post(
        f"/api/v1/persons/{person.pk}/move/",
        {"organization": person.organization_id, "moved_on": today.isoformat()},
        format="json",
    )
    assert same.status_code == 400
    assert "organization" in same.json()
    future = coordinator_api.post(
        f"/api/v1/persons/{person.pk}/move/",
        {"organization": OrganizationFactory().pk, "moved_on": (today + dt.timedelta(days=3)).isoformat()},
        format="json",
    )
    assert future.status_code == 400
    assert "moved_on" in future.json()


# --- the admin ------------------------------------------------------------------------------------


def test_admin_interaction_with_bad_input_shows_the_fields(coordinator_client):
    stranger = PersonFactory()
    org = OrganizationFactory()
    response = coordinator_client.post(
        reverse("admin:agreements_interaction_add"),
        {"kind": "meeting", "date": "2999-01-01", "title": "", "organizations": [org.pk],
         "participants": [stranger.pk], "follow_ups-TOTAL_FORMS": "0", "follow_ups-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"date", "title", "participants"} <= set(errors)
    assert not Interaction.objects.exists()


def test_admin_timelines_cost_the_same_queries_at_two_sizes(coordinator_client):
    org = OrganizationFactory()
    person = PersonFactory(organization=org)
    agreement = AgreementFactory()
    pages = [
        reverse("admin:stakeholders_organization_change", args=[org.pk]),
        reverse("admin:stakeholders_person_change", args=[person.pk]),
        reverse("admin:agreements_agreement_change", args=[agreement.pk]),
    ]

    def make(n):
        for _ in range(n):
            InteractionFactory(participants=[person, PersonFactory(organization=org)], agreement=agreement)

    make(2)
    for page in pages:
        coordinator_client.get(page)  # the login's permissions, cached afterwards
    small = [count_queries(lambda page=page: coordinator_client.get(page)) for page in pages]
    make(6)
    responses = []
    large = [count_queries(lambda page=page: responses.append(coordinator_client.get(page))) for page in pages]
    assert small == large
    for response in responses:
        assert response.status_code == 200
        assert "Styrgruppsmöte" in response.content.decode()


def test_admin_move_page_offers_the_hand_over(coordinator_client, today):
    old_org, new_org = OrganizationFactory(), OrganizationFactory()
    person = PersonFactory(organization=old_org)
    Employment.objects.filter(person=person).update(started_on=today - dt.timedelta(days=30))
    agreement = AgreementFactory(status="active")
    PartyFactory(agreement=agreement, organization=old_org)
    ResponsibilityFactory(agreement=agreement, responsible=person)
    url = reverse("admin:stakeholders_person_move", args=[person.pk])
    assert coordinator_client.get(url).status_code == 200
    response = coordinator_client.post(url, {"organization": new_org.pk, "moved_on": today.isoformat(), "title": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:stakeholders_person_moved", args=[person.pk])
    page = coordinator_client.get(response["Location"])
    assert agreement.title in page.content.decode()
    successor = PersonFactory(organization=old_org)
    done = coordinator_client.post(response["Location"], {"successor": successor.pk})
    assert done.status_code == 302
    assert not services.roles_outside(person)


# --- privacy ----------------------------------------------------------------------------------------


def test_export_and_anonymisation_cover_the_dialogue(coordinator):
    person = PersonFactory(title="Strateg")
    interaction = InteractionFactory(participants=[person], notes=f"{person.full_name} lovade att återkomma.")
    FollowUpFactory(responsible=person)
    export = privacy.person_export(person)
    assert [row["id"] for row in export["interactions"]] == [interaction.pk]
    assert export["interactions"][0]["organizations"] == [person.organization.name]
    assert len(export["follow_ups"]) == 1
    assert export["employments"][0]["title"] == "Strateg"
    privacy.person_anonymise(person, user=coordinator)
    interaction.refresh_from_db()
    assert person.last_name not in interaction.notes
    assert not Employment.objects.filter(person=person).exclude(title="").exists()
    assert not Employment.history.filter(person_id=person.pk).exclude(title="").exists()
