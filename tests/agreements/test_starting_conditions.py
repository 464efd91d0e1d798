"""Starting conditions (001, after Ansell & Gash) at GET/PUT /api/v1/agreements/{id}/starting-conditions/ and
on the agreement page."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from agreements.choices import PITFALL_QUESTIONS
from agreements.models import PartyConditions, StartingConditions
from tests.factories import AgreementFactory, PartyFactory

pytestmark = pytest.mark.django_db


def url(agreement) -> str:
    return f"/api/v1/agreements/{agreement.pk}/starting-conditions/"


def test_nothing_recorded_reads_as_blank_with_the_six_questions(coordinator_api):
    party = PartyFactory()
    response = coordinator_api.get(url(party.agreement))
    assert response.status_code == 200
    data = response.json()
    assert data["power_asymmetry"] == ""
    assert data["updated_at"] is None
    assert [row["question"] for row in data["pitfalls"]] == list(PITFALL_QUESTIONS)
    assert all(row["answer"] == "" for row in data["pitfalls"])
    assert [row["party"] for row in data["parties"]] == [party.pk]
    assert not StartingConditions.objects.exists()


def test_put_records_and_leaves_out_what_is_not_given(coordinator_api):
    first, second = PartyFactory(), None
    agreement = first.agreement
    second = PartyFactory(agreement=agreement)
    response = coordinator_api.put(
        url(agreement),
        {
            "power_asymmetry": "high",
            "power_asymmetry_note": "Regionen betalar det mesta.",
            "prior_trust": "low",
            "pitfalls": [
                {"question": "mandate", "answer": "unclear", "note": "Fråga styrelsen."},
                {"question": "resources", "answer": "no"},
            ],
            "parties": [{"party": second.pk, "incentives": "Kompetensförsörjning", "constraints": "Lönsamhet"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    answers = {row["question"]: (row["answer"], row["note"]) for row in data["pitfalls"]}
    assert answers["mandate"] == ("unclear", "Fråga styrelsen.")
    assert answers["resources"] == ("no", "")
    assert answers["results"] == ("", "")
    parties = {row["party"]: row for row in data["parties"]}
    assert parties[second.pk]["incentives"] == "Kompetensförsörjning"
    assert parties[first.pk]["incentives"] == ""
    # A second PUT with one field changes only that field.
    response = coordinator_api.put(url(agreement), {"knowledge_asymmetry": "medium"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["power_asymmetry"], data["knowledge_asymmetry"], data["prior_trust"]) == ("high", "medium", "low")
    stored = StartingConditions.objects.get(agreement=agreement)
    assert stored.pitfall_mandate == "unclear"
    assert stored.history.count() == 2
    assert PartyConditions.objects.get(party=second).constraints == "Lönsamhet"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"power_asymmetry": "huge"}, "power_asymmetry"),
        ({"prior_trust": 3}, "prior_trust"),
        ({"conflict_history": "x" * 5001}, "conflict_history"),
        ({"pitfalls": [{"question": "nonsense", "answer": "yes"}]}, "pitfalls"),
        ({"pitfalls": [{"question": "mandate", "answer": "maybe"}]}, "pitfalls"),
        ({"pitfalls": [{"question": "mandate"}, {"question": "mandate"}]}, "pitfalls"),
        ({"pitfalls": "yes"}, "pitfalls"),
        ({"parties": [{"party": 0}]}, "parties"),
        ({"parties": [{"party": "abc"}]}, "parties"),
        ({"parties": [{"incentives": "no party"}]}, "parties"),
        ({"parties": [{"party": 2**70}]}, "parties"),
    ],
)
def test_bad_input_is_400_with_the_field(coordinator_api, body, field):
    party = PartyFactory()
    response = coordinator_api.put(url(party.agreement), body, format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not StartingConditions.objects.exists()


def test_a_party_of_another_agreement_is_refused_and_nothing_is_saved(coordinator_api):
    party, other = PartyFactory(), PartyFactory()
    response = coordinator_api.put(
        url(party.agreement),
        {"power_asymmetry": "high", "parties": [{"party": other.pk, "incentives": "x"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "parties" in response.json() or "parties" in str(response.json())
    assert not StartingConditions.objects.exists()
    assert not PartyConditions.objects.exists()


def test_unknown_agreement_is_404_and_readers_may_not_write(coordinator_api, reader_api):
    assert coordinator_api.get("/api/v1/agreements/999999/starting-conditions/").status_code == 404
    assert coordinator_api.get(f"/api/v1/agreements/{2**70}/starting-conditions/").status_code == 404
    agreement = AgreementFactory()
    assert reader_api.get(url(agreement)).status_code == 200
    assert reader_api.put(url(agreement), {"prior_trust": "low"}, format="json").status_code == 403


@pytest.mark.parametrize("field", ["power_asymmetry", "pitfall_mandate"])
def test_the_database_refuses_unknown_values(field):
    agreement = AgreementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StartingConditions.objects.create(agreement=agreement, **{field: "maybe"})


def test_agreement_page_has_the_section_and_saves_it(coordinator_client):
    party = PartyFactory()
    agreement = party.agreement
    coordinator_client.cookies["django_language"] = "en"
    response = coordinator_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Is it really collaboration this is about?" in content
    assert 'name="starting_conditions-0-pitfall_mandate"' in content
    assert 'name="conditions-TOTAL_FORMS"' in content


def test_options_is_no_server_error(coordinator_api):
    assert coordinator_api.options("/api/v1/agreements/0/starting-conditions/").status_code in (200, 404)
    agreement = AgreementFactory()
    assert coordinator_api.options(url(agreement)).status_code == 200
