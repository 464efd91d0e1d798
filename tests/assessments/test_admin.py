"""The assessment admin: instruments (inlines, checks, read-only once answered or shipped, new versions),
rounds (list, starting one with the default respondents, respondents, closing date, invitations, closing)
and the read-only answers."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from agreements.choices import AgreementStatus
from assessments import selectors, services
from assessments.choices import ItemKind, RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN
from assessments.models import Answer, AssessmentRound, Band, Instrument, InstrumentSection, Item, Respondent
from tests.admin_forms import post_data_from
from tests.factories import PersonFactory, agreement_with

pytestmark = pytest.mark.django_db

INSTRUMENTS = reverse("admin:assessments_instrument_changelist")
ADD_INSTRUMENT = reverse("admin:assessments_instrument_add")
ROUNDS = reverse("admin:assessments_assessmentround_changelist")
ADD_ROUND = reverse("admin:assessments_assessmentround_add")
ANSWERS = reverse("admin:assessments_answer_changelist")


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def change_url(obj) -> str:
    return reverse(f"admin:assessments_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def builtin(code=SAMVERKANSMODELLEN) -> Instrument:
    return Instrument.objects.get(code=code, version=1)


def custom_instrument(code="egen", *, items=3, sections=1, bands=(), active=True) -> Instrument:
    """An instrument of the coordinators' own, 1–5, its items spread over its sections."""
    instrument = Instrument.objects.create(code=code, name_sv="Egen enkät", name_en="Own survey", is_active=active)
    parts = [
        InstrumentSection.objects.create(instrument=instrument, position=n, title_sv=f"Del {n}")
        for n in range(1, sections + 1)
    ]
    for n in range(1, items + 1):
        Item.objects.create(
            instrument=instrument, section=parts[(n - 1) % sections], position=n, text_sv=f"Påstående {n}"
        )
    for low, high in bands:
        Band.objects.create(instrument=instrument, min_total=low, max_total=high, label_sv=f"{low}–{high}")
    return instrument


def active_agreement():
    agreement = agreement_with(parties=2, responsibilities=2)
    agreement.status = AgreementStatus.ACTIVE
    agreement.coordinator = PersonFactory()
    agreement.save()
    return agreement


def answered_round(instrument=None, *, answers=2, opened_days_ago=0):
    """An open round of an agreement with three default respondents, of whom ``answers`` have answered every
    scored item with 4."""
    instrument = instrument or builtin()
    agreement = active_agreement()
    today = timezone.localdate()
    round_ = services.round_create(
        agreement=agreement,
        instrument=instrument,
        opens_on=today - dt.timedelta(days=opened_days_ago),
        closes_on=today + dt.timedelta(days=7),
    )
    for respondent in round_.respondents.all()[:answers]:
        for item in instrument.items.filter(kind=ItemKind.SCALE):
            Answer.objects.create(respondent=respondent, item=item, value=min(4, instrument.scale_max))
        respondent.responded_at = timezone.now()
        respondent.save()
    return round_


# --- instrument list and page ------------------------------------------------------------------------------


def test_instrument_list_shows_counts(coordinator_client):
    custom_instrument(items=4)
    answered_round()
    response = coordinator_client.get(INSTRUMENTS)
    assert response.status_code == 200
    rows = {(i.code, i.version): i for i in response.context["cl"].result_list}
    assert rows[("egen", 1)].item_count == 4
    assert rows[("egen", 1)].round_count == 0
    testa = rows[(TESTA_DIN_SAMVERKAN, 1)]
    assert testa.item_count == testa.scored_item_count == 21
    modellen = rows[(SAMVERKANSMODELLEN, 1)]
    assert (modellen.item_count, modellen.scored_item_count, modellen.round_count) == (9, 6, 1)
    assert "9 (6)" in response.content.decode()


@pytest.mark.parametrize("n", [1, 8])
def test_instrument_list_queries_do_not_grow(coordinator_client, n, django_assert_num_queries):
    for index in range(n):
        custom_instrument(f"egen-{index}", items=3)
    coordinator_client.get(INSTRUMENTS)  # warm the content-type cache
    # session, user, user permissions, group permissions; COUNT of the page and COUNT of all;
    # the instruments with their item, rated item and round counts
    with django_assert_num_queries(7):
        response = coordinator_client.get(INSTRUMENTS)
    assert len(response.context["cl"].result_list) == n + 3  # the built-in instruments


