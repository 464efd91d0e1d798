"""The coordinator's workspace in the admin (ops.workspace, ops.workspace_admin): the start page's own sections,
the agreement overview, the roles on a person's page, the agreements on an organisation's page and the register
search, with constant query counts."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from agreements.choices import AgreementStatus, CommitmentStatus, Mandate
from agreements.models import Agreement, Responsibility
from assessments.models import Respondent
from ops import workspace
from risks import scans
from risks.choices import FlagStatus
from risks.models import RiskFlag
from tests.assessments.answer_helpers import invite, open_round
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
    agreement_with,
)

INDEX = reverse("admin:index")
SEARCH = reverse("admin:search")


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def overview_url(agreement) -> str:
    return reverse("admin:agreements_agreement_overview", args=[agreement.pk])


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def section(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"(.*?)</(?:section|div)>', html, re.S)
    assert match, element_id
    return match.group(1)


def count_queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm the content-type cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def active(agreement: Agreement, **values) -> Agreement:
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE, **values)
    agreement.refresh_from_db()
    return agreement


def me_in(coordinator, n: int = 1):
    """The coordinator's own person, holding each kind of role in ``n`` agreements each; one other agreement."""
    organization = OrganizationFactory(name="Mins kommun")
    me = PersonFactory(first_name="Maja", last_name="Samordnare", organization=organization, user=coordinator)
    mine = []
    for _ in range(n):
        as_coordinator = active(agreement_with(), coordinator=me)
        as_responsible = agreement_with()
        PartyFactory(agreement=as_responsible, organization=organization)
        ResponsibilityFactory(agreement=as_responsible, responsible=me)
        as_deputy = agreement_with()
        PartyFactory(agreement=as_deputy, organization=organization)
        Responsibility.objects.filter(agreement=as_deputy).update(deputy=me)
        as_representative = agreement_with()
        RepresentativeFactory(party=PartyFactory(agreement=as_representative, organization=organization), person=me)
        as_sponsor = agreement_with()
        AnchoringFactory(
            party=PartyFactory(agreement=as_sponsor, organization=organization), kind="sponsor", person=me, date=None
        )
        mine += [as_coordinator, as_responsible, as_deputy, as_representative, as_sponsor]
    other = agreement_with()
    return me, mine, other


# --- the start page -------------------------------------------------------------------------------


def test_the_start_page_lists_my_agreements_with_their_risks(coordinator_client, coordinator):
    me, mine, other = me_in(coordinator)
    scans.scan_now()
    html = coordinator_client.get(INDEX).content.decode()
    my = section(html, "my-agreements")
    for agreement in mine:
        assert f'href="{overview_url(agreement)}">{agreement}</a>' in my
    assert str(other) not in my
    high = RiskFlag.objects.filter(agreement=mine[0], status=FlagStatus.OPEN, severity="high").count()
    if high:
        assert f"High: {high}</a>" in my
    assert f'href="{change_url(me)}#person-roles"' in my
    assert "Workspace of Maja Samordnare" in html
    # the risk figures of the whole portfolio stay on the page
    assert 'id="risk-dashboard"' in html
    assert 'id="risks-by-severity"' in html


def test_a_login_without_a_person_sees_the_whole_portfolio_due(coordinator_client, today):
    agreement = active(AgreementFactory(title="Granskas snart"), next_review_on=today + timedelta(days=5))
    html = coordinator_client.get(INDEX).content.decode()
    assert "Your login is not linked to a person in the register" in section(html, "my-agreements")
    due = section(html, "due-soon")
    assert "(all agreements)" in due
    assert f'href="{overview_url(agreement)}">{agreement}</a>' in due


