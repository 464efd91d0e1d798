"""Assessment rounds: who is asked, starting/opening/closing, the schedule, invitations and reminders."""

import datetime as dt
import socket

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from agreements.choices import AgreementStatus
from assessments import services
from assessments.choices import RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN
from assessments.models import AssessmentRound, Instrument, Respondent
from assessments.tasks import assessment_rounds_follow_up, assessment_rounds_open
from assessments.tokens import token_digest, token_for
from tests.factories import (
    AgreementFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
    agreement_with,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _english():
    """Messages read in English here; each e-mail is still written in its respondent's language."""
    with translation.override("en"):
        yield


def instrument(code=SAMVERKANSMODELLEN):
    return Instrument.objects.get(code=code, version=1)


@pytest.fixture
def agreement():
    agreement = agreement_with(parties=2, responsibilities=2)
    agreement.status = AgreementStatus.ACTIVE
    agreement.coordinator = PersonFactory(language="en")
    agreement.save()
    return agreement


def start(agreement, *, opens_on=TODAY, closes_on=TODAY + dt.timedelta(days=14), **kwargs):
    return services.round_create(
        agreement=agreement,
        instrument=kwargs.pop("instrument", instrument()),
        opens_on=opens_on,
        closes_on=closes_on,
        today=TODAY,
        **kwargs,
    )


def test_default_respondents_are_the_active_reachable_people_of_the_agreement(agreement):
    departed = RepresentativeFactory(party=agreement.parties.first(), mandate="prepare").person
    departed.left_on = TODAY - dt.timedelta(days=1)
    departed.save()
    no_email = PersonFactory(email="")
    ResponsibilityFactory(agreement=agreement, responsible=no_email)
    people = services.default_respondents(agreement, today=TODAY)
    representatives = {rep.person for party in agreement.parties.all() for rep in party.representatives.all()}
    assert set(people) == (representatives - {departed}) | {agreement.coordinator}
    assert len(people) == len(set(people)) == 3


def test_a_round_opening_today_opens_and_mails_each_respondent_their_own_link(
    agreement, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        round_ = start(agreement)
    assert round_.status == RoundStatus.OPEN
    assert round_.opened_at is not None
    respondents = list(round_.respondents.select_related("person"))
    assert len(respondents) == 3
    assert all(r.invited_at for r in respondents)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.person.email for r in respondents)
    links = set()
    for respondent in respondents:
        message = next(m for m in mail.outbox if m.to == [respondent.person.email])
        link = services.respondent_link(respondent)
        assert link in message.body
        assert link in message.alternatives[0][0]
        assert respondent.token_digest == token_digest(link.rstrip("/").rsplit("/", 1)[-1])
        links.add(link)
        english = respondent.person.language == "en"
        assert ("How is the collaboration" in message.subject) == english
        assert ("Hur går samverkan" in message.subject) == (not english)
    assert len(links) == 3


def test_invitations_and_reminders_go_out_once_each_and_never_after_closing(agreement):
    round_ = start(agreement)
    assert services.invitations_send(today=TODAY) == (3, 0)
    assert services.invitations_send(today=TODAY) == (0, 0)
    answered = round_.respondents.first()
    Respondent.objects.filter(pk=answered.pk).update(responded_at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    mail.outbox.clear()

    assert services.reminders_send(today=TODAY) == (0, 0)  # two weeks before the close: too early
    reminder_day = round_.closes_on - dt.timedelta(days=2)
    assert services.reminders_send(today=reminder_day) == (2, 0)
    assert services.reminders_send(today=reminder_day) == (0, 0)
    assert answered.person.email not in [m.to[0] for m in mail.outbox]
    assert all("Påminnelse" in m.subject or "Reminder" in m.subject for m in mail.outbox)

    late = Respondent.objects.create(
        round=round_, person=PersonFactory(), nonce="n" * 32, token_digest=token_digest(token_for("n" * 32))
    )
    after_close = round_.closes_on + dt.timedelta(days=1)
    assert services.rounds_close_due(today=after_close) == 1
    mail.outbox.clear()
    assert services.invitations_send(today=after_close) == (0, 0)
    assert services.reminders_send(today=after_close) == (0, 0)
    assert mail.outbox == []
    assert Respondent.objects.get(pk=late.pk).invited_at is None
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    assert not round_.accepts_answers(after_close)


def test_a_failing_mail_server_is_recorded_and_the_invitation_sent_once_it_is_back(agreement, settings):
    round_ = start(agreement)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    assert services.invitations_send(today=TODAY) == (0, 3)
    assert all(r.invited_at is None and "Error" in r.last_error for r in round_.respondents.all())

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.invitations_send(today=TODAY) == (3, 0)
    assert services.invitations_send(today=TODAY) == (0, 0)
    assert len(mail.outbox) == 3
    assert all(r.invited_at and r.last_error == "" for r in round_.respondents.all())


def test_a_round_opening_later_waits_and_the_daily_job_opens_it(agreement):
    round_ = start(agreement, opens_on=TODAY + dt.timedelta(days=3), closes_on=TODAY + dt.timedelta(days=20))
    assert round_.status == RoundStatus.SCHEDULED
    assert services.invitations_send(today=TODAY) == (0, 0)
    assert services.rounds_open_due(today=TODAY) == 0
    opening = TODAY + dt.timedelta(days=3)
    assert services.rounds_open_due(today=opening) == 1
    assert services.rounds_open_due(today=opening) == 0
    assert services.invitations_send(today=opening) == (3, 0)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"closes_on": TODAY - dt.timedelta(days=1), "opens_on": TODAY}, "closes_on", "cannot close before"),
        ({"opens_on": TODAY - dt.timedelta(days=9), "closes_on": TODAY - dt.timedelta(days=2)}, "closes_on", "passed"),
    ],
)
def test_bad_dates_are_refused_with_a_message(agreement, change, field, message):
    with pytest.raises(ValidationError) as error:
        start(agreement, **change)
    assert message in " ".join(error.value.message_dict[field])
    assert not AssessmentRound.objects.exists()


