"""The coordinators' admin for agreements: list, filters, the agreement page with its inlines and
summaries, the lifecycle actions and the hand-over page."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from agreements.choices import AgreementStatus, AnchoringKind, Mandate
from agreements.models import Agreement, Anchoring, Party, Representative, Responsibility
from stakeholders.choices import Sector
from tests.admin_forms import post_data_from
from tests.factories import (
    AgreementFactory,
    AnchoringFactory,
    CommitmentFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
    agreement_with,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:agreements_agreement_changelist")
ADD = reverse("admin:agreements_agreement_add")


def change_url(agreement) -> str:
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def hand_over_url(person) -> str:
    return reverse("admin:agreements_hand_over", args=[person.pk])


def set_status(agreement, status) -> Agreement:
    Agreement.objects.filter(pk=agreement.pk).update(status=status)
    agreement.refresh_from_db()
    return agreement


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def english(client, settings):
    """The admin in English (a coordinator's choice), so the assertions read the English msgids
    whatever Swedish translations exist."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def row_of(content: str, person) -> str:
    match = re.search(rf'<tr[^>]*data-person="{person.pk}".*?</tr>', content, re.S)
    assert match, f"no role-matrix row for {person}"
    return match.group(0)


def marks(row: str) -> list[str]:
    return re.findall(r'<td class="mark">(?:<abbr[^>]*>([RD])</abbr>)?</td>', row)


# --- the list of agreements --------------------------------------------------------------------


def test_changelist_shows_bus_factor_anchoring_mandate_and_party_count(coordinator_client):
    solid = agreement_with(parties=3, responsibilities=4)
    fragile = agreement_with(parties=2, responsibilities=2, deputies=False, anchored=False)
    anchored_rep, unanchored_rep = Representative.objects.filter(agreement=fragile).order_by("id")
    one_person = anchored_rep.person
    Responsibility.objects.filter(agreement=fragile).update(responsible=one_person)
    party_without_anchoring = unanchored_rep.party
    AnchoringFactory(party=anchored_rep.party)
    AnchoringFactory(party=anchored_rep.party, kind=AnchoringKind.SPONSOR, person=one_person, date=None)
    Representative.objects.filter(party=party_without_anchoring).update(mandate=Mandate.PREPARE)

    response = coordinator_client.get(CHANGELIST)

    assert response.status_code == 200
    content = response.content.decode()
    rows = {row.pk: row for row in response.context["cl"].result_list}
    assert rows[solid.pk].party_count == 3
    assert rows[fragile.pk].party_count == 2
    assert 'class="bus-factor-critical"' in content
    assert "1 ⚠" in content
    assert f"Critical: {one_person}" in content
    assert "3/3 complete" in content
    assert "1/2 complete" in content
    assert f"{party_without_anchoring}: Decision or plan and sponsor missing" in content
    assert f"Without a representative who may decide: {party_without_anchoring}" in content
    assert ">1/2</span>" in content


@pytest.fixture
def portfolio(db):
    today = timezone.localdate()
    business = OrganizationFactory(name="Bygg AB", sector=Sector.BUSINESS)
    university = OrganizationFactory(name="Universitetet", sector=Sector.ACADEMIA)
    kommun = OrganizationFactory(name="Exempelby kommun")
    anna = PersonFactory(first_name="Anna", last_name="Berg", organization=kommun)
    expiring = AgreementFactory(
        title="Unga i arbete",
        reference="KS 2026/1",
        purpose="Fler unga i jobb",
        valid_from=today - dt.timedelta(days=300),
        valid_to=today + dt.timedelta(days=30),
        next_review_on=today - dt.timedelta(days=1),
        coordinator=anna,
    )
    PartyFactory(agreement=expiring, organization=kommun)
    PartyFactory(agreement=expiring, organization=business)
    later = AgreementFactory(
        title="Forskning om skolan",
        reference="KS 2026/2",
        purpose="Samverkan med akademin",
        valid_from=today - dt.timedelta(days=10),
        valid_to=today + dt.timedelta(days=300),
        next_review_on=today + dt.timedelta(days=100),
    )
    PartyFactory(agreement=later, organization=university)
    closed = AgreementFactory(
        title="Gammalt avtal",
        reference="KS 2020/9",
        valid_from=today - dt.timedelta(days=800),
        valid_to=today + dt.timedelta(days=20),
        next_review_on=today - dt.timedelta(days=30),
    )
    PartyFactory(agreement=closed, organization=kommun)
    ended = AgreementFactory(
        title="Borde ha avslutats",
        reference="KS 2023/5",
        valid_from=today - dt.timedelta(days=800),
        valid_to=today - dt.timedelta(days=3),
    )
    PartyFactory(agreement=ended, organization=university)
    set_status(expiring, AgreementStatus.ACTIVE)
    set_status(closed, AgreementStatus.TERMINATED)
    set_status(ended, AgreementStatus.ACTIVE)
    return {"expiring": expiring, "later": later, "closed": closed, "business": business, "anna": anna}


def test_changelist_filters_and_search(coordinator_client, portfolio):
    cases = {
        "?status__exact=active": {"Unga i arbete", "Borde ha avslutats"},
        "?status__exact=draft": {"Forskning om skolan"},
        # the terminated one ends soon too, but is not active; the one past its end date is still active
        "?expiring=soon": {"Unga i arbete", "Borde ha avslutats"},
        "?expiring=ended": {"Borde ha avslutats"},
        "?review=overdue": {"Unga i arbete"},  # a closed agreement is not reviewed any more
        f"?parties__organization__id__exact={portfolio['business'].pk}": {"Unga i arbete"},
        "?parties__organization__sector__exact=academia": {"Forskning om skolan", "Borde ha avslutats"},
        "?parties__organization__sector__exact=municipality": {"Unga i arbete", "Gammalt avtal"},
        f"?coordinator__id__exact={portfolio['anna'].pk}": {"Unga i arbete"},
        "?q=KS 2020": {"Gammalt avtal"},
        "?q=akademin": {"Forskning om skolan"},
        "": {"Unga i arbete", "Forskning om skolan", "Gammalt avtal", "Borde ha avslutats"},
    }
    for query, expected in cases.items():
        response = coordinator_client.get(CHANGELIST + query)
        assert response.status_code == 200, query
        assert {agreement.title for agreement in response.context["cl"].result_list} == expected, query
    # an agreement with two parties is listed once when filtered by one of them, all parties counted
    kommun = portfolio["anna"].organization_id
    response = coordinator_client.get(CHANGELIST + f"?parties__organization__id__exact={kommun}")
    listed = sorted((agreement.title, agreement.party_count) for agreement in response.context["cl"].result_list)
    assert listed == [("Gammalt avtal", 1), ("Unga i arbete", 2)]


def test_expiring_filter_follows_the_setting(coordinator_client, portfolio, settings):
    settings.AGREEMENT_EXPIRING_WITHIN_DAYS = 10
    response = coordinator_client.get(CHANGELIST + "?expiring=soon")
    assert [agreement.title for agreement in response.context["cl"].result_list] == ["Borde ha avslutats"]
    assert "within 10 days or already ended" in response.content.decode()


def test_changelist_sorts_by_party_count(coordinator_client, portfolio):
    list_display = coordinator_client.get(CHANGELIST).context["cl"].list_display
    column = list_display.index("party_count_display")  # the action checkbox is column 0
    response = coordinator_client.get(CHANGELIST + f"?o=-{column}")
    assert response.status_code == 200
    assert [agreement.party_count for agreement in response.context["cl"].result_list] == [2, 1, 1, 1]


@pytest.mark.parametrize("count", [1, 20])
def test_changelist_queries_do_not_grow_with_the_agreements(coordinator_client, count, django_assert_num_queries):
    for _ in range(count):
        agreement = agreement_with(parties=3, responsibilities=4)
        agreement.coordinator = agreement.responsibilities.first().responsible
        agreement.save()
    coordinator_client.get(CHANGELIST)  # warm the content-type cache
    # session, user, user permissions, group permissions; COUNT of the page (the party and coordinator
    # filters read nothing unless one is chosen; no second COUNT of all); agreements with coordinator,
    # renewal and party count; then the page's figures from plain rows (admin_helpers.page_overviews):
    # parties, representatives, anchorings, responsibilities, the people and the organisations by id,
    # the lines above the sponsors' organisations; the date hierarchy's range and its years
    with django_assert_num_queries(15) as captured:
        response = coordinator_client.get(CHANGELIST)
    assert response.status_code == 200
    # The figures' reads join no whole table (people and organisations are read by id).
    reads = [q["sql"] for q in captured.captured_queries]
    figures = [sql for sql in reads if 'WHERE "agreements_' in sql and '_id" IN (' in sql]
    assert figures
    assert not [sql for sql in figures if "JOIN" in sql]
    assert len(response.context["cl"].result_list) == count


# --- adding and changing an agreement -----------------------------------------------------------


def test_add_form_offers_parties_only_and_creates_them(coordinator_client):
    kommun, region = OrganizationFactory(), OrganizationFactory(sector=Sector.REGION)
    response = coordinator_client.get(ADD)
    assert response.status_code == 200
    assert [inline.formset.prefix for inline in response.context["inline_admin_formsets"]] == ["parties"]
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == 2

    data = post_data_from(
        response,
        title="Trygg i centrum",
        reference="KS 2026/77",
        **{
            "parties-0-organization": kommun.pk,
            "parties-0-role": "owner",
            "parties-1-organization": region.pk,
        },
    )
    response = coordinator_client.post(ADD, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    agreement = Agreement.objects.get(reference="KS 2026/77")
    assert agreement.status == AgreementStatus.DRAFT
    assert {party.organization for party in agreement.parties.all()} == {kommun, region}
    assert agreement.history.count() == 1


def test_change_form_shows_role_matrix_bus_factor_anchoring_and_mandate(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=3)
    first, second = (rep.person for rep in Representative.objects.filter(agreement=agreement).order_by("party_id"))
    unanchored = PartyFactory(agreement=agreement)
    RepresentativeFactory(party=unanchored, mandate=Mandate.PREPARE)
    departed = PersonFactory(organization=unanchored.organization, left_on=dt.date(2025, 1, 1))
    ResponsibilityFactory(agreement=agreement, title="Kommunikation", responsible=departed, deputy=first)

    response = coordinator_client.get(change_url(agreement))

    assert response.status_code == 200
    content = response.content.decode()
    # four roles: first is responsible for 0 and 2 and deputy for 1 and 3; second the reverse of 0–2
    assert marks(row_of(content, first)) == ["R", "D", "R", "D"]
    assert marks(row_of(content, second)) == ["D", "R", "D", ""]
    assert marks(row_of(content, departed)) == ["", "", "", "R"]
    assert "50&nbsp;%" in row_of(content, first)
    assert 'class="high-share"' in row_of(content, first)
    assert "25&nbsp;%" in row_of(content, second)
    assert "high-share" not in row_of(content, second)
    assert "has left" in row_of(content, departed)
    assert "has-left" in row_of(content, departed)
    assert "<caption>Role matrix" in content
    assert '<th scope="row">' in content
    # every role has a deputy from the other party: only both leaving loses half of the four
    assert 'data-bus-factor="2"' in content
    assert "This is the exact value." in content
    assert f"<strong>{first}</strong>, <strong>{second}</strong>" in content
    assert content.count('data-anchoring="complete"') == 2
    assert 'data-anchoring="missing"' in content
    assert f"Missing for: {unanchored}." in content
    assert "2 of 3 parties have a representative with mandate to decide" in content


def test_change_form_judges_a_sponsor_in_a_sub_organisation_as_belonging_to_the_party(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=1, anchored=False)
    kommun_party = agreement.parties.first()
    forvaltning = OrganizationFactory(parent=kommun_party.organization, org_number=None)
    AnchoringFactory(party=kommun_party)
    AnchoringFactory(
        party=kommun_party, kind=AnchoringKind.SPONSOR, person=PersonFactory(organization=forvaltning), date=None
    )
    stranger = PersonFactory()
    other_party = agreement.parties.last()
    AnchoringFactory(party=other_party, kind=AnchoringKind.PLAN)
    Anchoring.objects.bulk_create(  # saved around the model check, as old data may be
        [Anchoring(agreement=agreement, party=other_party, kind=AnchoringKind.SPONSOR, person=stranger)]
    )

    content = coordinator_client.get(change_url(agreement)).content.decode()

    assert content.count('data-anchoring="complete"') == 1
    assert 'data-anchoring="sponsor_missing"' in content


def test_change_form_warns_when_one_person_carries_the_agreement(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=2, deputies=False)
    carrier = agreement.responsibilities.first().responsible
    carrier.left_on = dt.date(2025, 12, 31)
    carrier.save()

    content = coordinator_client.get(change_url(agreement)).content.decode()

    assert 'data-bus-factor="1"' in content
    assert "1 ⚠" in content
    assert "One person carries the collaboration" in content
    assert f"<strong>{carrier}</strong> (has left)" in content


@pytest.mark.parametrize("roles", [2, 10])
def test_change_form_queries_do_not_grow_with_the_roles(coordinator_client, roles, django_assert_num_queries):
    agreement = agreement_with(parties=2, responsibilities=roles)
    agreement.coordinator = agreement.responsibilities.first().responsible
    agreement.save()
    for party in agreement.parties.all():
        CommitmentFactory(party=party)
    coordinator_client.get(change_url(agreement))  # warm the content-type cache
    # session, user; the agreement with coordinator, renewal and party count, its parties with
    # organisations, representatives, anchorings, commitments and responsibilities (for the
    # summaries); user permissions, group permissions; the coordinator's autocomplete label; the
    # inline rows of parties, representatives, responsibilities, anchorings and commitments; the
    # agreement's unresolved risk flags; the follow-ups inline, the timeline of interactions (with their
    # participants) and its last contact; the starting conditions and the parties' incentives and constraints
    with django_assert_num_queries(23):
        response = coordinator_client.get(change_url(agreement))
    assert response.status_code == 200
    assert len(response.context["role_matrix"].responsibilities) == roles


def test_party_rows_offer_only_this_agreements_parties(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=1)
    foreign = PartyFactory()
    response = coordinator_client.get(change_url(agreement))
    inlines = {inline.formset.prefix: inline.formset for inline in response.context["inline_admin_formsets"]}
    for prefix in ("representatives", "anchorings", "commitments"):
        field = inlines[prefix].form.base_fields["party"]
        assert {value for value, _label in field.choices if value} == set(
            agreement.parties.values_list("pk", flat=True)
        )
        assert "save first" in str(field.help_text)

    rep = Representative.objects.filter(agreement=agreement).first()
    index = [form.instance.pk for form in inlines["representatives"].forms].index(rep.pk)
    data = post_data_from(response, **{f"representatives-{index}-party": foreign.pk})
    response = coordinator_client.post(change_url(agreement), data)

    assert response.status_code == 200
    form = response.context["inline_admin_formsets"][1].formset.forms[index]
    assert "party" in form.errors
    rep.refresh_from_db()
    assert rep.party.agreement_id == agreement.pk


def test_deputy_equal_to_responsible_is_a_form_error_and_nothing_is_saved(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=2)
    response = coordinator_client.get(change_url(agreement))
    role = Responsibility.objects.filter(agreement=agreement).order_by("kind", "title", "id").first()
    data = post_data_from(
        response,
        title="Nytt namn",
        **{"responsibilities-0-deputy": role.responsible_id, "responsibilities-0-id": role.pk},
    )

    response = coordinator_client.post(change_url(agreement), data)

    assert response.status_code == 200
    formset = next(
        i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == "responsibilities"
    )
    assert "The deputy cannot be the responsible person." in formset.forms[0].errors["deputy"]
    role.refresh_from_db()
    agreement.refresh_from_db()
    assert role.deputy_id != role.responsible_id
    assert agreement.title != "Nytt namn"


def test_representative_outside_the_party_organisation_is_a_form_error(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=1)
    response = coordinator_client.get(change_url(agreement))
    party = agreement.parties.first()
    outsider = PersonFactory()
    data = post_data_from(
        response,
        **{
            "representatives-TOTAL_FORMS": 3,
            "representatives-2-party": party.pk,
            "representatives-2-person": outsider.pk,
            "representatives-2-mandate": "decide",
            "representatives-2-hours_per_month": "4",
        },
    )

    response = coordinator_client.post(change_url(agreement), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][1].formset
    assert "must belong to the party's organisation" in " ".join(formset.forms[2].errors["person"])
    assert not Representative.objects.filter(person=outsider).exists()


def test_duplicate_party_is_a_form_error(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=1)
    response = coordinator_client.get(change_url(agreement))
    data = post_data_from(
        response,
        **{
            "parties-TOTAL_FORMS": 3,
            "parties-2-organization": agreement.parties.first().organization_id,
            "parties-2-role": "partner",
        },
    )

    response = coordinator_client.post(change_url(agreement), data)

    assert response.status_code == 200
    parties = response.context["inline_admin_formsets"][0].formset
    # Named by its label, not its code name ("organization").
    assert parties.non_form_errors() == ["Please correct the duplicate data for organisation."]
    assert Party.objects.filter(agreement=agreement).count() == 2


def test_changing_rows_on_the_agreement_page_saves_them_with_history(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=1)
    party = agreement.parties.first()
    colleague = PersonFactory(organization=party.organization)
    response = coordinator_client.get(change_url(agreement))
    data = post_data_from(
        response,
        **{
            "responsibilities-0-deputy": colleague.pk,
            "commitments-TOTAL_FORMS": 1,
            "commitments-0-party": party.pk,
            "commitments-0-description": "Lokaler för träffarna",
            "commitments-0-status": "planned",
        },
    )

    response = coordinator_client.post(change_url(agreement), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    role = agreement.responsibilities.get()
    assert role.deputy == colleague
    assert role.history.first().history_user.username == "samordnare"
    commitment = party.commitments.get()
    assert commitment.agreement == agreement


def test_reader_can_view_but_not_change(client, reader):
    agreement = agreement_with(parties=2, responsibilities=2)
    client.force_login(reader)

    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert 'name="action"' not in response.content.decode()

    response = client.get(change_url(agreement))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="_save"' not in content
    assert 'data-bus-factor="' in content
    assert "<caption>Role matrix" in content

    assert client.post(change_url(agreement), {"title": "Ändrad"}).status_code == 403
    assert client.get(ADD).status_code == 403
    person = agreement.responsibilities.first().responsible
    assert client.get(hand_over_url(person)).status_code == 403
    agreement.refresh_from_db()
    assert agreement.title != "Ändrad"


def test_party_and_responsibility_pages_exist_but_stay_out_of_the_index(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=2)
    party = agreement.parties.first()
    response = coordinator_client.get(reverse("admin:agreements_party_change", args=[party.pk]))
    assert response.status_code == 200
    assert [i.formset.prefix for i in response.context["inline_admin_formsets"]] == [
        "representatives",
        "anchorings",
        "commitments",
    ]
    assert coordinator_client.get(reverse("admin:agreements_responsibility_changelist")).status_code == 200
    assert (
        coordinator_client.get(reverse("admin:agreements_responsibility_changelist") + "?q=Ansvar").status_code == 200
    )
    index = coordinator_client.get(reverse("admin:app_list", args=["agreements"])).content.decode()
    assert reverse("admin:agreements_agreement_changelist") in index
    assert reverse("admin:agreements_party_changelist") not in index
    assert reverse("admin:agreements_responsibility_changelist") not in index


def test_party_page_adds_representatives_with_the_mirrored_agreement(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=1)
    party = agreement.parties.first()
    colleague = PersonFactory(organization=party.organization)
    url = reverse("admin:agreements_party_change", args=[party.pk])
    response = coordinator_client.get(url)
    data = post_data_from(
        response,
        **{
            "representatives-TOTAL_FORMS": 2,
            "representatives-1-person": colleague.pk,
            "representatives-1-mandate": "prepare",
            "representatives-1-hours_per_month": "2",
        },
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert Representative.objects.get(person=colleague).agreement == agreement
    add = coordinator_client.get(reverse("admin:agreements_party_add"))
    assert add.status_code == 200
    assert add.context["inline_admin_formsets"] == []


# --- lifecycle actions ---------------------------------------------------------------------------


def run_action(client, action, *agreements):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [a.pk for a in agreements], "index": 0, "select_across": 0},
        follow=True,
    )


def test_activate_action_activates_drafts_and_reports_refusals(coordinator_client):
    ready = agreement_with(parties=2, responsibilities=1, coordinated=True)
    lonely = AgreementFactory(title="Ensamt utkast")
    PartyFactory(agreement=lonely)

    response = run_action(coordinator_client, "activate_agreements", ready, lonely)

    assert response.status_code == 200
    ready.refresh_from_db()
    lonely.refresh_from_db()
    assert ready.status == AgreementStatus.ACTIVE
    assert lonely.status == AgreementStatus.DRAFT
    reported = messages_of(response)
    assert ("success", "1 agreement was activated.") in reported
    assert any(level == "error" and "Ensamt utkast" in text and "two parties" in text for level, text in reported)


def test_renew_action_creates_new_drafts_and_refuses_drafts(coordinator_client):
    active = set_status(agreement_with(parties=2, responsibilities=2), AgreementStatus.ACTIVE)
    draft = AgreementFactory(title="Bara ett utkast")

    response = run_action(coordinator_client, "renew_agreements", active, draft)

    renewal = Agreement.objects.get(renewed_from=active)
    assert renewal.status == AgreementStatus.DRAFT
    assert renewal.valid_from == active.valid_to + dt.timedelta(days=1)
    assert renewal.parties.count() == 2
    assert not Agreement.objects.filter(renewed_from=draft).exists()
    reported = messages_of(response)
    assert ("success", "1 agreement was renewed as a new draft.") in reported
    assert any(level == "info" and change_url(renewal) in text for level, text in reported)
    assert any(level == "error" and "Bara ett utkast" in text for level, text in reported)


def test_terminate_action_terminates_today_and_refuses_closed_agreements(coordinator_client):
    active = set_status(AgreementFactory(valid_from=dt.date(2025, 1, 1)), AgreementStatus.ACTIVE)
    expired = set_status(AgreementFactory(title="Redan utgånget"), AgreementStatus.EXPIRED)

    # First a page that says what will happen, lists the agreements and asks for a reason; nothing changes.
    asked = run_action(coordinator_client, "terminate_agreements", active, expired)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert 'id="agreements-to-terminate"' in html
    assert str(active) in html
    assert "Redan utgånget" in html
    assert 'name="termination_reason"' in html
    active.refresh_from_db()
    assert active.status == AgreementStatus.ACTIVE

    response = coordinator_client.post(
        CHANGELIST,
        {
            "action": "terminate_agreements",
            "_selected_action": [active.pk, expired.pk],
            "post": "yes",
            "termination_reason": "Projektet avslutat",
        },
        follow=True,
    )

    active.refresh_from_db()
    expired.refresh_from_db()
    assert active.status == AgreementStatus.TERMINATED
    assert active.terminated_on == timezone.localdate()
    assert active.termination_reason == "Projektet avslutat"
    assert expired.status == AgreementStatus.EXPIRED
    reported = messages_of(response)
    assert ("success", "1 agreement was terminated today.") in reported
    assert any(level == "error" and "Redan utgånget" in text for level, text in reported)


# --- hand-over -------------------------------------------------------------------------------------


@pytest.fixture
def leaving():
    """A person who is responsible, deputy, representative, sponsor and coordinator in one agreement."""
    agreement = agreement_with(parties=2, responsibilities=3)
    rep = Representative.objects.filter(agreement=agreement).order_by("party_id").first()
    agreement.coordinator = rep.person
    agreement.save()
    successor = PersonFactory(first_name="Sara", last_name="Ek", organization=rep.party.organization)
    return {"agreement": agreement, "person": rep.person, "party": rep.party, "successor": successor}


def test_hand_over_page_shows_what_will_move(coordinator_client, leaving):
    response = coordinator_client.get(hand_over_url(leaving["person"]))

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('class="responsibility"') == 2
    assert content.count('class="deputyship"') == 1
    assert content.count('class="representation"') == 1
    assert content.count('class="sponsorship"') == 1
    assert content.count('class="coordinator-role"') == 1
    assert 'data-model-name="responsibility" data-field-name="responsible"' in content  # person search
    assert response.context["form"]["left_on"].value() == timezone.localdate()


def test_hand_over_page_keeps_a_departure_already_recorded(coordinator_client, leaving):
    person = leaving["person"]
    person.left_on = dt.date(2026, 2, 28)
    person.save()
    response = coordinator_client.get(hand_over_url(person))
    assert response.context["form"]["left_on"].value() == dt.date(2026, 2, 28)


def test_hand_over_moves_roles_records_the_departure_and_returns_to_the_person(coordinator_client, leaving):
    person, successor = leaving["person"], leaving["successor"]

    response = coordinator_client.post(hand_over_url(person), {"successor": successor.pk, "left_on": "2026-03-31"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:stakeholders_person_change", args=[person.pk])
    person.refresh_from_db()
    assert person.left_on == dt.date(2026, 3, 31)
    agreement = leaving["agreement"]
    assert not agreement.responsibilities.filter(responsible=person).exists()
    assert not agreement.responsibilities.filter(deputy=person).exists()
    assert agreement.responsibilities.filter(responsible=successor).count() == 2
    assert Representative.objects.filter(party=leaving["party"], person=successor).exists()
    assert Anchoring.objects.filter(party=leaving["party"], person=successor).exists()
    agreement.refresh_from_db()
    assert agreement.coordinator == successor
    (level, text), *_rest = messages_of(coordinator_client.get(response["Location"]))
    assert level == "success"
    assert "responsibilities: 2, deputyships: 1, representations: 1, sponsorships: 1, coordinator roles: 1" in text


@pytest.mark.parametrize("who", ["departed", "self", "unknown"])
def test_hand_over_refuses_an_invalid_successor(coordinator_client, leaving, who):
    person = leaving["person"]
    candidate = {
        "departed": lambda: PersonFactory(organization=person.organization, left_on=dt.date(2025, 1, 1)).pk,
        "self": lambda: person.pk,
        "unknown": lambda: 999999,
    }[who]()

    response = coordinator_client.post(hand_over_url(person), {"successor": candidate, "left_on": "2026-03-31"})

    assert response.status_code == 200
    assert response.context["form"].errors["successor"] == ["Choose an active person other than the one leaving."]
    person.refresh_from_db()
    assert person.left_on is None
    assert leaving["agreement"].responsibilities.filter(responsible=person).count() == 2


def test_hand_over_shows_the_services_refusal_and_moves_nothing(coordinator_client, leaving):
    person = leaving["person"]
    outsider = PersonFactory(first_name="Utom", last_name="Stående")  # belongs to none of the parties

    response = coordinator_client.post(hand_over_url(person), {"successor": outsider.pk, "left_on": "2026-03-31"})

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors
    assert any("does not belong" in error or "must belong" in error for error in errors)
    person.refresh_from_db()
    assert person.left_on is None
    assert leaving["agreement"].responsibilities.filter(responsible=person).count() == 2


def test_hand_over_needs_the_rights_and_an_existing_person(client, coordinator_client, leaving, reader):
    assert coordinator_client.get(reverse("admin:agreements_hand_over", args=[999999])).status_code == 404
    client.force_login(reader)
    response = client.post(hand_over_url(leaving["person"]), {"successor": leaving["successor"].pk})
    assert response.status_code == 403
    leaving["person"].refresh_from_db()
    assert leaving["person"].left_on is None


def test_successor_search_finds_people_through_the_admin_autocomplete(coordinator_client, leaving):
    response = coordinator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "agreements", "model_name": "responsibility", "field_name": "responsible", "term": "Sara"},
    )
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Sara Ek"]


def test_person_page_links_to_the_hand_over(coordinator_client):
    from django.urls import reverse

    from tests.factories import PersonFactory

    person = PersonFactory()
    response = coordinator_client.get(reverse("admin:stakeholders_person_change", args=[person.pk]))
    assert response.status_code == 200
    assert reverse("admin:agreements_hand_over", args=[person.pk]) in response.content.decode()


def test_activation_without_a_coordinator_is_refused_with_the_reason(coordinator_client):
    uncoordinated = agreement_with(parties=2, responsibilities=1)
    uncoordinated.title = "Utan samordnare"
    uncoordinated.save()

    response = run_action(coordinator_client, "activate_agreements", uncoordinated)

    uncoordinated.refresh_from_db()
    assert uncoordinated.status == AgreementStatus.DRAFT
    assert any(
        level == "error" and "Utan samordnare" in text and "needs a coordinator" in text
        for level, text in messages_of(response)
    ), messages_of(response)


def test_the_change_form_refuses_to_empty_the_coordinator_of_an_active_agreement(coordinator_client):
    agreement = agreement_with(parties=2, responsibilities=1, coordinated=True)
    set_status(agreement, AgreementStatus.ACTIVE)
    page = coordinator_client.get(change_url(agreement))
    response = coordinator_client.post(change_url(agreement), post_data_from(page, coordinator=""))

    assert response.status_code == 200
    assert "coordinator" in response.context["adminform"].form.errors
    agreement.refresh_from_db()
    assert agreement.coordinator_id is not None


def test_hand_over_lists_the_roles_that_would_lose_their_deputy_and_names_new_ones(coordinator_client, leaving):
    person, successor, agreement = leaving["person"], leaving["successor"], leaving["agreement"]
    led = agreement.responsibilities.filter(responsible=person).order_by("pk").first()
    led.deputy = successor
    led.save()
    helper = PersonFactory(first_name="Hugo", last_name="Hjälp", organization=leaving["party"].organization)
    posted = {"successor": successor.pk, "left_on": "2026-03-31"}

    first = coordinator_client.post(hand_over_url(person), posted)

    # Nothing moves yet: the page lists the role and asks for a new deputy.
    assert first.status_code == 200
    content = first.content.decode()
    assert 'id="hand-over-deputies"' in content
    assert f'name="deputy_{led.pk}"' in content
    assert f'name="_deputies_for" value="{successor.pk}"' in content
    led.refresh_from_db()
    assert led.responsible_id == person.pk
    person.refresh_from_db()
    assert person.left_on is None

    second = coordinator_client.post(
        hand_over_url(person), {**posted, "_deputies_for": successor.pk, f"deputy_{led.pk}": helper.pk}
    )

    assert second.status_code == 302
    led.refresh_from_db()
    assert (led.responsible_id, led.deputy_id) == (successor.pk, helper.pk)


def test_hand_over_says_when_a_role_is_left_without_a_deputy(coordinator_client, leaving):
    person, successor, agreement = leaving["person"], leaving["successor"], leaving["agreement"]
    led = agreement.responsibilities.filter(responsible=person).order_by("pk").first()
    led.deputy = successor
    led.save()
    posted = {"successor": successor.pk, "left_on": "2026-03-31", "_deputies_for": successor.pk}

    response = coordinator_client.post(hand_over_url(person), posted)

    assert response.status_code == 302
    led.refresh_from_db()
    assert (led.responsible_id, led.deputy_id) == (successor.pk, None)
    reported = messages_of(coordinator_client.get(response["Location"]))
    assert any(level == "warning" and "1 role now has no deputy" in text for level, text in reported), reported
