"""The weekly reminders of commitments and follow-ups: who gets one, what it lists, once per week, retried on
SMTP failure, the opt-out, and previewing or sending a given week."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from risks import reminders
from risks.choices import DeliveryStatus, ReportKind
from risks.models import ReportDelivery
from tests.factories import AgreementFactory, CommitmentFactory, FollowUpFactory, PartyFactory, PersonFactory
from tests.smtp import LocalSMTP

pytestmark = pytest.mark.django_db

MONDAY = reminders.week_moment("2026-W10")  # Monday 2 March 2026, 07:00
TODAY = timezone.localdate(MONDAY)


@pytest.fixture
def due():
    """John (English) has an overdue commitment and a follow-up due in 10 days; Anna has one in 20 days."""
    john = PersonFactory(first_name="John", email="john@example.se", language="en")
    anna = PersonFactory(first_name="Anna", email="anna@example.se", language="sv")
    agreement = AgreementFactory(title="Unga i arbete", status="active")
    party = PartyFactory(agreement=agreement, organization=john.organization)
    late = CommitmentFactory(party=party, responsible=john, due_on=TODAY - dt.timedelta(days=5),
                             description="Anställa två coacher")
    FollowUpFactory(responsible=john, due_on=TODAY + dt.timedelta(days=10), description="Skicka protokollet")
    FollowUpFactory(responsible=john, due_on=TODAY + dt.timedelta(days=10), description="Klart", status="done")
    FollowUpFactory(responsible=anna, due_on=TODAY + dt.timedelta(days=20))
    return {"john": john, "anna": anna, "late": late}


def test_one_message_per_person_listing_what_is_due(due):
    outcomes = reminders.reminders_send_now(now=MONDAY)
    assert [(delivery.email, status) for delivery, status in outcomes] == [("john@example.se", "sent")]
    [message] = mail.outbox
    assert message.to == ["john@example.se"]
    assert message.subject == "Samverkan, week 10: 1 overdue, 1 due within 14 days"  # in John's language
    body = message.body
    assert "Anställa två coacher" in body
    assert "5 days ago" in body
    assert "Skicka protokollet" in body
    assert "Unga i arbete" in body
    assert "Klart" not in body  # done
    html = message.alternatives[0][0]
    assert "Skicka protokollet" in html


def test_at_most_once_per_week(due):
    reminders.reminders_send_now(now=MONDAY)
    reminders.reminders_send_now(now=MONDAY + dt.timedelta(hours=5))
    assert len(mail.outbox) == 1
    assert ReportDelivery.objects.filter(report=ReportKind.REMINDER).count() == 1
    reminders.reminders_send_now(now=MONDAY + dt.timedelta(days=7))  # next week: Anna's is due within 14 days now
    assert sorted(message.to[0] for message in mail.outbox[1:]) == ["anna@example.se", "john@example.se"]


def test_opt_out_and_no_address_get_nothing(due):
    due["john"].reminders_opt_out = True
    due["john"].save()
    assert reminders.reminders_send_now(now=MONDAY) == []
    assert mail.outbox == []
    due["john"].reminders_opt_out = False
    due["john"].email = ""
    due["john"].save()
    assert reminders.reminders_send_now(now=MONDAY) == []


def test_a_reminder_for_something_done_meanwhile_is_skipped(due):
    assert reminders.reminders_claim(now=MONDAY) == 1
    due["late"].status = "done"
    due["late"].save()
    FollowUpFactory._meta.model.objects.filter(responsible=due["john"]).update(status="cancelled")
    [(delivery, status)] = reminders.reminders_send_now(now=MONDAY)
    assert status == DeliveryStatus.SKIPPED
    assert mail.outbox == []


def test_smtp_down_then_back_delivers_exactly_once(due, settings):
    smtp = LocalSMTP()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    reminders.reminders_claim(now=MONDAY)
    delivery = ReportDelivery.objects.get(report=ReportKind.REMINDER)
    from risks.reports import delivery_send

    with pytest.raises(ConnectionRefusedError):  # nothing listens
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    smtp.start()
    try:
        reminders.reminders_send_now(now=MONDAY + dt.timedelta(hours=1))  # the next run retries
        reminders.reminders_send_now(now=MONDAY + dt.timedelta(hours=2))
        [(recipients, message)] = smtp.messages
    finally:
        smtp.stop()
    assert recipients == ["john@example.se"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_weekly_task_queues_the_deliveries(due, django_capture_on_commit_callbacks):
    from risks.tasks import reminders_send

    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_send.apply().get()
    # Today, long after week 10, everything of the fixture is overdue: both are reminded.
    assert result == "2 reminders claimed, 2 queued"
    assert sorted(message.to[0] for message in mail.outbox) == ["anna@example.se", "john@example.se"]


def test_the_schedule_exists():
    task = PeriodicTask.objects.get(task="risks.reminders_send")
    assert task.crontab.day_of_week == "1"
    assert task.enabled


def test_commands_take_a_week(due, capsys):
    call_command("send_reminders", "--dry-run", "--week", "2026-W10")
    out = capsys.readouterr().out
    assert "john@example.se" in out
    assert "Anställa två coacher" in out
    assert not ReportDelivery.objects.exists()
    call_command("send_reminders", "--week", "2026-W10")
    assert ReportDelivery.objects.get().period_start == dt.date(2026, 3, 2)
    call_command("send_risk_reports", "--dry-run", "--week", "2026-W10")
    for command in ("send_reminders", "send_risk_reports"):
        for bad in ("2026-10", "2026-W54", "next"):
            with pytest.raises(CommandError, match="week|vecka|YYYY"):
                call_command(command, "--week", bad, "--dry-run")
