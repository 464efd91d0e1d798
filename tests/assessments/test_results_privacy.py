"""Results that keep people private: respondents whose person link is gone (retention, a deleted person) show as
anonymous with the figures unchanged; readers (no ``view_answer``) see closed rounds only, no figure of fewer than
ASSESSMENT_MIN_GROUP answers and no per-person times; coordinators keep their full view."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import results
from assessments.choices import RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN
from assessments.models import AssessmentRound
from stakeholders import privacy
from tests.assessments.test_results import ENDPOINT, PAGE, instrument, make_round, respond, round_of_testa
from tests.factories import AgreementFactory, PersonFactory

pytestmark = pytest.mark.django_db

CHANGE_PAGE = "/admin/assessments/assessmentround/{}/change/"
ANSWER_TIME = dt.datetime(2025, 5, 17, 13, 47, tzinfo=dt.UTC)


def api_as(user) -> APIClient:
    # A client of its own per user: the shared ``api_client`` would be the last one authenticated.
    api = APIClient()
    api.force_authenticate(user)
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return api


@pytest.fixture
def reader_api(reader):
    return api_as(reader)


@pytest.fixture
def coordinator_api(coordinator):
    return api_as(coordinator)


@pytest.fixture
def results_page(settings):
    settings.ROOT_URLCONF = "tests.assessments.results_urls"
    return PAGE.format


def closed_modellen_round(values: list[list[int | None]], *, agreement=None, opens_on=dt.date(2025, 5, 1)):
    round_ = make_round(agreement or AgreementFactory(), instrument(SAMVERKANSMODELLEN), opens_on)
    for answers in values:
        respond(round_, answers, texts=("Bra möten",))
    round_.respondents.update(responded_at=ANSWER_TIME)
    return round_


def figures(body: dict) -> list[tuple]:
    return [(i["n"], i["mean"], i["min"], i["max"], i["sd"]) for i in body["items"]]


# --- 1. after retention: anonymous respondents, figures unchanged --------------------------------------------


def test_results_after_retention_show_anonymous_respondents_in_the_api(coordinator_api, settings):
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0], [8, 6, 5, 2, 8, 10]])
    before = coordinator_api.get(ENDPOINT.format(round_.pk), {"include": "answers"}).json()
    # The nightly job, 37 months after the round closed, unlinks the answers from the people.
    summary = privacy.privacy_retention(today=timezone.localdate() + relativedelta(months=37))
    assert summary.respondents_unlinked == 3
    assert not round_.respondents.filter(person__isnull=False).exists()

    response = coordinator_api.get(ENDPOINT.format(round_.pk), {"include": "answers"})
    assert response.status_code == 200
    body = response.json()
    assert figures(body) == figures(before)
    assert body["answered"] == 3
    assert [(a["person"], a["name"]) for a in body["answers"]] == [(None, "Anonymous respondent")] * 3
    assert sorted(a["answers"][0]["value"] for a in body["answers"]) == [3, 7, 8]
    assert body["free_text"] == []  # retention removed the comments


def test_results_after_retention_show_anonymous_respondents_on_the_admin_page(
    coordinator_client, results_page, settings
):
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0], [8, 6, 5, 2, 8, 10]])
    privacy.privacy_retention(today=timezone.localdate() + relativedelta(months=37))
    response = coordinator_client.get(results_page(round_.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="results-respondent"') == 3
    assert html.count("<summary>Anonym svarande (") == 3  # the admin is Swedish by default
    # The round's own page lists the respondents too.
    assert coordinator_client.get(CHANGE_PAGE.format(round_.pk)).status_code == 200


def test_deleting_a_person_who_answered_leaves_an_anonymous_answer(coordinator_api, coordinator_client, results_page):
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0], [8, 6, 5, 2, 8, 10]])
    gone = round_.respondents.order_by("pk").first().person
    gone.delete()
    body = coordinator_api.get(ENDPOINT.format(round_.pk), {"include": "answers"}).json()
    assert body["items"][0]["n"] == 3
    assert sum(1 for a in body["answers"] if a["person"] is None and a["name"] == "Anonymous respondent") == 1
    assert coordinator_client.get(results_page(round_.pk)).status_code == 200


# --- 3. small groups: readers see closed rounds, groups of ASSESSMENT_MIN_GROUP, no per-person times --------


def test_a_reader_sees_no_figures_of_a_two_person_round(reader_api, coordinator_api):
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0]])
    response = reader_api.get(ENDPOINT.format(round_.pk))
    assert response.status_code == 200
    body = response.json()
    assert (body["answered"], body["min_group"]) == (2, 3)
    for item in body["items"]:
        assert item["n"] == 2
        assert item["withheld"] is True
        assert (item["mean"], item["min"], item["max"], item["sd"]) == (None, None, None, None)
        assert item["distribution"] == []
    assert body["free_text"] == []
    assert body["history"]["rounds"][0]["values"] == dict.fromkeys(map(str, range(1, 7)))
    # The coordinator sees everything.
    full = coordinator_api.get(ENDPOINT.format(round_.pk)).json()
    assert full["min_group"] is None
    assert figures(full)[0] == (2, 5.0, 3, 7, 2.0)
    assert full["items"][0]["withheld"] is False
    assert full["free_text"][0]["answers"] == ["Bra möten", "Bra möten"]


def test_a_reader_sees_the_figures_of_a_round_that_reaches_the_group(reader_api, settings):
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0], [8, 6, 5, 2, 8, 10]])
    body = reader_api.get(ENDPOINT.format(round_.pk)).json()
    assert figures(body)[0] == (3, 6.0, 3, 8, 2.16)
    assert {cell["value"]: cell["count"] for cell in body["items"][0]["distribution"] if cell["count"]} == {
        3: 1, 7: 1, 8: 1,
    }  # fmt: skip
    assert body["free_text"][0]["answers"] == ["Bra möten"] * 3
    settings.ASSESSMENT_MIN_GROUP = 4
    body = reader_api.get(ENDPOINT.format(round_.pk)).json()
    assert body["min_group"] == 4
    assert all(item["mean"] is None for item in body["items"])


def test_a_reader_sees_an_item_only_where_its_n_reaches_the_group(reader_api):
    # Three answered, but only two rated Dialog.
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, None, 5, 10, 9, 0], [8, 6, 5, 2, 8, 10]])
    items = reader_api.get(ENDPOINT.format(round_.pk)).json()["items"]
    assert (items[0]["n"], items[0]["mean"], items[0]["withheld"]) == (3, 6.0, False)
    assert (items[1]["n"], items[1]["mean"], items[1]["max"], items[1]["withheld"]) == (2, None, None, True)
    assert items[1]["distribution"] == []


def test_a_reader_gets_no_change_against_a_small_previous_round(reader_api, coordinator_api):
    agreement = AgreementFactory()
    previous = round_of_testa(agreement, dt.date(2024, 3, 1), [2, 3])  # two people: their mean stays hidden
    current = round_of_testa(agreement, dt.date(2025, 3, 1), [4, 3, 2])
    body = reader_api.get(ENDPOINT.format(current.pk)).json()
    assert body["total"]["mean"] == 63.0
    assert body["total"]["band"]["label"] == "Well done!"
    assert body["total"]["change"] is None
    assert all(item["change"] is None for item in body["items"])
    assert all(section["change"] is None for section in body["sections"])
    trend = {row["id"]: row["values"]["total"] for row in body["history"]["rounds"]}
    assert trend == {previous.pk: None, current.pk: 63.0}
    # The coordinator's view has the change and the earlier total.
    full = coordinator_api.get(ENDPOINT.format(current.pk)).json()
    assert full["total"]["change"] == 10.5
    assert {row["id"]: row["values"]["total"] for row in full["history"]["rounds"]}[previous.pk] == 52.5


def test_a_reader_sees_no_total_of_a_small_round(reader_api):
    round_ = round_of_testa(AgreementFactory(), dt.date(2025, 3, 1), [4, 3])
    body = reader_api.get(ENDPOINT.format(round_.pk)).json()
    total = body["total"]
    assert (total["n"], total["mean"], total["min"], total["max"], total["rounded"], total["band"]) == (
        2, None, None, None, None, None,
    )  # fmt: skip
    assert total["withheld"] is True
    assert all(section["mean"] is None and section["withheld"] for section in body["sections"])


def test_a_reader_sees_no_results_of_an_open_round(reader_api, coordinator_api, client, reader, results_page):
    modellen = instrument(SAMVERKANSMODELLEN)
    round_ = make_round(AgreementFactory(), modellen, dt.date(2026, 3, 1), status=RoundStatus.OPEN)
    for values in ([7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0], [8, 6, 5, 2, 8, 10]):
        respond(round_, values)
    response = reader_api.get(ENDPOINT.format(round_.pk))
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]
    assert "items" not in response.json()
    assert coordinator_api.get(ENDPOINT.format(round_.pk)).json()["items"][0]["mean"] == 6.0

    client.force_login(reader)
    page = client.get(results_page(round_.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Resultaten visas för läsare när omgången har stängts." in html
    assert 'id="items-table"' not in html
    assert 'id="trend-table"' not in html


def test_the_results_page_withholds_small_figures_from_a_reader(client, reader, results_page):
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0]])
    client.force_login(reader)
    response = client.get(results_page(round_.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Siffror visas bara där minst 3 har svarat." in html
    assert 'id="results-individual"' not in html
    assert "Bra möten" not in html
    # Potential & kontext: 3 and 7 → a mean of 5.00, nowhere on the page.
    assert "5,00" not in html
    assert "5.00" not in html


def test_a_reader_never_sees_when_each_respondent_answered(client, reader, coordinator_client):
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0], [8, 6, 5, 2, 8, 10]])
    round_.respondents.update(reminded_at=ANSWER_TIME, invited_at=ANSWER_TIME)
    local = timezone.localtime(ANSWER_TIME).strftime("%H:%M")
    assert local in coordinator_client.get(CHANGE_PAGE.format(round_.pk)).content.decode()
    client.force_login(reader)
    response = client.get(CHANGE_PAGE.format(round_.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert local not in html
    assert str(round_.respondents.first().person) in html  # who was asked stays visible


def test_a_readers_person_export_has_no_answer_times(reader_api, coordinator_api):
    person = PersonFactory()
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4]])
    round_.respondents.update(person=person, reminded_at=ANSWER_TIME)
    [invitation] = reader_api.get(f"/api/v1/persons/{person.pk}/export/").json()["assessment_invitations"]
    assert (invitation["responded_at"], invitation["reminded_at"]) == (None, None)
    [invitation] = coordinator_api.get(f"/api/v1/persons/{person.pk}/export/").json()["assessment_invitations"]
    assert invitation["responded_at"] is not None
    assert invitation["reminded_at"] is not None


def test_closed_only_and_small_groups_apply_to_the_selector_too():
    round_ = closed_modellen_round([[7, 8, 5, 6, 10, 4], [3, 6, 5, 10, 9, 0]])
    full = results.round_results(results.round_for_results(round_.pk))
    assert full["items"][0]["mean"] == 5.0
    limited = results.round_results(results.round_for_results(round_.pk), min_group=3)
    assert limited["items"][0]["mean"] is None
    assert results.withheld_reason(round_, min_group=3) is None
    AssessmentRound.objects.filter(pk=round_.pk).update(status=RoundStatus.OPEN, closed_at=None)
    assert results.withheld_reason(results.round_for_results(round_.pk), min_group=3)
    assert results.withheld_reason(results.round_for_results(round_.pk), min_group=None) is None
