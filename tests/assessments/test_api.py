"""/api/v1/instruments/ and /api/v1/assessment-rounds/: reading, starting, moving the closing date and
deleting rounds, filters, permissions, constant queries, and no tokens or answers in sight."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agreements.choices import AgreementStatus
from assessments import services
from assessments.choices import ItemKind, RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN
from assessments.models import Answer, AssessmentRound, Instrument, InstrumentSection, Item, Respondent
from tests.factories import PersonFactory, agreement_with

pytestmark = pytest.mark.django_db

INSTRUMENTS = "/api/v1/instruments/"
ROUNDS = "/api/v1/assessment-rounds/"


def builtin(code=SAMVERKANSMODELLEN) -> Instrument:
    return Instrument.objects.get(code=code, version=1)


def active_agreement(**values):
    agreement = agreement_with(parties=2, responsibilities=2)
    agreement.status = AgreementStatus.ACTIVE
    agreement.coordinator = PersonFactory()
    for name, value in values.items():
        setattr(agreement, name, value)
    agreement.save()
    return agreement


def start(agreement=None, *, instrument=None, opens_in=0, days=14, answers=0):
    """A round of three default respondents, ``answers`` of whom have answered."""
    today = timezone.localdate()
    instrument = instrument or builtin()
    round_ = services.round_create(
        agreement=agreement or active_agreement(),
        instrument=instrument,
        opens_on=today + dt.timedelta(days=opens_in),
        closes_on=today + dt.timedelta(days=opens_in + days),
    )
    for respondent in round_.respondents.all()[:answers]:
        for item in instrument.items.filter(kind=ItemKind.SCALE):
            Answer.objects.create(respondent=respondent, item=item, value=3)
        respondent.responded_at = timezone.now()
        respondent.save()
    return round_


def as_user(user) -> APIClient:
    """A client of its own (the api_client fixture is shared by coordinator_api and reader_api)."""
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- instruments -----------------------------------------------------------------------------------------


def test_instruments_need_a_login_and_the_view_permission(api_client, client_as, no_perm_user):
    assert api_client.get(INSTRUMENTS).status_code in (401, 403)
    assert client_as(no_perm_user).get(INSTRUMENTS).status_code == 403


def test_instrument_detail_lists_sections_items_scale_and_bands(reader_api):
    testa = builtin(TESTA_DIN_SAMVERKAN)
    response = reader_api.get(f"{INSTRUMENTS}{testa.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert (data["code"], data["version"], data["is_builtin"], data["is_active"]) == (
        TESTA_DIN_SAMVERKAN,
        1,
        True,
        True,
    )
    assert data["name"] == "Test your collaboration!"
    assert data["scale"]["min"] == 1
    assert data["scale"]["max"] == 5
    assert data["scale"]["max_label_sv"] == "i mycket hög grad (bäst)"
    assert data["totals"] == {"min": 21, "max": 105}
    assert [len(section["items"]) for section in data["sections"]] == [5, 5, 10, 1]
    assert data["sections"][0]["title_sv"] == "Startförhållanden"
    first = data["sections"][0]["items"][0]
    assert first["text_sv"].startswith("Finns sedan tidigare tillit")
    assert first["text_en"].startswith("Is there already trust")
    assert first["kind"] == "scale"
    assert [(band["min_total"], band["max_total"]) for band in data["bands"]] == [
        (21, 41),
        (42, 62),
        (63, 83),
        (84, 94),
        (95, 105),
    ]
    assert all(band["advice_sv"] for band in data["bands"])


def test_samverkansmodellen_has_dimensions_and_free_text(reader_api):
    data = reader_api.get(f"{INSTRUMENTS}{builtin().pk}/").json()
    dimensions, reflections = data["sections"]
    assert [item["kind"] for item in dimensions["items"]] == ["scale"] * 6
    assert all(item["label_sv"] for item in dimensions["items"])
    assert [item["kind"] for item in reflections["items"]] == ["text"] * 3
    assert data["scale"]["min"] == 0
    assert data["scale"]["max"] == 10
    assert data["bands"] == []


def test_instruments_filter_by_code_and_offered(reader_api):
    copy = Instrument.objects.create(code=SAMVERKANSMODELLEN, version=2, name_sv="Ny", is_active=False)
    assert set(ids(reader_api.get(INSTRUMENTS, {"code": SAMVERKANSMODELLEN}))) == {builtin().pk, copy.pk}
    assert copy.pk not in ids(reader_api.get(INSTRUMENTS, {"is_active": "true"}))
    assert ids(reader_api.get(INSTRUMENTS, {"is_active": "false"})) == [copy.pk]


def test_instruments_are_read_only_here(coordinator_api):
    assert coordinator_api.post(INSTRUMENTS, {"code": "x", "name_sv": "X"}).status_code == 405
    assert coordinator_api.delete(f"{INSTRUMENTS}{builtin().pk}/").status_code == 405
    assert Instrument.objects.count() == 3


@pytest.mark.parametrize("n", [1, 6])
def test_instrument_list_queries_do_not_grow(reader_api, n, django_assert_num_queries):
    for index in range(n):
        instrument = Instrument.objects.create(code=f"egen-{index}", name_sv="Egen")
        section = InstrumentSection.objects.create(instrument=instrument, title_sv="Del")
        for position in (1, 2):
            Item.objects.create(instrument=instrument, section=section, position=position, text_sv="Fråga")
    # user permissions, group permissions; COUNT; instruments; sections; items; bands
    with django_assert_num_queries(7):
        response = reader_api.get(INSTRUMENTS)
    assert response.json()["count"] == n + 3


# --- rounds: reading ----------------------------------------------------------------------------------------


def test_rounds_need_a_login_and_the_view_permission(api_client, client_as, no_perm_user):
    round_ = start()
    assert api_client.get(ROUNDS).status_code in (401, 403)
    assert api_client.get(f"{ROUNDS}{round_.pk}/").status_code in (401, 403)
    assert client_as(no_perm_user).get(ROUNDS).status_code == 403


def test_round_detail_has_counts_and_no_tokens(reader_api):
    round_ = start(answers=1)
    response = reader_api.get(f"{ROUNDS}{round_.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["agreement"] == round_.agreement_id
    assert data["agreement_title"] == round_.agreement.title
    assert (data["instrument"], data["instrument_code"], data["instrument_version"]) == (
        round_.instrument_id,
        SAMVERKANSMODELLEN,
        1,
    )
    assert data["status"] == RoundStatus.OPEN
    assert (data["respondent_count"], data["answered_count"]) == (3, 1)
    assert data["results_url"].endswith(f"/api/v1/assessment-rounds/{round_.pk}/results/")
    text = response.content.decode()
    for respondent in Respondent.objects.filter(round=round_):
        assert respondent.nonce not in text
        assert respondent.token_digest not in text
    assert not {"respondents", "answers", "token", "nonce", "token_digest"} & set(data)


def test_rounds_filter_by_agreement_instrument_status_and_dates(reader_api):
    today = timezone.localdate()
    testa = builtin(TESTA_DIN_SAMVERKAN)
    now = start()
    later = start(opens_in=30, instrument=testa)
    closed = start(agreement=now.agreement)
    services.round_close(closed)

    def listed(**params):
        response = reader_api.get(ROUNDS, params)
        assert response.status_code == 200, response.json()
        return set(ids(response))

    assert listed(agreement=now.agreement_id) == {now.pk, closed.pk}
    assert listed(agreement_id=later.agreement_id) == {later.pk}
    assert listed(instrument=testa.pk) == {later.pk}
    assert listed(instrument_code=SAMVERKANSMODELLEN) == {now.pk, closed.pk}
    assert listed(status=RoundStatus.SCHEDULED) == {later.pk}
    assert reader_api.get(ROUNDS, {"status": [RoundStatus.OPEN, RoundStatus.CLOSED]}).json()["count"] == 2
    assert listed(opens_after=str(today + dt.timedelta(days=1))) == {later.pk}
    assert listed(opens_before=str(today)) == {now.pk, closed.pk}
    assert listed(closes_after=str(today + dt.timedelta(days=30))) == {later.pk}
    assert listed(closes_before=str(today + dt.timedelta(days=14))) == {now.pk, closed.pk}
    assert listed(q=later.agreement.title) == {later.pk}
    assert ids(reader_api.get(ROUNDS, {"ordering": "opens_on"}))[-1] == later.pk


@pytest.mark.parametrize(
    "params",
    [{"agreement": "abc"}, {"status": "sleeping"}, {"opens_after": "2026-13-01"}, {"agreement": str(2**70)}],
)
def test_round_filters_refuse_odd_input(reader_api, params):
    response = reader_api.get(ROUNDS, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize("n", [1, 6])
def test_round_list_queries_do_not_grow(reader_api, n, django_assert_num_queries):
    for _index in range(n):
        start(answers=1)
    # user permissions, group permissions; COUNT; rounds with agreement, instrument, creator and counts
    with django_assert_num_queries(4):
        response = reader_api.get(ROUNDS)
    assert response.json()["count"] == n
    assert {row["answered_count"] for row in response.json()["results"]} == {1}


# --- rounds: starting ------------------------------------------------------------------------------------


def payload(agreement, /, **values) -> dict:
    today = timezone.localdate()
    return {
        "agreement": agreement.pk,
        "instrument": builtin().pk,
        "opens_on": str(today + dt.timedelta(days=2)),
        "closes_on": str(today + dt.timedelta(days=20)),
        **values,
    }


def test_coordinator_starts_a_round_with_the_default_respondents(coordinator_api, coordinator):
    agreement = active_agreement()
    response = coordinator_api.post(ROUNDS, payload(agreement))
    assert response.status_code == 201, response.json()
    data = response.json()
    round_ = AssessmentRound.objects.get(pk=data["id"])
    assert response["Location"].endswith(f"{ROUNDS}{round_.pk}/")
    assert data["status"] == RoundStatus.SCHEDULED
    assert data["respondent_count"] == 3
    assert round_.created_by == coordinator
    assert set(round_.respondents.values_list("person_id", flat=True)) == {
        person.pk for person in services.default_respondents(agreement)
    }


def test_a_round_with_chosen_respondents(coordinator_api):
    agreement = active_agreement()
    people = [PersonFactory(), PersonFactory()]
    response = coordinator_api.post(ROUNDS, payload(agreement, persons=[person.pk for person in people]))
    assert response.status_code == 201, response.json()
    assert response.json()["respondent_count"] == 2
    assert set(Respondent.objects.values_list("person_id", flat=True)) == {person.pk for person in people}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"opens_on": "2026-13-01"}, "opens_on", "Date has wrong format"),
        ({"closes_on": "1800-01-01"}, "closes_on", "Enter a date between"),
        ({"opens_on": "2099-02-01", "closes_on": "2099-01-01"}, "closes_on", "cannot close before it opens"),
        ({"opens_on": "2020-01-01", "closes_on": "2020-02-01"}, "closes_on", "already passed"),
        ({"persons": [999999]}, "persons", "does not exist"),
        ({"persons": [2**70]}, "persons", "does not exist"),
        ({"persons": ["x"]}, "persons", "whole number"),
        ({"persons": []}, "persons", "at least one person"),
        ({"agreement": 999999}, "agreement", "does not exist"),
        ({"instrument": None}, "instrument", "may not be null"),
    ],
)
def test_bad_rounds_are_refused_with_field_messages(coordinator_api, values, field, message):
    response = coordinator_api.post(ROUNDS, payload(active_agreement(), **values))
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not AssessmentRound.objects.exists()


def test_service_refusals_come_back_under_their_fields(coordinator_api):
    ended = active_agreement(status=AgreementStatus.TERMINATED)
    retired = Instrument.objects.create(code="gammal", name_sv="Gammal", is_active=False)
    response = coordinator_api.post(ROUNDS, payload(ended, instrument=retired.pk))
    assert response.status_code == 400
    assert set(response.json()) == {"agreement", "instrument"}
    unreachable = PersonFactory(email="")
    response = coordinator_api.post(ROUNDS, payload(active_agreement(), persons=[unreachable.pk]))
    assert response.status_code == 400
    assert "no e-mail address" in " ".join(response.json()["persons"])


def test_readers_and_anonymous_cannot_start_rounds(reader_api):
    agreement = active_agreement()
    assert APIClient().post(ROUNDS, payload(agreement), format="json").status_code in (401, 403)
    assert reader_api.post(ROUNDS, payload(agreement)).status_code == 403
    assert not AssessmentRound.objects.exists()


# --- rounds: closing date and deletion ------------------------------------------------------------------


def test_closing_date_moves_while_the_round_is_not_closed(coordinator_api, reader):
    round_ = start()
    later = round_.closes_on + dt.timedelta(days=7)
    assert as_user(reader).patch(f"{ROUNDS}{round_.pk}/", {"closes_on": str(later)}).status_code == 403
    response = coordinator_api.patch(f"{ROUNDS}{round_.pk}/", {"closes_on": str(later)})
    assert response.status_code == 200, response.json()
    assert response.json()["closes_on"] == str(later)
    round_.refresh_from_db()
    assert round_.closes_on == later
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    past = coordinator_api.patch(f"{ROUNDS}{round_.pk}/", {"closes_on": str(yesterday)})
    assert past.status_code == 400
    assert "closes_on" in past.json()
    assert coordinator_api.patch(f"{ROUNDS}{round_.pk}/", {}).status_code == 400
    assert coordinator_api.put(f"{ROUNDS}{round_.pk}/", {"closes_on": str(later)}).status_code == 405
    services.round_close(round_)
    closed = coordinator_api.patch(f"{ROUNDS}{round_.pk}/", {"closes_on": str(later + dt.timedelta(days=1))})
    assert closed.status_code == 400
    assert "closed" in " ".join(closed.json()["closes_on"])


def test_only_unanswered_rounds_are_deleted(coordinator_api, reader):
    unanswered = start()
    answered = start(answers=1)
    assert as_user(reader).delete(f"{ROUNDS}{unanswered.pk}/").status_code == 403
    conflict = coordinator_api.delete(f"{ROUNDS}{answered.pk}/")
    assert conflict.status_code == 409
    assert "answered" in conflict.json()["detail"]
    assert coordinator_api.delete(f"{ROUNDS}{unanswered.pk}/").status_code == 204
    assert list(AssessmentRound.objects.all()) == [answered]
    assert Answer.objects.filter(respondent__round=answered).count() == 6
    assert coordinator_api.delete(f"{ROUNDS}{unanswered.pk}/").status_code == 404