def test_ended_agreements_inactive_instruments_and_unreachable_people_are_refused(agreement):
    old = instrument(TESTA_DIN_SAMVERKAN)
    old.is_active = False
    old.save()
    with pytest.raises(ValidationError) as error:
        start(agreement, instrument=old)
    assert "instrument" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        start(agreement, persons=[PersonFactory(email="")])
    assert "no e-mail" in " ".join(error.value.message_dict["persons"])
    agreement.status = AgreementStatus.TERMINATED
    agreement.save()
    with pytest.raises(ValidationError) as error:
        start(agreement)
    assert "agreement" in error.value.message_dict
    empty = AgreementFactory()
    with pytest.raises(ValidationError) as error:
        start(empty)
    assert "Nobody to ask" in " ".join(error.value.message_dict["persons"])
    assert not AssessmentRound.objects.exists()
    assert not Respondent.objects.exists()


def test_the_invited_list_is_editable_but_people_who_answered_stay(agreement):
    round_ = start(agreement)
    people = [r.person for r in round_.respondents.all()]
    newcomer = PersonFactory()
    assert services.respondents_set(round_, [people[0], people[1], newcomer], today=TODAY) == (1, 1)
    assert set(round_.respondents.values_list("person_id", flat=True)) == {people[0].pk, people[1].pk, newcomer.pk}
    round_.respondents.filter(person=people[1]).update(responded_at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    with pytest.raises(ValidationError, match="already answered"):
        services.respondents_set(round_, [people[0]], today=TODAY)
    assert round_.respondents.count() == 3


def test_the_schedule_starts_a_round_when_the_interval_has_passed_and_only_once(agreement):
    agreement.valid_from = dt.date(2025, 10, 1)
    agreement.assessment_interval_months = 12
    agreement.save()
    recent = agreement_with()
    recent.status, recent.valid_from = AgreementStatus.ACTIVE, dt.date(2026, 6, 1)
    recent.save()

    outcome = services.rounds_create_due(today=TODAY)
    assert [r.agreement for r in outcome.created] == [agreement]
    round_ = outcome.created[0]
    assert round_.created_automatically
    assert round_.status == RoundStatus.OPEN
    assert round_.instrument.code == SAMVERKANSMODELLEN
    assert round_.closes_on == TODAY + dt.timedelta(days=21)
    assert services.rounds_create_due(today=TODAY).created == []  # one is under way

    # Closed; a year later the next round uses the newest version of the same instrument.
    services.round_close(round_)
    newer = Instrument.objects.create(code=SAMVERKANSMODELLEN, version=2, name_sv="Samverkansmodellen 2")
    newer.sections.create(position=1, title_sv="Dimensioner").items.create(
        instrument=newer, position=1, text_sv="Hur väl?"
    )
    # (the younger agreement's first round falls due in between)
    assert [r.agreement for r in services.rounds_create_due(today=TODAY + dt.timedelta(days=200)).created] == [recent]
    later = services.rounds_create_due(today=TODAY + dt.timedelta(days=366)).created
    assert [(r.agreement, r.instrument) for r in later] == [(agreement, newer)]


def test_the_daily_tasks_do_everything_that_is_due_and_nothing_twice(agreement, settings):
    agreement.valid_from = dt.date(2020, 1, 1)
    agreement.save()
    assert "'started': 1" in assessment_rounds_open()
    assert len(mail.outbox) == 3
    assert "'started': 0" in assessment_rounds_open()
    assert len(mail.outbox) == 3
    assert "'closed': 0" in assessment_rounds_follow_up()


def test_the_command_runs_the_daily_jobs_and_says_what_it_did(agreement):
    from io import StringIO

    from django.core.management import call_command

    agreement.valid_from = dt.date(2020, 1, 1)
    agreement.save()
    out = StringIO()
    with translation.override("en"):
        call_command("assessment_rounds", stdout=out)
    text = out.getvalue()
    assert "1 rounds started" in text
    assert "3 invitations sent" in text
    assert "0 rounds closed" in text
    assert AssessmentRound.objects.filter(agreement=agreement, status=RoundStatus.OPEN).count() == 1


def test_readers_see_results_but_not_individual_answers(reader, coordinator):
    assert reader.has_perm("assessments.view_assessmentround")
    assert not reader.has_perm("assessments.view_answer")
    assert coordinator.has_perm("assessments.view_answer")


def test_the_agreement_page_links_to_its_rounds_and_to_starting_one(coordinator_client, agreement):
    from django.urls import reverse

    page = coordinator_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk])).content.decode()
    assert f"/admin/assessments/assessmentround/?agreement__id__exact={agreement.pk}" in page
    assert f"/admin/assessments/assessmentround/add/?agreement={agreement.pk}" in page
    response = coordinator_client.get(reverse("admin:assessments_assessmentround_add") + f"?agreement={agreement.pk}")
    assert response.status_code == 200
