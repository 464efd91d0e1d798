"""Round results from the database: hand-computed figures, the trend, fixed queries, the endpoint and the page."""

import datetime as dt
import math

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from assessments import results
from assessments.choices import ItemKind, RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN
from assessments.models import Answer, AssessmentRound, Instrument, InstrumentSection, Item, Respondent
from assessments.tokens import new_nonce, token_digest, token_for
from tests.factories import AgreementFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/assessments/assessmentround/{}/results/"
ENDPOINT = "/api/v1/assessment-rounds/{}/results/"

# Samverkansmodellen: four participants' ratings of the six dimensions (0–10), worked out by hand below.
MODELLEN_ANSWERS = [
    # Potential, Dialog, Ambition, Ansvar, Tillit, Lärande
    [7, 8, 5, 6, 10, 4],
    [3, 6, 5, 10, 9, 0],
    [8, 6, 5, 2, 8, 10],
    [6, 8, 5, 6, 9, 2],
]
# (n, mean, min, max, sd) per dimension; sd is the population standard deviation.
MODELLEN_EXPECTED = [
    (4, 6.0, 3, 8, 1.87),  # deviations 1, −3, 2, 0 → variance 14/4 = 3.5 → √3.5
    (4, 7.0, 6, 8, 1.0),  # deviations 1, −1, −1, 1 → variance 1
    (4, 5.0, 5, 5, 0.0),
    (4, 6.0, 2, 10, 2.83),  # deviations 0, 4, −4, 0 → variance 8 → √8
    (4, 9.0, 8, 10, 0.71),  # deviations 1, 0, −1, 0 → variance 0.5
    (4, 4.0, 0, 10, 3.74),  # deviations 0, −4, 6, −2 → variance 56/4 = 14 → √14
]


def instrument(code: str, version: int = 1) -> Instrument:
    return Instrument.objects.get(code=code, version=version)


def make_round(agreement, instrument_, opens_on, *, status=RoundStatus.CLOSED, days=14) -> AssessmentRound:
    now = timezone.now()
    return AssessmentRound.objects.create(
        agreement=agreement,
        instrument=instrument_,
        opens_on=opens_on,
        closes_on=opens_on + dt.timedelta(days=days),
        status=status,
        opened_at=now if status != RoundStatus.SCHEDULED else None,
        closed_at=now if status == RoundStatus.CLOSED else None,
    )


def invite(round_, person=None) -> Respondent:
    nonce = new_nonce()
    return Respondent.objects.create(
        round=round_, person=person or PersonFactory(), nonce=nonce, token_digest=token_digest(token_for(nonce))
    )


def respond(round_, answers, *, person=None, texts=(), submitted=True) -> Respondent:
    """A respondent answering the scored items in position order with ``answers`` and the text items with ``texts``."""
    respondent = invite(round_, person)
    items = list(round_.instrument.items.order_by("position"))
    scored = [item for item in items if item.kind == ItemKind.SCALE]
    free = [item for item in items if item.kind == ItemKind.TEXT]
    assert len(answers) == len(scored)
    rows = [Answer(respondent=respondent, item=item, value=value) for item, value in zip(scored, answers, strict=True)]
    rows += [Answer(respondent=respondent, item=item, comment=text) for item, text in zip(free, texts, strict=False)]
    Answer.objects.bulk_create(rows)
    if submitted:
        respondent.responded_at = timezone.now()
        respondent.save(update_fields=["responded_at"])
    return respondent


@pytest.fixture
def modellen_round():
    round_ = make_round(
        AgreementFactory(), instrument(SAMVERKANSMODELLEN), dt.date(2026, 3, 1), status=RoundStatus.OPEN
    )
    texts = [("Tillit", "Ansvar"), ("  ",), ("Dialogen",), ()]
    for values, answered_texts in zip(MODELLEN_ANSWERS, texts, strict=True):
        respond(round_, values, texts=answered_texts)
    invite(round_)  # invited, has not answered
    respond(round_, [0] * 6, texts=("Utkast",), submitted=False)  # saved answers but never submitted
    return round_