def test_what_is_due_collects_reviews_ends_notice_deadlines_commitments_and_rounds(coordinator_client, today):
    review = active(AgreementFactory(title="Ses över"), next_review_on=today + timedelta(days=10))
    ending = active(AgreementFactory(title="Tar slut"), valid_to=today + timedelta(days=20))
    # three months' notice before an end in 100 days: the last day falls within the window, the end does not
    notice = active(AgreementFactory(title="Sägs upp"), valid_to=today + timedelta(days=100), notice_period_months=3)
    commitment = CommitmentFactory(description="Rapport till nämnden", due_on=today + timedelta(days=30))
    CommitmentFactory(description="Redan klar", due_on=today + timedelta(days=30), status=CommitmentStatus.DONE)
    round_ = open_round(closes_in=40)
    active(AgreementFactory(title="Långt bort"), next_review_on=today + timedelta(days=200))
    items = workspace.due_items(today=today)
    kinds = {item.kind: item for item in items}
    assert set(kinds) == {"review", "end", "notice", "commitment", "round"}
    assert kinds["review"].agreement == review
    assert kinds["end"].on == ending.valid_to
    assert kinds["notice"].agreement == notice
    assert kinds["notice"].on < notice.valid_to
    assert commitment.description in kinds["commitment"].text
    assert kinds["round"].url == change_url(round_)
    assert [item.on for item in items] == sorted(item.on for item in items)
    html = coordinator_client.get(INDEX).content.decode()
    due = section(html, "due-soon")
    for kind in ("review", "end", "notice", "commitment", "round"):
        assert f'data-due="{kind}"' in due
    assert "Redan klar" not in due
    assert "Långt bort" not in due


def test_another_app_adds_a_kind_of_due_item(db, monkeypatch, today):
    monkeypatch.setattr(workspace, "_due_sources", list(workspace.due_sources()))

    @workspace.register_due_source
    def follow_ups(window):
        return [workspace.DueItem(window.start + timedelta(days=1), "follow_up", "Follow-up", "Ring Region", "/x/")]

    assert [item.kind for item in workspace.due_items(today=today)] == ["follow_up"]


def test_due_in_my_agreements_only_or_all(coordinator_client, coordinator, today):
    _me, mine, _other = me_in(coordinator)
    Agreement.objects.filter(pk=mine[0].pk).update(next_review_on=today + timedelta(days=3))
    theirs = active(AgreementFactory(title="Någon annans"), next_review_on=today + timedelta(days=4))
    due = section(coordinator_client.get(INDEX).content.decode(), "due-soon")
    assert str(mine[0]) in due
    assert str(theirs) not in due
    due = section(coordinator_client.get(INDEX + "?due=all").content.decode(), "due-soon")
    assert str(mine[0]) in due
    assert str(theirs) in due


def test_open_rounds_show_their_response_rate(coordinator_client):
    round_ = open_round()
    answered, _token = invite(round_)
    invite(round_)
    answered.responded_at = timezone.now()
    answered.save()
    html = section(coordinator_client.get(INDEX).content.decode(), "open-rounds")
    assert f'href="{change_url(round_)}"' in html
    assert "1/2 (50&nbsp;%)" in html


@pytest.mark.parametrize("n", [1, 4])
def test_start_page_queries_do_not_grow(coordinator_client, coordinator, n, today):
    _me, mine, _other = me_in(coordinator, n)
    for agreement in mine:
        Agreement.objects.filter(pk=agreement.pk).update(next_review_on=today + timedelta(days=7))
        CommitmentFactory(party=agreement.parties.first(), due_on=today + timedelta(days=9))
    for _ in range(n):
        invite(open_round())
    scans.scan_now()
    queries, html = count_queries(coordinator_client, INDEX)
    # session, user, permissions (2); the login's person, my agreements, their last contacts; six due sources;
    # open rounds; the risk dashboard (6); the admin log
    assert queries == 20, queries
    assert html.count("data-due=") == workspace.LIST_SIZE
    assert html.count('data-agreement="') == min(5 * n, workspace.LIST_SIZE)


# --- the agreement overview -----------------------------------------------------------------------