@pytest.mark.parametrize("items", [1, 12])
def test_instrument_page_queries_do_not_grow_with_items(coordinator_client, items, django_assert_num_queries):
    instrument = custom_instrument(items=items, sections=2, bands=[(items, items * 5)])
    url = change_url(instrument)
    coordinator_client.get(url)  # warm the content-type cache
    # session, user, the instrument (with its counts); user permissions, group permissions; answers (is it
    # locked?); the section choices; sections, items with their sections, bands; rounds (may it be deleted?)
    with django_assert_num_queries(11):
        response = coordinator_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is True


def test_a_new_instrument_starts_with_its_sections_and_is_not_offered_until_it_has_items(coordinator_client):
    form = coordinator_client.get(ADD_INSTRUMENT)
    assert form.context["adminform"].form.initial["is_active"] is False
    assert [inline.opts.model for inline in form.context["inline_admin_formsets"]] == [InstrumentSection]
    data = post_data_from(
        form,
        code="dialog",
        name_sv="Dialogenkät",
        scale_min="1",
        scale_max="4",
        **{"sections-0-position": "1", "sections-0-title_sv": "Dialog"},
    )
    offered = coordinator_client.post(ADD_INSTRUMENT, {**data, "is_active": "on"})
    assert offered.status_code == 200
    assert "A new instrument has no items yet" in str(offered.context["adminform"].form.errors)
    response = coordinator_client.post(ADD_INSTRUMENT, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    instrument = Instrument.objects.get(code="dialog")
    assert (instrument.version, instrument.is_active, instrument.sections.count()) == (1, False, 1)

    # Second save: items in the saved section, then offered.
    page = coordinator_client.get(change_url(instrument))
    section = instrument.sections.get()
    items = {
        "items-TOTAL_FORMS": "2",
        "items-0-position": "1",
        "items-0-section": str(section.pk),
        "items-0-kind": ItemKind.SCALE,
        "items-0-text_sv": "Vi lyssnar på varandra.",
        "items-1-position": "2",
        "items-1-section": str(section.pk),
        "items-1-kind": ItemKind.TEXT,
        "items-1-text_sv": "Vad kan bli bättre?",
    }
    response = coordinator_client.post(change_url(instrument), post_data_from(page, is_active="on", **items))
    assert response.status_code == 302
    instrument.refresh_from_db()
    assert instrument.is_active
    assert list(instrument.items.values_list("kind", flat=True)) == ["scale", "text"]


def test_an_offered_instrument_needs_a_rated_item(coordinator_client):
    instrument = custom_instrument(items=1)
    page = coordinator_client.get(change_url(instrument))
    response = coordinator_client.post(change_url(instrument), post_data_from(page, **{"items-0-kind": ItemKind.TEXT}))
    assert response.status_code == 200
    assert "needs at least one rated item" in response.content.decode()
    assert instrument.items.get().kind == ItemKind.SCALE


def test_items_offer_only_the_instruments_own_sections(coordinator_client):
    instrument = custom_instrument(items=2)
    other = custom_instrument("annan", items=1)
    page = coordinator_client.get(change_url(instrument))
    item_formset = next(f for f in page.context["inline_admin_formsets"] if f.formset.model is Item).formset
    choices = [value for value, _label in item_formset.forms[0].fields["section"].choices if value]
    assert [int(str(value)) for value in choices] == [instrument.sections.get().pk]
    foreign = str(other.sections.get().pk)
    response = coordinator_client.post(change_url(instrument), post_data_from(page, **{"items-0-section": foreign}))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert instrument.items.filter(section__instrument=other).count() == 0


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([("3", "9"), ("9", "15")], "The bands 3–9 and 9–15 overlap."),
        ([("3", "9"), ("10", "16")], "The band 10–16 lies outside the possible totals 3–15."),
        ([("1", "9")], "The band 1–9 lies outside the possible totals 3–15."),
    ],
)
def test_bands_must_not_overlap_and_lie_within_the_possible_totals(coordinator_client, bands, message):
    instrument = custom_instrument(items=3)
    page = coordinator_client.get(change_url(instrument))
    rows = {"bands-TOTAL_FORMS": str(len(bands))}
    for index, (low, high) in enumerate(bands):
        rows |= {
            f"bands-{index}-min_total": low,
            f"bands-{index}-max_total": high,
            f"bands-{index}-label_sv": f"Band {index}",
        }
    response = coordinator_client.post(change_url(instrument), post_data_from(page, **rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not instrument.bands.exists()


def test_bands_are_checked_against_the_items_as_posted(coordinator_client):
    instrument = custom_instrument(items=3, bands=[(4, 9), (10, 15)])
    page = coordinator_client.get(change_url(instrument))
    # A fourth rated item makes the top total 20: the bands may now reach it.
    section = instrument.sections.get()
    data = post_data_from(
        page,
        **{
            "items-TOTAL_FORMS": "4",
            "items-3-position": "4",
            "items-3-section": str(section.pk),
            "items-3-kind": ItemKind.SCALE,
            "items-3-text_sv": "Fjärde",
            "bands-1-max_total": "20",
        },
    )
    response = coordinator_client.post(change_url(instrument), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(instrument.bands.values_list("min_total", "max_total")) == [(4, 9), (10, 20)]


def test_a_section_with_items_is_not_deleted_with_them(coordinator_client):
    instrument = custom_instrument(items=2)
    page = coordinator_client.get(change_url(instrument))
    response = coordinator_client.post(change_url(instrument), post_data_from(page, **{"sections-0-DELETE": "on"}))
    assert response.status_code == 200
    assert "Move or delete the items of" in response.content.decode()
    assert instrument.items.count() == 2


# --- read-only versions and new versions ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["answered", "builtin"])
def test_an_answered_or_shipped_instrument_is_read_only(coordinator_client, kind):
    if kind == "answered":
        instrument = custom_instrument(items=3, bands=[(3, 15)])
        answered_round(instrument)
    else:
        instrument = builtin(TESTA_DIN_SAMVERKAN)
    url = change_url(instrument)
    page = coordinator_client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    assert all(not inline.has_change_permission for inline in page.context["inline_admin_formsets"])
    html = page.content.decode()
    assert 'id="instrument-locked"' in html
    assert 'id="new-version"' in html
    assert 'name="_save"' not in html
    before = instrument.name_sv
    response = coordinator_client.post(url, {"name_sv": "Ändrad", "code": instrument.code})
    assert response.status_code == 403
    instrument.refresh_from_db()
    assert instrument.name_sv == before
    assert (
        coordinator_client.post(reverse("admin:assessments_instrument_delete", args=[instrument.pk])).status_code == 403
    )


def test_new_version_copies_the_instrument_and_keeps_past_results(coordinator_client):
    instrument = builtin(TESTA_DIN_SAMVERKAN)
    round_ = answered_round(instrument)
    answers_before = list(Answer.objects.filter(respondent__round=round_).values_list("item_id", "value"))
    response = coordinator_client.post(reverse("admin:assessments_instrument_new_version", args=[instrument.pk]))
    copy = Instrument.objects.get(code=TESTA_DIN_SAMVERKAN, version=2)
    assert response.status_code == 302
    assert response.url == change_url(copy)
    assert "Version 2 was created from version 1" in " ".join(messages_of(response))
    instrument.refresh_from_db()
    assert (instrument.is_active, copy.is_active, copy.is_builtin) == (False, True, False)
    assert copy.sections.count() == instrument.sections.count() == 4
    assert copy.items.count() == instrument.items.count() == 21
    assert copy.bands.count() == instrument.bands.count() == 5
    assert round_.instrument_id == instrument.pk
    assert list(Answer.objects.filter(respondent__round=round_).values_list("item_id", "value")) == answers_before
    # The copy has no answers: it can be changed.
    page = coordinator_client.get(change_url(copy))
    assert page.context["has_change_permission"] is True
    assert (
        coordinator_client.get(reverse("admin:assessments_instrument_new_version", args=[copy.pk])).status_code == 405
    )


def test_new_version_needs_the_add_permission(client, reader):
    client.force_login(reader)
    instrument = builtin()
    response = client.post(reverse("admin:assessments_instrument_new_version", args=[instrument.pk]))
    assert response.status_code == 403
    assert not Instrument.objects.filter(code=SAMVERKANSMODELLEN, version=2).exists()


def test_new_version_action_from_the_list(coordinator_client):
    instrument = custom_instrument(items=2)
    response = coordinator_client.post(
        INSTRUMENTS, {"action": "new_versions", "_selected_action": [str(instrument.pk)]}
    )
    copy = Instrument.objects.get(code="egen", version=2)
    assert response.status_code == 302
    assert response.url == change_url(copy)
    assert [(i.version, i.is_active) for i in Instrument.objects.filter(code="egen")] == [(2, True), (1, False)]


def test_instrument_new_version_copies_every_text(db):
    instrument = custom_instrument(items=4, sections=2, bands=[(4, 10), (11, 20)])
    Item.objects.filter(instrument=instrument, position=4).update(kind=ItemKind.TEXT, label_sv="Fritt", text_en="Free")
    first = services.instrument_new_version(instrument)
    second = services.instrument_new_version(instrument)  # from an older version: still the next one
    assert (first.version, second.version) == (2, 3)
    assert list(Instrument.objects.filter(code="egen", is_active=True)) == [second]

    def shape(version):
        return (
            list(version.sections.values_list("position", "title_sv", "title_en", "description_sv")),
            list(version.items.values_list("position", "section__position", "kind", "label_sv", "text_sv", "text_en")),
            list(version.bands.values_list("min_total", "max_total", "label_sv", "advice_sv")),
            (version.name_sv, version.name_en, version.scale_min, version.scale_max),
        )

    assert shape(first) == shape(second) == shape(instrument)
    assert not set(first.items.values_list("section__instrument", flat=True)) - {first.pk}


def test_band_problems_reads_plain_ranges():
    assert selectors.band_problems([(21, 41), (42, 62)], 21, 105) == []
    with translation.override("en"):
        problems = selectors.band_problems([(42, 62), (21, 42)], 21, 105)
    assert problems == ["The bands 21–42 and 42–62 overlap."]
    assert len(selectors.band_problems([(30, 20)], 21, 105)) == 1


# --- rounds -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 6])
def test_round_list_queries_do_not_grow(coordinator_client, n, django_assert_num_queries):
    for _index in range(n):
        answered_round(answers=1)
    coordinator_client.get(ROUNDS)  # warm the content-type cache
    # session, user, user permissions, group permissions; the instrument filter's choices; COUNT of the
    # page and COUNT of all; rounds with agreement, instrument and counts; the date hierarchy's range and days
    with django_assert_num_queries(10):
        response = coordinator_client.get(ROUNDS)
    rows = response.context["cl"].result_list
    assert len(rows) == n
    assert {(r.respondent_count, r.answered_count) for r in rows} == {(3, 1)}


def test_round_list_filters_by_agreement_from_a_link(coordinator_client):
    first, second = answered_round(), answered_round()
    response = coordinator_client.get(f"{ROUNDS}?agreement__id__exact={first.agreement_id}")
    assert [r.pk for r in response.context["cl"].result_list] == [first.pk]
    assert second.pk not in [
        r.pk for r in coordinator_client.get(f"{ROUNDS}?q=nothing-like-it").context["cl"].result_list
    ]
    response = coordinator_client.get(f"{ROUNDS}?q={second.agreement.title}")
    assert [r.pk for r in response.context["cl"].result_list] == [second.pk]


def test_round_add_prefills_the_default_respondents_from_the_agreement(coordinator_client):
    agreement = active_agreement()
    response = coordinator_client.get(f"{ADD_ROUND}?agreement={agreement.pk}")
    assert response.status_code == 200
    initial = response.context["adminform"].form.initial
    assert set(initial["persons"]) == {person.pk for person in services.default_respondents(agreement)}
    assert initial["instrument"].code == SAMVERKANSMODELLEN
    assert 'id="fill-defaults"' in response.content.decode()


def test_round_add_without_respondents_asks_the_defaults(coordinator_client, coordinator):
    agreement = active_agreement()
    today = timezone.localdate()
    data = {
        "agreement": agreement.pk,
        "instrument": builtin().pk,
        "opens_on": str(today + dt.timedelta(days=3)),
        "closes_on": str(today + dt.timedelta(days=20)),
        "_save": "Save",
    }
    response = coordinator_client.post(ADD_ROUND, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    round_ = AssessmentRound.objects.get(agreement=agreement)
    assert round_.status == RoundStatus.SCHEDULED
    assert round_.created_by == coordinator
    assert set(round_.respondents.values_list("person_id", flat=True)) == {
        person.pk for person in services.default_respondents(agreement)
    }


def test_round_add_with_chosen_respondents_and_the_fill_button(coordinator_client):
    agreement = active_agreement()
    today = timezone.localdate()
    data = {
        "agreement": agreement.pk,
        "instrument": builtin().pk,
        "opens_on": str(today + dt.timedelta(days=1)),
        "closes_on": str(today + dt.timedelta(days=10)),
    }
    filled = coordinator_client.post(ADD_ROUND, {**data, "_defaults": "1"})
    defaults = {person.pk for person in services.default_respondents(agreement)}
    assert filled.status_code == 200
    assert not AssessmentRound.objects.exists()
    assert set(filled.context["adminform"].form.initial["persons"]) == defaults
    assert filled.context["adminform"].form.initial["agreement"] == agreement
    chosen = sorted(defaults)[:2]
    response = coordinator_client.post(ADD_ROUND, {**data, "persons": chosen, "_save": "Save"})
    assert response.status_code == 302
    assert sorted(Respondent.objects.values_list("person_id", flat=True)) == chosen


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"closes_on": "2020-01-01", "opens_on": "2020-02-01"}, "closes_on", "cannot close before it opens"),
        ({"closes_on": "2020-01-01", "opens_on": "2019-12-01"}, "closes_on", "already passed"),
        ({"opens_on": "31.31.2026"}, "opens_on", "Enter a valid date"),
        ({"persons": ["999999"]}, "persons", "Select a valid choice"),
        ({"persons": [str(2**70)]}, "persons", "Select a valid choice"),
        ({"agreement": str(2**70)}, "agreement", "Select a valid choice"),
        ({"agreement": "abc", "persons": ["x"]}, "persons", "is not a valid value"),
    ],
)
def test_round_add_shows_refusals_on_the_form(coordinator_client, changes, field, message):
    agreement = active_agreement()
    today = timezone.localdate()
    data = {
        "agreement": agreement.pk,
        "instrument": builtin().pk,
        "opens_on": str(today),
        "closes_on": str(today + dt.timedelta(days=10)),
        **changes,
    }
    response = coordinator_client.post(ADD_ROUND, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not AssessmentRound.objects.exists()


def test_round_add_refuses_an_inactive_instrument(coordinator_client):
    instrument = custom_instrument(items=2, active=False)
    today = timezone.localdate()
    response = coordinator_client.post(
        ADD_ROUND,
        {
            "agreement": active_agreement().pk,
            "instrument": instrument.pk,
            "opens_on": str(today),
            "closes_on": str(today),
        },
    )
    assert response.status_code == 200
    assert "instrument" in response.context["adminform"].form.errors


@pytest.mark.parametrize("respondents", [1, 10])
def test_round_page_shows_respondents_without_tokens(coordinator_client, respondents, django_assert_num_queries):
    agreement = active_agreement()
    people = [PersonFactory() for _ in range(respondents)]
    today = timezone.localdate()
    round_ = services.round_create(
        agreement=agreement,
        instrument=builtin(),
        opens_on=today + dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=9),
        persons=people,
    )
    url = change_url(round_)
    coordinator_client.get(url)  # warm the content-type cache
    # session, user; user permissions, group permissions; the round with counts; respondents with people
    with django_assert_num_queries(6):
        response = coordinator_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    for respondent in round_.respondents.all():
        assert respondent.nonce not in html
        assert respondent.token_digest not in html
    assert reverse("admin:assessments_assessmentround_results", args=[round_.pk]) in html
    assert html.count('class="field-person"') == respondents  # a cell per row