def test_samverkansmodellen_results_equal_the_hand_computed_figures(modellen_round):
    data = results.round_results(results.round_for_results(modellen_round.pk))
    assert (data["invited"], data["answered"], data["response_rate"]) == (6, 4, 0.6667)
    assert [item["label"] for item in data["items"]] == [
        "Potential & kontext", "Dialog", "Ambition", "Ansvar", "Tillit", "Lärande",
    ]  # fmt: skip
    figures = [(i["n"], i["mean"], i["min"], i["max"], i["sd"]) for i in data["items"]]
    assert figures == MODELLEN_EXPECTED
    dialog = data["items"][1]["distribution"]
    assert [cell["value"] for cell in dialog] == list(range(11))
    assert {cell["value"]: cell["count"] for cell in dialog if cell["count"]} == {6: 2, 8: 2}
    # No bands: no sums, no total; the free text without names, blank and unsubmitted answers left out.
    assert data["sections"] == []
    assert data["total"] is None
    assert data["previous"] is None
    assert [(t["position"], t["answers"]) for t in data["free_text"]] == [(7, ["Dialogen", "Tillit"]), (8, ["Ansvar"])]
    assert "name" not in str(data["free_text"])


def round_of_testa(agreement, opens_on, per_respondent: list[int], **kwargs) -> AssessmentRound:
    """A Testa din samverkan round where each respondent gives the same value to all 21 statements."""
    round_ = make_round(agreement, instrument(TESTA_DIN_SAMVERKAN), opens_on, **kwargs)
    for value in per_respondent:
        respond(round_, [value] * 21)
    return round_


@pytest.fixture
def testa_rounds():
    agreement = AgreementFactory()
    oldest = round_of_testa(agreement, dt.date(2024, 3, 1), [1, 1])
    previous = round_of_testa(agreement, dt.date(2025, 3, 1), [2, 3])
    # Not the previous round: still open, another instrument, another agreement, later.
    round_of_testa(agreement, dt.date(2025, 9, 1), [5], status=RoundStatus.OPEN)
    make_round(agreement, instrument(SAMVERKANSMODELLEN), dt.date(2025, 10, 1))
    round_of_testa(AgreementFactory(), dt.date(2025, 11, 1), [5])
    current = round_of_testa(agreement, dt.date(2026, 3, 1), [4, 3, 2], status=RoundStatus.OPEN)
    round_of_testa(agreement, dt.date(2027, 3, 1), [5])
    return {"oldest": oldest, "previous": previous, "current": current}


def test_testa_din_samverkan_sums_total_band_and_trend_against_the_previous_closed_round(testa_rounds):
    data = results.round_results(results.round_for_results(testa_rounds["current"].pk))
    # Totals 84, 63, 42 → mean 63 → "Bra jobbat!"; deviations ±21 → variance 882/3 = 294 → √294 ≈ 17.15.
    total = data["total"]
    assert (total["n"], total["mean"], total["min"], total["max"], total["rounded"]) == (3, 63.0, 42, 84, 63)
    assert total["sd"] == round(math.sqrt(294), 2) == 17.15
    assert (total["minimum"], total["maximum"]) == (21, 105)
    assert total["band"]["label"] == "Bra jobbat!"
    assert total["band"]["advice"].startswith("Här finns goda förutsättningar")
    # The previous round is the closed one of 2025-03-01: totals 42 and 63 → 52.5; change 63 − 52.5.
    assert data["previous"]["id"] == testa_rounds["previous"].pk
    assert total["change"] == 10.5
    # Blocks of 5, 5, 10 and 1 statements: sums 4/3/2 × items.
    sections = [(s["items"], s["mean"], s["min"], s["max"], s["maximum"], s["change"]) for s in data["sections"]]
    assert sections == [
        (5, 15.0, 10, 20, 25, 2.5),  # previous 10 and 15 → 12.5
        (5, 15.0, 10, 20, 25, 2.5),
        (10, 30.0, 20, 40, 50, 5.0),  # previous 20 and 30 → 25
        (1, 3.0, 2, 4, 5, 0.5),
    ]
    first = data["items"][0]
    assert (first["n"], first["mean"], first["sd"], first["change"]) == (3, 3.0, 0.82, 0.5)  # √(2/3) ≈ 0.816
    assert [cell["count"] for cell in first["distribution"]] == [0, 1, 1, 1, 0]
    assert len(data["items"]) == 21
    assert [band["min_total"] for band in data["bands"]] == [21, 42, 63, 84, 95]


def test_history_lists_the_closed_rounds_and_the_current_one_oldest_first(testa_rounds):
    current = testa_rounds["current"]
    history = results.round_history(current.agreement, TESTA_DIN_SAMVERKAN, current=current)
    assert history["summed"] is True
    assert (history["minimum"], history["maximum"]) == (21, 105)
    rows = [
        (row["opens_on"].year, row["answered"], row["values"]["total"], row["current"]) for row in history["rounds"]
    ]
    # The still-open 2025-09 round is not in the history; the later closed 2027 round is.
    assert rows == [(2024, 2, 21.0, False), (2025, 2, 52.5, False), (2026, 3, 63.0, True), (2027, 1, 105.0, False)]


