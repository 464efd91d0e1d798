"""The public answer page: personal links, answering and revising, every refusal, validation that keeps what was
entered, the respondent's language, and the limit on guessing links."""

import datetime as dt
import re
import statistics
import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments import selectors, services
from assessments.choices import RoundStatus
from assessments.instruments import TESTA_DIN_SAMVERKAN
from assessments.models import Answer, Respondent
from assessments.tokens import token_for
from tests.assessments.answer_helpers import complete_answers, invite, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The failed-lookup counts live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def url(token, lang=None):
    address = reverse("assessments:answer", args=[token])
    return f"{address}?lang={lang}" if lang else address


def scale_items(round_):
    return [item for item in round_.instrument.items.order_by("position") if item.is_scored]


def text_items(round_):
    return [item for item in round_.instrument.items.order_by("position") if not item.is_scored]


def checked(html, item, value):
    return f'id="id_value_{item.pk}_{value}" name="value_{item.pk}" value="{value}" checked' in html


def textarea_text(html, item):
    match = re.search(rf'<textarea name="comment_{item.pk}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea for item {item.pk}"
    return match.group(1).strip()


# --- showing and saving -------------------------------------------------------------------------------


def test_the_page_needs_no_login_and_shows_every_item_with_its_scale(client):
    round_ = open_round()
    _respondent, token = invite(round_)
    response = client.get(url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    assert 'name="viewport"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Samverkansmodellen" in html
    assert "0 = inte alls" in html
    assert "10 = det kan inte bli bättre" in html
    for item in scale_items(round_):
        assert escape(item.text_sv) in html
        assert escape(item.label_sv) in html
        # one radio per value of the 0–10 scale, inside the item's own fieldset
        assert [v for v in range(-1, 12) if f'id="id_value_{item.pk}_{v}"' in html] == list(range(0, 11))
    for item in text_items(round_):
        assert escape(item.text_sv) in html
        assert f'<textarea name="comment_{item.pk}"' in html
    assert html.count("<fieldset") == 6
    assert html.count("<legend") == 6
    assert 'role="alert"' not in html  # no errors yet


def test_testa_din_samverkan_shows_the_source_stem_before_each_block(client):
    round_ = open_round(code=TESTA_DIN_SAMVERKAN)
    _respondent, token = invite(round_)
    html = client.get(url(token)).content.decode()
    blocks = html.split("<section")[1:]
    assert len(blocks) == 4
    for block in blocks:
        # The stem comes after the block's heading and before its first statement.
        heading_end = block.index("</h2>")
        stem = block.index('<p class="stem">I vilken grad …</p>')
        assert heading_end < stem < block.index("<fieldset")
    english = client.get(url(token, "en")).content.decode()
    assert english.count('<p class="stem">To what degree …</p>') == 4
    # Samverkansmodellen has no such stem.
    _respondent, other = invite(open_round())
    assert 'class="stem"' not in client.get(url(other)).content.decode()


def test_the_mailed_link_opens_the_page(client, settings):
    settings.SITE_URL = "https://samverkan.example.se"
    round_ = open_round()
    respondent, token = invite(round_)
    link = services.respondent_link(respondent)
    assert link == f"https://samverkan.example.se/a/{token}/"
    assert client.get(link.removeprefix(settings.SITE_URL)).status_code == 200


def test_every_answer_page_is_private(client):
    round_ = open_round()
    _respondent, token = invite(round_)
    pages = [
        client.get(url(token)),
        client.post(url(token), complete_answers(round_)),  # the redirect
        client.get(reverse("assessments:answer-thanks", args=[token])),
        client.get(url("no-such-link")),
    ]
    for response in pages:
        assert response["Cache-Control"] == "no-store", response.status_code
        assert response["Referrer-Policy"] == "same-origin"  # no-referrer would make the POST's Origin null
        assert response["X-Robots-Tag"].startswith("noindex")
    assert [response.status_code for response in pages] == [200, 302, 200, 404]


def test_answering_saves_every_item_and_thanks_with_the_closing_date(client):
    round_ = open_round(closes_in=10)
    respondent, token = invite(round_)
    data = complete_answers(round_, value=7, comment="Bra möten")
    first_text = text_items(round_)[0]
    data[f"comment_{first_text.pk}"] = "Dialogen fungerar."
    response = client.post(url(token), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:answer-thanks", args=[token])
    answers = {answer.item_id: answer for answer in Answer.objects.filter(respondent=respondent)}
    assert {answers[item.pk].value for item in scale_items(round_)} == {7}
    assert {answers[item.pk].comment for item in scale_items(round_)} == {"Bra möten"}
    assert answers[first_text.pk].value is None
    assert answers[first_text.pk].comment == "Dialogen fungerar."
    respondent.refresh_from_db()
    assert respondent.responded_at is not None
    assert respondent.updated_at == respondent.responded_at

    thanks = client.get(response["Location"])
    closes = round_.closes_on
    assert thanks.status_code == 200
    assert f"{closes.day} " in thanks.content.decode()
    assert str(closes.year) in thanks.content.decode()
    assert f'href="{url(token)}"' in thanks.content.decode()


def test_revising_replaces_the_answers_and_keeps_the_first_answer_time(client):
    round_ = open_round()
    respondent, token = invite(round_)
    client.post(url(token), complete_answers(round_, value=3, comment="först"))
    respondent.refresh_from_db()
    first_answered = respondent.responded_at
    dialog, *_ = scale_items(round_)[1:]
    reflection = text_items(round_)[0]

    page = client.get(url(token)).content.decode()
    assert checked(page, dialog, 3)
    assert not checked(page, dialog, 9)
    assert textarea_text(page, dialog) == "först"
    assert textarea_text(page, reflection) == "först"

    data = complete_answers(round_, value=3, comment="först")
    data[f"value_{dialog.pk}"] = "9"
    data[f"comment_{dialog.pk}"] = "ändrat"
    data[f"comment_{reflection.pk}"] = ""  # a written answer taken back
    assert client.post(url(token), data).status_code == 302

    respondent.refresh_from_db()
    assert respondent.responded_at == first_answered
    assert respondent.updated_at > first_answered
    saved = Answer.objects.get(respondent=respondent, item=dialog)
    assert (saved.value, saved.comment) == (9, "ändrat")
    assert not Answer.objects.filter(respondent=respondent, item=reflection).exists()
    assert Answer.objects.filter(respondent=respondent).count() == len(round_.instrument.items.all()) - 1
    page = client.get(url(token)).content.decode()
    assert checked(page, dialog, 9)
    assert not checked(page, dialog, 3)
    assert textarea_text(page, reflection) == ""


@pytest.mark.parametrize("answered", [False, True])
def test_the_page_reads_a_fixed_number_of_queries(client, django_assert_num_queries, answered):
    round_ = open_round(code=TESTA_DIN_SAMVERKAN)  # 21 items in 4 sections
    respondent, token = invite(round_)
    if answered:
        client.post(url(token), complete_answers(round_, value=4, comment="x"))
    # the client's count of link guesses (the shared cache: a table in the database by default, issue 13 item 9);
    # respondent with round, instrument, agreement and person; items with their sections; saved answers
    with django_assert_num_queries(4):
        response = client.get(url(token))
    assert response.status_code == 200
    assert response.content.decode().count(" checked ") == (21 if answered else 0)


def test_the_form_is_csrf_protected():
    round_ = open_round()
    respondent, token = invite(round_)
    response = Client(enforce_csrf_checks=True).post(url(token), complete_answers(round_))
    assert response.status_code == 403
    assert not Answer.objects.filter(respondent=respondent).exists()


# --- validation ---------------------------------------------------------------------------------------


def test_a_missing_answer_is_reported_and_nothing_entered_is_lost(client):
    round_ = open_round()
    respondent, token = invite(round_)
    items = scale_items(round_)
    data = {}
    for n, item in enumerate(items):
        data[f"value_{item.pk}"] = str(n + 2)
        data[f"comment_{item.pk}"] = f"kommentar {n}"
    for item in text_items(round_):
        data[f"comment_{item.pk}"] = f"reflektion {item.pk}"
    missing = items[2]
    del data[f"value_{missing.pk}"]

    response = client.post(url(token), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not Answer.objects.filter(respondent=respondent).exists()
    assert 'role="alert"' in html
    assert f'href="#id_value_{missing.pk}_0"' in html
    assert "Välj ett värde från 0 till 10." in html
    assert f'aria-invalid="true" aria-describedby="error_{missing.pk}"' in html
    assert html.count('aria-invalid="true" aria-describedby=') == 11  # the missing item's radios only
    assert "<textarea" in html
    assert not re.search(r"<textarea[^>]*aria-invalid", html)
    for n, item in enumerate(items):
        if item != missing:
            assert checked(html, item, n + 2)
        assert textarea_text(html, item) == f"kommentar {n}"
    for item in text_items(round_):
        assert textarea_text(html, item) == f"reflektion {item.pk}"


@pytest.mark.parametrize("bad", ["11", "-1", "fem", ""])
def test_a_value_off_the_scale_is_refused_with_a_message_and_the_rest_kept(client, bad):
    round_ = open_round()
    respondent, token = invite(round_)
    items = scale_items(round_)
    data = complete_answers(round_, value=6, comment="behåll")
    data[f"value_{items[0].pk}"] = bad
    response = client.post(url(token), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not Answer.objects.filter(respondent=respondent).exists()
    expected = (
        "Välj ett värde från 0 till 10." if bad == "" else f"{bad} finns inte på skalan: välj ett värde från 0 till 10."
    )
    assert expected in html
    assert not any(checked(html, items[0], value) for value in range(11))
    assert all(checked(html, item, 6) for item in items[1:])
    assert all(textarea_text(html, item) == "behåll" for item in round_.instrument.items.all())


def test_a_comment_too_long_is_refused(client):
    round_ = open_round()
    respondent, token = invite(round_)
    data = complete_answers(round_, value=5)
    reflection = text_items(round_)[0]
    data[f"comment_{reflection.pk}"] = "x" * 4001
    html = client.post(url(token), data).content.decode()
    assert 'role="alert"' in html
    assert f'href="#id_comment_{reflection.pk}"' in html
    assert not Answer.objects.filter(respondent=respondent).exists()


# --- refusals -----------------------------------------------------------------------------------------


def test_an_unknown_link_gets_the_same_404_whatever_it_looks_like(client):
    round_ = open_round()
    _respondent, token = invite(round_)
    guesses = [token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "ö" * 300, token_for("someone-else"), "%00"]
    responses = [client.get(url(guess)) for guess in guesses]
    assert {response.status_code for response in responses} == {404}
    assert {len(response.content) for response in responses} == {len(responses[0].content)}
    assert all([t.name for t in response.templates][0] == "assessments/answer/invalid.html" for response in responses)
    assert "Länken är inte giltig" in responses[0].content.decode()
    assert all(guesses[0] not in response.content.decode() for response in responses)  # never echoed


def test_an_unknown_link_costs_one_indexed_lookup_whatever_its_shape():
    """The cost of a guess does not depend on what was guessed: the same single query on the digest."""
    statements = []
    for guess in ["short", "y" * 43, "ö" * 500]:
        with CaptureQueriesContext(connection) as queries:
            assert selectors.respondent_for_token(guess) is None
        statements.append(re.sub(r"'[0-9a-f]{64}'", "?", queries.captured_queries[0]["sql"]))
        assert len(queries) == 1
    assert len(set(statements)) == 1


def test_guessing_takes_no_measurably_different_time(client):
    """Unknown links of different shapes, interleaved: their median times are alike (a loose bound, for a
    shared machine); what differs is never the shape of the guess."""
    times = {"short": [], "long": []}
    for _ in range(25):
        for name, guess in (("short", "a"), ("long", "Q" * 43)):
            start = time.perf_counter()
            client.get(url(guess), REMOTE_ADDR=f"10.0.0.{len(guess)}")
            times[name].append(time.perf_counter() - start)
        cache.clear()
    short, long_ = statistics.median(times["short"]), statistics.median(times["long"])
    assert abs(short - long_) < max(0.005, 0.5 * min(short, long_)), (short, long_)


def test_a_link_of_an_earlier_round_does_not_open_the_new_one(client):
    earlier = open_round(status=RoundStatus.CLOSED, opens_in=-60, closes_in=-30)
    old_respondent, old_token = invite(earlier)
    current = open_round(code=TESTA_DIN_SAMVERKAN)
    current.agreement = earlier.agreement
    current.save()
    new_respondent = Respondent.objects.create(
        round=current, person=old_respondent.person, nonce="n" * 32, token_digest="d" * 64
    )
    response = client.get(url(old_token))
    assert response.status_code == 410
    assert "Samverkansmodellen" in response.content.decode()  # the earlier round's instrument, not the new one
    assert client.post(url(old_token), complete_answers(current)).status_code == 410
    assert not Answer.objects.filter(respondent__in=[old_respondent, new_respondent]).exists()


def test_a_removed_respondents_link_is_not_valid(client):
    round_ = open_round()
    respondent, token = invite(round_)
    respondent.delete()
    assert client.get(url(token)).status_code == 404


@pytest.mark.parametrize(
    ("status", "opens_in", "closes_in"),
    [(RoundStatus.CLOSED, -20, 5), (RoundStatus.OPEN, -20, -1)],  # closed early; past its date, not yet closed
)
def test_a_closed_round_refuses_answers_with_410(client, status, opens_in, closes_in):
    round_ = open_round(status=status, opens_in=opens_in, closes_in=closes_in)
    respondent, token = invite(round_)
    response = client.get(url(token))
    assert response.status_code == 410
    assert "Bedömningen är stängd" in response.content.decode()
    assert client.post(url(token), complete_answers(round_)).status_code == 410
    assert client.get(reverse("assessments:answer-thanks", args=[token])).status_code == 410
    assert not Answer.objects.filter(respondent=respondent).exists()


def test_the_closed_page_tells_someone_who_answered_their_answers_count(client):
    round_ = open_round()
    respondent, token = invite(round_)
    client.post(url(token), complete_answers(round_))
    round_.status, round_.closed_at = RoundStatus.CLOSED, timezone.now()
    round_.save()
    html = client.get(url(token)).content.decode()
    assert "Dina svar sparades i tid" in html


def test_a_round_not_yet_open_says_when_it_opens(client):
    round_ = open_round(status=RoundStatus.SCHEDULED, opens_in=3, closes_in=20)
    respondent, token = invite(round_)
    response = client.get(url(token))
    # 200: the link is valid and will work from the opening date; nothing is wrong with the request
    assert response.status_code == 200
    html = response.content.decode()
    assert "har inte öppnat ännu" in html
    assert f"{round_.opens_on.day} " in html
    assert "<form" not in html
    assert client.post(url(token), complete_answers(round_)).status_code == 403
    assert not Answer.objects.filter(respondent=respondent).exists()
    assert client.get(reverse("assessments:answer-thanks", args=[token])).status_code == 302


def test_guessing_links_is_rate_limited_per_client(client, settings):
    settings.ASSESSMENT_LINK_RATE_LIMIT = 3
    settings.ASSESSMENT_LINK_RATE_WINDOW = 600
    round_ = open_round()
    _respondent, token = invite(round_)
    for n in range(2):
        assert client.get(url(f"guess-{n}"), REMOTE_ADDR="192.0.2.7").status_code == 404
    assert client.get(url(token), REMOTE_ADDR="192.0.2.7").status_code == 200  # good links do not count
    assert client.get(url("guess-3"), REMOTE_ADDR="192.0.2.7").status_code == 404
    blocked = client.get(url("guess-4"), REMOTE_ADDR="192.0.2.7")
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "600"
    assert "För många försök" in blocked.content.decode()
    assert "10 minuter" in blocked.content.decode()
    # once over the limit even a real link is refused from that address, or guessing would go on
    assert client.get(url(token), REMOTE_ADDR="192.0.2.7").status_code == 429
    assert client.post(url(token), complete_answers(round_), REMOTE_ADDR="192.0.2.7").status_code == 429
    assert client.get(url(token), REMOTE_ADDR="198.51.100.1").status_code == 200


def test_the_default_limit_is_twenty_bad_links(client):
    for n in range(20):
        assert client.get(url(f"guess-{n}")).status_code == 404
    assert client.get(url("guess-21")).status_code == 429


# --- language -----------------------------------------------------------------------------------------


def test_an_english_respondent_gets_the_page_in_english(client):
    round_ = open_round()
    _respondent, token = invite(round_, language="en")
    response = client.get(url(token))
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "The collaboration model (Samverkansmodellen)" in html
    assert "0 = not at all" in html
    assert "How meaningful are our meetings and conversations?" in html
    assert "Hur meningsfulla" not in html
    assert "Save my answers" in html
    assert 'href="?lang=sv" lang="sv" hreflang="sv">På svenska</a>' in html
    # errors in English too
    html = client.post(url(token), {}).content.decode()
    assert "Choose a value from 0 to 10." in html
    assert '<html lang="en">' in html


def test_the_language_link_switches_and_keeps_the_token(client):
    round_ = open_round()
    _respondent, token = invite(round_)  # Swedish
    html = client.get(url(token)).content.decode()
    assert 'href="?lang=en" lang="en" hreflang="en">In English</a>' in html
    english = client.get(url(token, "en"))
    assert english["Content-Language"] == "en"
    assert "How meaningful are our meetings" in english.content.decode()
    # the form posts back to the same address, so an error keeps the language; success carries it on
    response = client.post(url(token, "en"), complete_answers(round_))
    assert response["Location"] == reverse("assessments:answer-thanks", args=[token]) + "?lang=en"
    assert client.get(url(token, "xx"))["Content-Language"] == "sv"


def test_the_invalid_link_page_follows_the_chosen_language(client):
    assert '<html lang="sv">' in client.get(url("nope")).content.decode()
    assert '<html lang="en">' in client.get(url("nope", "en")).content.decode()


# --- the service --------------------------------------------------------------------------------------


def test_answers_save_refuses_a_closed_round_and_incomplete_answers():
    round_ = open_round()
    respondent, _token = invite(round_)
    items = list(round_.instrument.items.all())
    complete = {item.pk: (5 if item.is_scored else None, "") for item in items}
    incomplete = dict(complete)
    incomplete[scale_items(round_)[0].pk] = (None, "")
    with pytest.raises(ValidationError) as missing:
        services.answers_save(respondent, incomplete)
    assert list(missing.value.message_dict) == [str(scale_items(round_)[0].pk)]
    with pytest.raises(ValidationError):
        services.answers_save(respondent, {**complete, text_items(round_)[0].pk: (3, "")})
    with pytest.raises(ValidationError):
        services.answers_save(respondent, {**complete, scale_items(round_)[0].pk: (11, "")})
    other = open_round(code=TESTA_DIN_SAMVERKAN).instrument.items.first()
    with pytest.raises(ValidationError):
        services.answers_save(respondent, {**complete, other.pk: (3, "")})
    assert not Answer.objects.filter(respondent=respondent).exists()

    services.answers_save(respondent, complete)
    assert Answer.objects.filter(respondent=respondent).count() == 6  # text items left empty store nothing
    with pytest.raises(ValidationError) as closed:
        services.answers_save(respondent, complete, today=round_.closes_on + dt.timedelta(days=1))
    assert closed.value.code == "closed"