def test_round_closing_date_moves_while_not_closed(coordinator_client):
    round_ = answered_round(answers=0, opened_days_ago=10)
    url = change_url(round_)
    later = round_.closes_on + dt.timedelta(days=5)
    page = coordinator_client.get(url)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    past = coordinator_client.post(url, post_data_from(page, closes_on=str(yesterday)))
    assert past.status_code == 200
    assert "already passed" in past.content.decode()
    early = coordinator_client.post(url, post_data_from(page, closes_on="2020-01-01"))
    assert early.status_code == 200
    assert "cannot close before it opens" in early.content.decode()
    response = coordinator_client.post(url, post_data_from(page, closes_on=str(later)))
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.closes_on == later
    services.round_close(round_)
    page = coordinator_client.get(url)
    assert "closes_on" not in page.context["adminform"].form.fields
    assert 'id="close-round"' not in page.content.decode()


def test_respondents_are_changed_through_the_service(coordinator_client):
    round_ = answered_round(answers=1)
    answered = round_.respondents.filter(responded_at__isnull=False).get().person
    others = list(round_.respondents.filter(responded_at__isnull=True).values_list("person_id", flat=True))
    newcomer = PersonFactory()
    url = reverse("admin:assessments_assessmentround_respondents", args=[round_.pk])
    page = coordinator_client.get(url)
    assert page.status_code == 200
    assert set(page.context["form"].initial["persons"]) == {answered.pk, *others}
    refused = coordinator_client.post(url, {"persons": [others[0]]})
    assert refused.status_code == 200
    assert "already answered" in refused.content.decode()
    response = coordinator_client.post(url, {"persons": [answered.pk, others[0], newcomer.pk]})
    assert response.status_code == 302
    assert set(round_.respondents.values_list("person_id", flat=True)) == {answered.pk, others[0], newcomer.pk}
    assert Respondent.objects.get(round=round_, person=newcomer).token_digest
    assert "1 added, 1 removed" in " ".join(messages_of(response))