def test_history_of_an_instrument_without_bands_has_a_line_per_dimension(modellen_round):
    history = results.round_history(modellen_round.agreement, SAMVERKANSMODELLEN, current=modellen_round)
    assert history["summed"] is False
    assert [line["label"] for line in history["series"]][:2] == ["Potential & kontext", "Dialog"]
    assert history["rounds"][0]["values"] == {"1": 6.0, "2": 7.0, "3": 5.0, "4": 6.0, "5": 9.0, "6": 4.0}


def version_of(code: str, version: int, positions: int) -> Instrument:
    own = Instrument.objects.create(code=code, version=version, name_sv=f"Egen {version}", scale_min=1, scale_max=5)
    section = InstrumentSection.objects.create(instrument=own, position=1, title_sv="Allt")
    for position in range(1, positions + 1):
        Item.objects.create(instrument=own, section=section, position=position, text_sv=f"Fråga {position}")
    return own


def test_the_trend_across_versions_compares_items_by_position():
    agreement = AgreementFactory()
    before = make_round(agreement, version_of("egen", 1, 3), dt.date(2025, 1, 1))
    respond(before, [2, 4, 5])
    after = make_round(agreement, version_of("egen", 2, 2), dt.date(2026, 1, 1), status=RoundStatus.OPEN)
    respond(after, [3, 3])
    data = results.round_results(results.round_for_results(after.pk))
    assert data["previous"]["instrument_version"] == 1
    assert [item["change"] for item in data["items"]] == [1.0, -1.0]


def test_a_round_without_respondents_has_empty_figures():
    round_ = make_round(AgreementFactory(), instrument(TESTA_DIN_SAMVERKAN), dt.date(2026, 1, 1))
    data = results.round_results(results.round_for_results(round_.pk))
    assert (data["invited"], data["answered"], data["response_rate"]) == (0, 0, None)
    assert data["total"]["n"] == 0
    assert data["total"]["band"] is None
    assert data["items"][0]["mean"] is None
    assert results.individual_answers(round_) == []


def rounds_with(respondents: int) -> AssessmentRound:
    agreement = AgreementFactory()
    round_of_testa(agreement, dt.date(2025, 1, 1), [3] * respondents)
    return round_of_testa(
        agreement, dt.date(2026, 1, 1), [(n % 5) + 1 for n in range(respondents)], status=RoundStatus.OPEN
    )


@pytest.mark.parametrize("respondents", [2, 8])
def test_round_results_queries_do_not_grow(respondents, django_assert_num_queries):
    round_ = rounds_with(respondents)
    # the round with instrument and agreement; sections, items, bands, respondent counts, answers;
    # the previous round, its items, its answers
    with django_assert_num_queries(9):
        data = results.round_results(results.round_for_results(round_.pk))
    assert data["answered"] == respondents
    # rounds, their items, their answers
    with django_assert_num_queries(3):
        history = results.round_history(round_.agreement, TESTA_DIN_SAMVERKAN, current=round_)
    assert len(history["rounds"]) == 2
    # respondents with people, items, answers
    with django_assert_num_queries(3):
        assert len(results.individual_answers(round_)) == respondents