def test_the_overview_shows_the_agreement_on_one_page(coordinator_client, today):
    agreement = active(agreement_with(parties=2, responsibilities=3), valid_to=today + timedelta(days=30))
    commitment = CommitmentFactory(party=agreement.parties.first(), description="Lokaler till träffarna")
    round_ = open_round()
    round_.agreement = agreement
    round_.save()
    scans.scan_now()
    response = coordinator_client.get(overview_url(agreement))
    assert response.status_code == 200
    html = response.content.decode()
    for part in (
        "overview-facts",
        "overview-parties",
        "overview-risks",
        "commitments",
        "bus-factor",
        "party-status",
        "role-matrix",
        "overview-rounds",
        "overview-history",
    ):
        assert f'id="{part}"' in html, part
    for party in agreement.parties.all():
        assert f'href="{change_url(party.organization)}">{party.organization}</a>' in html
    assert commitment.description in html
    assert f'href="{change_url(round_)}"' in html
    for flag in RiskFlag.objects.filter(agreement=agreement, status=FlagStatus.OPEN):
        assert f'data-flag="{flag.pk}"' in html
    assert f'href="{change_url(agreement)}" id="edit-link"' in html


def test_the_overview_is_linked_from_the_list_and_the_edit_page(coordinator_client):
    agreement = agreement_with()
    assert (
        f'href="{overview_url(agreement)}"'
        in coordinator_client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    )
    assert (
        f'href="{overview_url(agreement)}" id="overview-link"'
        in coordinator_client.get(change_url(agreement)).content.decode()
    )


def test_the_overview_of_a_missing_agreement_is_404_and_needs_the_permission(coordinator_client, client, no_perm_user):
    assert coordinator_client.get(reverse("admin:agreements_agreement_overview", args=[999999])).status_code == 404
    agreement = AgreementFactory()
    no_perm_user.is_staff = True
    no_perm_user.save()
    client.force_login(no_perm_user)
    assert client.get(overview_url(agreement)).status_code == 403


def test_a_reader_sees_the_overview_without_an_edit_link(client, reader):
    agreement = agreement_with()
    client.force_login(reader)
    html = client.get(overview_url(agreement)).content.decode()
    assert 'id="edit-link"' not in html
    assert f'href="{change_url(agreement)}">' in html


@pytest.mark.parametrize("n", [1, 5])
def test_overview_queries_do_not_grow(coordinator_client, n):
    agreement = active(agreement_with(parties=n + 1, responsibilities=2 * n))
    for party in agreement.parties.all():
        CommitmentFactory(party=party)
    for _ in range(n):
        round_ = open_round()
        round_.agreement = agreement
        round_.save()
        agreement.title = f"{agreement.title}."
        agreement.save()
    scans.scan_now()
    queries, _html = count_queries(coordinator_client, overview_url(agreement))
    # session, user; the agreement with its coordinator, then its parties, representatives, anchorings,
    # commitments and responsibilities; permissions (2); open flags; rounds; history; interactions; open
    # follow-ups
    assert queries == 15, queries


# --- the person's and the organisation's pages -------------------------------------------------------


def test_the_person_page_lists_every_role_risk_and_invitation(coordinator_client, coordinator):
    me, mine, _other = me_in(coordinator)
    round_ = open_round()
    respondent, _token = invite(round_)
    respondent.person = me
    respondent.save()
    scans.scan_now()
    html = coordinator_client.get(change_url(me)).content.decode()
    roles = section(html, "person-role-list")
    for role in ("coordinator", "responsible", "deputy", "representative", "sponsor"):
        assert f'data-role="{role}"' in roles, role
    for agreement in mine:
        assert f'href="{overview_url(agreement)}">{agreement}</a>' in roles
    assert f"mandate: {Mandate.DECIDE.label.lower()}" in roles
    assert 'id="person-risks"' in html
    invitations = section(html, "person-invitations")
    assert f'data-respondent="{respondent.pk}"' in invitations
    assert f'href="{change_url(round_)}"' in invitations


def test_person_page_queries_do_not_grow(coordinator_client, coordinator):
    me, _mine, _other = me_in(coordinator, 1)
    respondent, _token = invite(open_round())
    Respondent.objects.filter(pk=respondent.pk).update(person=me)
    scans.scan_now()
    few, html = count_queries(coordinator_client, change_url(me))
    assert html.count('data-role="') == 6  # deputy for both roles of one agreement
    # more of every kind of role, invitation and risk
    for _ in range(3):
        AgreementFactory(coordinator=me)
        ResponsibilityFactory(responsible=me)
        ResponsibilityFactory(deputy=me)
        respondent, _token = invite(open_round())
        Respondent.objects.filter(pk=respondent.pk).update(person=me)
    scans.scan_now()
    many, html = count_queries(coordinator_client, change_url(me))
    assert html.count('data-role="') == 15
    assert html.count("data-respondent=") == 4
    assert many == few


