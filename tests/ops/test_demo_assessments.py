"""The demo assessment rounds: what they hold, that a re-run creates nothing, and what the risk scan finds."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from agreements.models import Agreement
from assessments.choices import RoundStatus
from assessments.models import Answer, AssessmentRound, Respondent
from assessments.services import respondent_link
from assessments.tokens import token_for
from ops.demo import agreements as agreements_demo
from ops.demo import assessments as demo
from ops.demo import register as register_demo
from ops.demo.datafiles import DemoDataError
from risks.choices import FlagStatus
from risks.models import RiskFlag

pytestmark = pytest.mark.django_db

SOUND = "KS 2025/0412"
DIVIDED = "KS 2024/0871"
DECLINING = "KS 2024/0188"
OPEN_NOW = "RS 2025/0961"
MODELS = (AssessmentRound, Respondent, Answer)


@pytest.fixture
def seeded():
    register_demo.seed_demo_register()
    agreements_demo.seed_demo_agreements()
    return demo.seed_demo_assessments()


def rounds_of(reference):
    return AssessmentRound.objects.filter(agreement__reference=reference).order_by("opens_on")


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_the_data_file_declares_the_rounds():
    declared = {seed.reference: seed.rounds for seed in demo.load_assessed()}
    assert set(declared) == {SOUND, DIVIDED, DECLINING, OPEN_NOW}
    [open_round] = declared[OPEN_NOW]
    assert open_round.is_open
    assert [answer.values() for answer in declared[DIVIDED][-1].answers][0] == [6, 5, 6, 4, 2, 5]
    assert len(declared[DECLINING][0].answers[0].values()) == 21


def test_an_unknown_instrument_is_a_clear_error(tmp_path):
    (tmp_path / "assessments.toml").write_text(
        '[[agreement]]\nreference = "KS 1/1"\n\n[[agreement.round]]\ninstrument = "enkät"\nopens = "-1m"\n'
        'days_open = 21\nsilent = 0\nanswers = [{ scores = "123456" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(DemoDataError, match="agreement 'KS 1/1', round #1: instrument: 'enkät' is not one of"):
        demo.load_assessed(tmp_path)


def test_seeding_creates_past_rounds_and_one_open_round(seeded, today):
    assert {model: (c.created, c.unchanged) for model, c in seeded.counts.items()} == {
        AssessmentRound: (7, 0),
        Respondent: (Respondent.objects.count(), 0),
        Answer: (Answer.objects.count(), 0),
    }
    for reference in (SOUND, DIVIDED, DECLINING):
        first, latest = rounds_of(reference)
        assert first.status == latest.status == RoundStatus.CLOSED
        assert first.closes_on < latest.opens_on
        assert latest.closes_on < today
        assert 300 <= (today - first.opens_on).days <= 450
        assert first.instrument.code == latest.instrument.code
        assert latest.respondents.filter(responded_at__isnull=False).count() >= 4
    for reference in (SOUND, DIVIDED):  # some invited people never answered
        assert rounds_of(reference).last().respondents.filter(responded_at__isnull=True).exists()
    [open_round] = rounds_of(OPEN_NOW)
    assert open_round.accepts_answers(today)
    assert open_round.opens_on < today < open_round.closes_on
    waiting = open_round.respondents.filter(responded_at__isnull=True)
    assert open_round.respondents.filter(responded_at__isnull=False).count() == 2
    assert waiting.count() >= 3
    # marked invited, so the daily job e-mails nobody, and no e-mail went out while seeding
    assert not open_round.respondents.filter(invited_at__isnull=True).exists()
    assert mail.outbox == []


def test_seeded_rows_are_valid_and_answers_fit_their_items(seeded):
    for round_ in AssessmentRound.objects.select_related("instrument"):
        round_.full_clean()
    scale = Counter()
    for answer in Answer.objects.select_related("item__instrument", "respondent"):
        item = answer.item
        assert answer.respondent.responded_at is not None
        if item.kind == "scale":
            assert item.instrument.scale_min <= answer.value <= item.instrument.scale_max
            scale[answer.respondent_id] += 1
        else:
            assert answer.value is None
            assert answer.comment
    for respondent in Respondent.objects.filter(responded_at__isnull=False).select_related("round__instrument"):
        assert scale[respondent.pk] == respondent.round.instrument.items.filter(kind="scale").count()
        assert respondent.round.opens_on <= timezone.localdate(respondent.responded_at) <= respondent.round.closes_on


def test_respondents_come_from_the_agreement_and_have_working_links(seeded, client):
    agreement = Agreement.objects.get(reference=DIVIDED)
    involved = {agreement.coordinator_id}
    involved |= set(agreement.parties.values_list("representatives__person_id", flat=True))
    involved |= set(agreement.responsibilities.values_list("responsible_id", flat=True))
    involved |= set(agreement.responsibilities.values_list("deputy_id", flat=True))
    assert set(Respondent.objects.filter(round__agreement=agreement).values_list("person_id", flat=True)) <= involved
    assert not Respondent.objects.filter(person__left_on__isnull=False, round__agreement=agreement).exists()
    digests = list(Respondent.objects.values_list("token_digest", flat=True))
    assert len(set(digests)) == len(digests)
    [open_round] = rounds_of(OPEN_NOW)
    waiting = open_round.respondents.filter(responded_at__isnull=True).first()
    link = respondent_link(waiting)
    assert link.endswith(f"/a/{token_for(waiting.nonce)}/")
    assert client.get(link.removeprefix(settings.SITE_URL)).status_code == 200


def test_the_divided_round_and_the_decline_show_in_the_answers(seeded):
    latest = rounds_of(DIVIDED).last()
    trust = sorted(
        Answer.objects.filter(respondent__round=latest, item__label_sv="Tillit").values_list("value", flat=True)
    )
    assert trust == [2, 7, 8, 8, 9]
    totals = []
    for round_ in rounds_of(DECLINING):
        per_person = Counter()
        for respondent_id, value in Answer.objects.filter(respondent__round=round_).values_list(
            "respondent_id", "value"
        ):
            per_person[respondent_id] += value
        totals.append(sum(per_person.values()) / len(per_person))
    assert totals == [79.5, 57.5]


def test_a_second_run_creates_nothing(seeded):
    rows = row_counts()
    stamps = list(AssessmentRound.objects.order_by("pk").values_list("opens_on", "closes_on", "closed_at"))

    summary = demo.seed_demo_assessments(today=timezone.localdate() + dt.timedelta(days=40))

    assert row_counts() == rows
    assert list(AssessmentRound.objects.order_by("pk").values_list("opens_on", "closes_on", "closed_at")) == stamps
    assert not summary.changed
    assert {model.__name__: summary.counts[model].unchanged for model in MODELS} == rows


def test_an_agreement_with_rounds_of_its_own_is_left_alone(seeded):
    AssessmentRound.objects.filter(agreement__reference=SOUND).order_by("opens_on").first().delete()
    rows = row_counts()
    summary = demo.seed_demo_assessments()
    assert row_counts() == rows
    assert rounds_of(SOUND).count() == 1
    assert not summary.changed


def test_seeding_needs_the_agreements():
    register_demo.seed_demo_register()
    with pytest.raises(ValidationError, match="läs in dem först"):
        demo.seed_demo_assessments()
    assert not AssessmentRound.objects.exists()


def test_seed_demo_then_scan_flags_the_divided_and_the_declining_agreements():
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
        call_command("scan_risks", stdout=StringIO())
    assert "Assessment rounds: 7 created, 0 updated, 0 unchanged." in out.getvalue()

    def flagged(rule):
        return set(
            RiskFlag.objects.filter(rule=rule)
            .exclude(status=FlagStatus.RESOLVED)
            .values_list("agreement__reference", flat=True)
        )

    assert flagged("assessment_disagreement") == {DIVIDED}
    assert flagged("declining_assessment") == {DECLINING}
    assert flagged("low_assessment_score") == {DECLINING}
    overdue = flagged("assessment_overdue")
    assert overdue  # the active agreements a year old without rounds
    assert not overdue & {SOUND, DIVIDED, DECLINING, OPEN_NOW}
    flag = RiskFlag.objects.get(rule="assessment_disagreement")
    assert [item["label_sv"] for item in flag.details["items"]] == ["Tillit"]
    assert flag.details["items"][0]["min"] == 2

    rows = row_counts()
    again = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=again)
    assert row_counts() == rows
    assert f"Assessment rounds: 0 created, 0 updated, {rows['AssessmentRound']} unchanged." in again.getvalue()
    assert f"Answers: 0 created, 0 updated, {rows['Answer']} unchanged." in again.getvalue()
    assert "nothing changed" in again.getvalue()