@pytest.mark.parametrize("respondents", [2, 8])
def test_results_endpoint_queries_do_not_grow(respondents, coordinator_api, django_assert_num_queries):
    round_ = rounds_with(respondents)
    # user permissions, group permissions; the round; sections, items, bands, counts, answers, previous round,
    # its items, its answers; history: rounds, items, answers; with answers: respondents, items, answers
    with django_assert_num_queries(17):
        response = coordinator_api.get(ENDPOINT.format(round_.pk), {"include": "answers"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] == len(body["answers"]) == respondents
    assert len(body["history"]["rounds"]) == 2


def close(round_) -> None:
    """Readers see the results of closed rounds only (tests/assessments/test_results_privacy.py)."""
    AssessmentRound.objects.filter(pk=round_.pk).update(status=RoundStatus.CLOSED, closed_at=timezone.now())


def test_the_endpoint_gives_the_figures_and_answers_only_when_asked_with_permission(modellen_round, client_as):
    close(modellen_round)
    viewer = UserFactory(username="rundlasare")
    viewer.user_permissions.add(Permission.objects.get(codename="view_assessmentround"))
    api = client_as(viewer)
    response = api.get(ENDPOINT.format(modellen_round.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["response_rate"] == 0.6667
    assert body["items"][0]["sd"] == 1.87
    assert "answers" not in body
    assert api.get(ENDPOINT.format(modellen_round.pk), {"include": "answers"}).status_code == 403
    assert api.get(ENDPOINT.format(modellen_round.pk), {"include": "everything"}).status_code == 400

    viewer.user_permissions.add(Permission.objects.get(codename="view_answer"))
    api = client_as(type(viewer).objects.get(pk=viewer.pk))  # permissions are cached per user object
    body = api.get(ENDPOINT.format(modellen_round.pk), {"include": "answers"}).json()
    assert len(body["answers"]) == 4  # submitted respondents only
    first = body["answers"][0]
    assert first["name"]
    assert [answer["position"] for answer in first["answers"]][:6] == [1, 2, 3, 4, 5, 6]


def test_the_endpoint_refuses_without_permission_and_404s_an_unknown_round(modellen_round, client_as, no_perm_user):
    assert client_as(no_perm_user).get(ENDPOINT.format(modellen_round.pk)).status_code == 403
    viewer = UserFactory(username="rundlasare2")
    viewer.user_permissions.add(Permission.objects.get(codename="view_assessmentround"))
    assert client_as(viewer).get(ENDPOINT.format(modellen_round.pk + 1000)).status_code == 404


@pytest.fixture
def results_page(settings):
    settings.ROOT_URLCONF = "tests.assessments.results_urls"
    return PAGE.format


def test_the_results_page_shows_figures_charts_and_answers_to_a_coordinator(
    coordinator_client, testa_rounds, results_page
):
    response = coordinator_client.get(results_page(testa_rounds["current"].pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 2
    assert '<title id="items-chart-title">' in html
    assert '<desc id="trend-chart-desc">' in html
    for table in ("items-table", "sections-table", "trend-table"):
        assert f'id="{table}"' in html
    assert "Bra jobbat!" in html
    assert "3 av 3 inbjudna har svarat" in html  # the admin is Swedish by default
    assert 'id="results-individual"' in html  # the coordinator may view answers


def test_the_results_page_hides_individual_answers_without_view_answer(client, testa_rounds, results_page):
    close(testa_rounds["current"])
    viewer = UserFactory(username="sidlasare", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_assessmentround"))
    client.force_login(viewer)
    response = client.get(results_page(testa_rounds["current"].pk))
    assert response.status_code == 200
    assert 'id="results-individual"' not in response.content.decode()


def test_the_results_page_404s_an_unknown_round(coordinator_client, results_page):
    assert coordinator_client.get(results_page(999999)).status_code == 404


def test_the_results_page_refuses_a_staff_user_without_permission(client, testa_rounds, results_page):
    client.force_login(UserFactory(username="personal", is_staff=True))
    assert client.get(results_page(testa_rounds["current"].pk)).status_code == 403


def test_chart_texts_are_escaped(modellen_round):
    from assessments import charts

    data = results.round_results(results.round_for_results(modellen_round.pk))
    data["items"][0]["label"] = '<script>alert("x")</script> & co'
    svg = charts.items_chart(data)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp; co" in svg


def test_charts_draw_the_mean_bar_the_range_and_a_point_per_round(testa_rounds, modellen_round):
    from assessments import charts

    data = results.round_results(results.round_for_results(modellen_round.pk))
    svg = charts.items_chart(data)
    plot = charts.PLOT_RIGHT - charts.PLOT_LEFT
    # Potential & kontext: mean 6 of 0–10 → a bar 60 % of the plot wide; range line from 3 to 8.
    assert f'width="{0.6 * plot:.1f}"' in svg
    assert f'x1="{charts.PLOT_LEFT + 0.3 * plot:.1f}" y1="23.0" x2="{charts.PLOT_LEFT + 0.8 * plot:.1f}"' in svg
    assert svg.count("<rect ") == 6

    current = testa_rounds["current"]
    trend = charts.trend_chart(results.round_history(current.agreement, TESTA_DIN_SAMVERKAN, current=current))
    assert trend.count("<polyline ") == 1
    assert trend.count("<circle ") == 4
    assert "52,50" in trend or "52.50" in trend  # the 2025 round's mean total in a point's title


def test_an_out_of_range_round_id_is_a_404_not_an_error(coordinator_api, coordinator_client, results_page):
    huge = 10**20
    assert coordinator_api.get(ENDPOINT.format(huge)).status_code == 404
    assert coordinator_client.get(results_page(huge)).status_code == 404


@pytest.mark.parametrize("respondents", [2, 8])
def test_results_page_queries_do_not_grow(respondents, coordinator_client, results_page, django_assert_num_queries):
    round_ = rounds_with(respondents)
    # session, user, user permissions, group permissions; the round; results 8; history 3; answers 3
    with django_assert_num_queries(19):
        response = coordinator_client.get(results_page(round_.pk))
    assert response.status_code == 200
    assert response.content.decode().count('class="results-respondent"') == respondents