def test_the_organisation_page_lists_agreements_and_sub_organisations(coordinator_client):
    kommun = OrganizationFactory(name="Sjöviks kommun")
    child = OrganizationFactory(name="Socialförvaltningen", parent=kommun)
    agreement = active(agreement_with())
    PartyFactory(agreement=agreement, organization=kommun)
    scans.scan_now()
    html = coordinator_client.get(change_url(kommun)).content.decode()
    agreements = section(html, "organization-agreements")
    assert f'href="{overview_url(agreement)}">{agreement}</a>' in agreements
    assert "Active" in agreements
    assert "data-bus-factor=" in agreements
    children = section(html, "organization-children")
    assert f'href="{change_url(child)}">{child}</a>' in children
    assert f'href="{change_url(kommun)}">{kommun}</a>' in coordinator_client.get(change_url(child)).content.decode()


def test_organisation_page_queries_do_not_grow(coordinator_client):
    kommun = OrganizationFactory()

    def add(n):
        for _ in range(n):
            OrganizationFactory(parent=kommun)
            PersonFactory(organization=kommun)
            PartyFactory(agreement=active(agreement_with()), organization=kommun)
        scans.scan_now()
        return count_queries(coordinator_client, change_url(kommun))

    few, html = add(1)
    assert html.count("data-agreement=") == 1
    many, html = add(4)
    assert html.count("data-agreement=") == 5
    assert many == few


# --- search ---------------------------------------------------------------------------------------


def test_search_finds_organisations_people_and_agreements(coordinator_client):
    kommun = OrganizationFactory(name="Björkby kommun", org_number="212000-9036")
    person = PersonFactory(
        first_name="Ingrid", last_name="Persson", email="ingrid.persson@bjorkby.example.se", organization=kommun
    )
    agreement = AgreementFactory(title="Lokalt näringslivsråd", reference="KS 2024/0188")
    AgreementFactory(title="Något annat")
    html = coordinator_client.get(SEARCH, {"q": "9036"}).content.decode()
    assert f'href="{change_url(kommun)}">{kommun}</a>' in section(html, "search-organization")
    html = coordinator_client.get(SEARCH, {"q": "ingrid.persson"}).content.decode()
    assert f'href="{change_url(person)}">{person}</a>' in section(html, "search-person")
    html = coordinator_client.get(SEARCH, {"q": "Ingrid Persson"}).content.decode()
    assert f'data-person="{person.pk}"' in html
    html = coordinator_client.get(SEARCH, {"q": "2024/0188"}).content.decode()
    found = section(html, "search-agreement")
    assert f'href="{overview_url(agreement)}">{agreement}</a>' in found
    assert "Något annat" not in found
    assert "1 hit for ”2024/0188”." in html


def test_search_is_limited_per_kind_and_links_to_the_list(coordinator_client):
    for index in range(workspace.LIST_SIZE + 2):
        AgreementFactory(title=f"Samverkan {index}")
    html = coordinator_client.get(SEARCH, {"q": "samverkan"}).content.decode()
    found = section(html, "search-agreement")
    assert found.count("data-agreement=") == workspace.LIST_SIZE
    assert reverse("admin:agreements_agreement_changelist") + "?q=samverkan" in found


def test_search_asks_for_two_characters_and_survives_odd_input(coordinator_client):
    html = coordinator_client.get(SEARCH, {"q": "a"}).content.decode()
    assert "Type at least 2 characters." in html
    for query in ("%", "_\\", "x" * 500, "\x00abc", "\x07\x00", "' OR 1=1 --"):
        assert coordinator_client.get(SEARCH, {"q": query}).status_code == 200
    AgreementFactory(title="Nollbyte")
    assert "Nollbyte" in coordinator_client.get(SEARCH, {"q": "Noll\x00byte"}).content.decode()