def test_send_invitations_now_and_close_now(coordinator_client):
    round_ = answered_round(answers=0)
    assert not round_.respondents.filter(invited_at__isnull=False).exists()
    # The round's page links to confirmation pages; opening one changes nothing.
    page = coordinator_client.get(change_url(round_)).content.decode()
    send_url = reverse("admin:assessments_assessmentround_send_invitations", args=[round_.pk])
    close_url = reverse("admin:assessments_assessmentround_close", args=[round_.pk])
    assert f'<a href="{send_url}" id="send-invitations">' in page
    assert f'<a href="{close_url}" id="close-round">' in page
    confirm = coordinator_client.get(send_url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "3 invitations will be e-mailed now" in html
    for respondent in round_.respondents.select_related("person"):
        assert respondent.person.email in html
    assert 'id="confirm-send-invitations"' in html
    assert "csrfmiddlewaretoken" in html
    assert len(mail.outbox) == 0
    assert not round_.respondents.filter(invited_at__isnull=False).exists()
    response = coordinator_client.post(send_url)
    assert response.status_code == 302
    assert response.url == change_url(round_)
    assert len(mail.outbox) == round_.respondents.count() == 3
    assert not round_.respondents.filter(invited_at__isnull=True).exists()
    again = coordinator_client.post(reverse("admin:assessments_assessmentround_send_invitations", args=[round_.pk]))
    assert "has been invited" in " ".join(messages_of(again))
    assert len(mail.outbox) == 3
    confirm = coordinator_client.get(close_url)
    assert confirm.status_code == 200
    assert "0 of 3 have answered; the links of the 3 who have not stop working" in confirm.content.decode()
    assert 'id="confirm-close-round"' in confirm.content.decode()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OPEN  # only the POST closes
    response = coordinator_client.post(close_url)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    assert round_.closed_at is not None
    assert "1 round was closed" in " ".join(messages_of(response))


def test_round_actions_need_the_change_permission(client, reader):
    round_ = answered_round(answers=0)
    client.force_login(reader)
    assert client.get(change_url(round_)).status_code == 200
    assert client.post(reverse("admin:assessments_assessmentround_close", args=[round_.pk])).status_code == 403
    assert client.get(reverse("admin:assessments_assessmentround_close", args=[round_.pk])).status_code == 403
    assert client.get(reverse("admin:assessments_assessmentround_respondents", args=[round_.pk])).status_code == 403
    assert client.get(ADD_ROUND).status_code == 403
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OPEN


def test_a_round_with_answers_cannot_be_deleted(coordinator_client):
    answered = answered_round(answers=1)
    unanswered = answered_round(answers=0)
    assert (
        coordinator_client.get(reverse("admin:assessments_assessmentround_delete", args=[answered.pk])).status_code
        == 403
    )
    response = coordinator_client.post(
        reverse("admin:assessments_assessmentround_delete", args=[unanswered.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(AssessmentRound.objects.all()) == [answered]


# --- answers ----------------------------------------------------------------------------------------------


def test_answers_are_read_only_and_listed_per_round(coordinator_client):
    round_ = answered_round(answers=2)
    answered_round(answers=1)
    response = coordinator_client.get(f"{ANSWERS}?round={round_.pk}")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2 * 6
    answer = Answer.objects.filter(respondent__round=round_).first()
    page = coordinator_client.get(change_url(answer))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert coordinator_client.get(reverse("admin:assessments_answer_add")).status_code == 403
    assert 'id="round-answers"' in coordinator_client.get(change_url(round_)).content.decode()


def test_the_respondents_field_searches_people(coordinator_client):
    PersonFactory(first_name="Greta", last_name="Garbo")
    response = coordinator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "assessments", "model_name": "respondent", "field_name": "person", "term": "Garbo"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Greta Garbo"]


def test_the_round_pages_render_in_swedish(client, coordinator, settings):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    round_ = answered_round(answers=1)
    for url in (ADD_ROUND, change_url(round_), ROUNDS, INSTRUMENTS, change_url(builtin())):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.wsgi_request.LANGUAGE_CODE == "sv"


def test_the_close_confirmation_needs_csrf(coordinator):
    from django.test import Client

    round_ = answered_round(answers=0)
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    url = reverse("admin:assessments_assessmentround_close", args=[round_.pk])
    assert client.post(url).status_code == 403
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OPEN


def test_a_round_opening_today_asks_before_it_mails_the_invitations(
    coordinator_client, django_capture_on_commit_callbacks
):
    agreement = active_agreement()
    today = timezone.localdate()
    data = {
        "agreement": agreement.pk,
        "instrument": builtin().pk,
        "opens_on": str(today),
        "closes_on": str(today + dt.timedelta(days=10)),
    }
    first = coordinator_client.post(ADD_ROUND, data)
    assert first.status_code == 200
    expected = len(services.default_respondents(agreement))
    assert expected > 0
    html = first.content.decode()
    assert f"{expected} invitations are e-mailed at once" in html
    assert 'name="_send_confirmed"' in html
    assert not AssessmentRound.objects.exists()
    assert len(mail.outbox) == 0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = coordinator_client.post(ADD_ROUND, {**data, "_send_confirmed": "1"})
    assert confirmed.status_code == 302
    round_ = AssessmentRound.objects.get()
    assert round_.status == RoundStatus.OPEN
    assert len(mail.outbox) == expected


def test_closing_rounds_from_the_list_asks_first(coordinator_client):
    round_ = answered_round(answers=1)
    selected = {"action": "close_rounds", "_selected_action": [round_.pk], "index": 0}

    asked = coordinator_client.post(ROUNDS, selected)

    assert asked.status_code == 200
    html = asked.content.decode()
    assert 'id="rounds-to-confirm"' in html
    assert "1 of 3 have answered; the links of the 2 who have not stop working" in html
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OPEN
    response = coordinator_client.post(ROUNDS, {**selected, "post": "yes"}, follow=True)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    assert "1 round was closed" in " ".join(messages_of(response))


def test_sending_invitations_from_the_list_asks_first(coordinator_client):
    round_ = answered_round(answers=0)
    selected = {"action": "send_invitations", "_selected_action": [round_.pk], "index": 0}

    asked = coordinator_client.post(ROUNDS, selected)

    assert asked.status_code == 200
    html = asked.content.decode()
    assert 'id="rounds-to-confirm"' in html
    assert "3 invitations will be e-mailed now" in html
    assert 'id="confirm-send-invitations"' in html
    assert len(mail.outbox) == 0
    assert not round_.respondents.filter(invited_at__isnull=False).exists()
    coordinator_client.post(ROUNDS, {**selected, "post": "yes"}, follow=True)
    assert len(mail.outbox) == 3
    assert not round_.respondents.filter(invited_at__isnull=True).exists()