def test_search_shows_only_what_the_user_may_view(client, no_perm_user):
    AgreementFactory(title="Hemlig samverkan")
    no_perm_user.is_staff = True
    no_perm_user.save()
    client.force_login(no_perm_user)
    html = client.get(SEARCH, {"q": "hemlig"}).content.decode()
    assert "Hemlig samverkan" not in html
    assert 'id="search-agreement"' not in html


def test_search_needs_a_staff_login(client):
    response = client.get(SEARCH, {"q": "x"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_every_admin_page_has_the_search_box(coordinator_client):
    for url in (
        INDEX,
        reverse("admin:agreements_agreement_changelist"),
        reverse("admin:stakeholders_person_changelist"),
    ):
        html = coordinator_client.get(url).content.decode()
        assert f'<form action="{SEARCH}" method="get" role="search" class="header-search">' in html
        assert '<label for="header-search-q">Search</label>' in html


@pytest.mark.parametrize("n", [1, 15])
def test_search_queries_do_not_grow(coordinator_client, n):
    for index in range(n):
        organization = OrganizationFactory(name=f"Samverkansförbund {index}")
        PersonFactory(first_name="Sam", last_name=f"Verkan{index}", organization=organization)
        AgreementFactory(title=f"Samverkan {index}")
    queries, html = count_queries(coordinator_client, SEARCH + "?q=samverk")
    # session, user, permissions (2), one query per kind
    assert queries == 7, queries
    assert html.count("data-organization=") == min(n, workspace.LIST_SIZE)


def test_what_is_due_leaves_out_rounds_a_user_may_not_view(no_perm_user, coordinator, today):
    open_round(closes_in=10)
    assert [item.kind for item in workspace.due_items(today=today, user=coordinator)] == ["round"]
    assert workspace.due_items(today=today, user=no_perm_user) == []


# --- dialogue on the start page and the overview -----------------------------------------------------


def test_follow_ups_i_answer_for_are_due_on_my_start_page(coordinator_client, coordinator, today):
    me, mine, other = me_in(coordinator)
    FollowUpFactory(description="Boka lokal", responsible=me, due_on=today + timedelta(days=5))  # no agreement
    FollowUpFactory(description="Skicka protokoll", agreement=mine[0], due_on=today + timedelta(days=6))
    FollowUpFactory(description="Annans uppgift", agreement=other, due_on=today + timedelta(days=6))
    FollowUpFactory(description="Klar redan", responsible=me, due_on=today + timedelta(days=6), status="done")
    html = coordinator_client.get(INDEX).content.decode()
    assert "Boka lokal" in html
    assert "Skicka protokoll" in html
    assert "Annans uppgift" not in html
    assert "Klar redan" not in html
    assert "Annans uppgift" in coordinator_client.get(INDEX, {"due": "all"}).content.decode()


def test_my_agreements_show_their_last_contact(coordinator_client, coordinator, today):
    me, mine, _other = me_in(coordinator)
    InteractionFactory(agreement=mine[0], date=today - timedelta(days=2), title="Avstämning")
    InteractionFactory(agreement=mine[0], date=today + timedelta(days=20), title="Planerat möte")
    html = coordinator_client.get(INDEX).content.decode()
    row = re.search(rf'data-agreement="{mine[0].pk}"(.*?)</tr>', html, re.S).group(1)
    with translation.override("en"):
        assert date_format(today - timedelta(days=2), "SHORT_DATE_FORMAT") in row
        assert date_format(today + timedelta(days=20), "SHORT_DATE_FORMAT") not in row


def test_the_overview_shows_the_dialogue(coordinator_client, today):
    agreement = active(agreement_with())
    InteractionFactory(agreement=agreement, date=today - timedelta(days=3), title="Workshop om mål")
    FollowUpFactory(agreement=agreement, description="Skriv minnesanteckningar", due_on=today + timedelta(days=4))
    FollowUpFactory(agreement=agreement, description="Redan gjort", due_on=today, status="done")
    html = coordinator_client.get(overview_url(agreement)).content.decode()
    dialogue = section(html, "overview-dialogue")
    assert "Workshop om mål" in dialogue
    assert "Skriv minnesanteckningar" in dialogue
    assert "Redan gjort" not in dialogue
    assert "none recorded" not in dialogue
