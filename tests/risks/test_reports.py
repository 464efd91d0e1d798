"""The weekly risk e-mail report: recipients, content, language, one delivery per period, retries."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Responsibility
from risks import reports, scans
from risks.choices import DeliveryStatus, ReportKind
from risks.models import ReportDelivery, RiskFlag, RiskReportSubscription
from tests.factories import PersonFactory, UserFactory, agreement_with
from tests.smtp import LocalSMTP

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    """Two active agreements with their own coordinators, each carried by one person (risky)."""
    first, second = (agreement_with(parties=2, responsibilities=2, deputies=False) for _ in range(2))
    anna = PersonFactory(first_name="Anna", last_name="Svensson", email="anna@example.se", language="sv")
    john = PersonFactory(first_name="John", last_name="Smith", email="john@example.se", language="en")
    Agreement.objects.filter(pk=first.pk).update(status=AgreementStatus.ACTIVE, coordinator=anna, title="Unga i arbete")
    Agreement.objects.filter(pk=second.pk).update(status=AgreementStatus.ACTIVE, coordinator=john, title="Trygg hamn")
    scans.scan_now()
    return {"first": first, "second": second, "anna": anna, "john": john}


@pytest.fixture
def subscriber():
    user = UserFactory(username="chef", email="chef@example.se", is_staff=True)
    RiskReportSubscription.objects.create(user=user, language="en")
    return user


def sent_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_each_coordinator_gets_the_risks_of_their_own_agreements(portfolio):
    call_command("send_risk_reports")
    [anna_mail] = sent_to("anna@example.se")
    [john_mail] = sent_to("john@example.se")
    assert "Unga i arbete" in anna_mail.body
    assert "Trygg hamn" not in anna_mail.body
    assert "Trygg hamn" in john_mail.body
    assert "Unga i arbete" not in john_mail.body


def test_portfolio_subscribers_get_everything(portfolio, subscriber):
    call_command("send_risk_reports")
    [message] = sent_to("chef@example.se")
    assert "Unga i arbete" in message.body
    assert "Trygg hamn" in message.body
    total = RiskFlag.objects.count()
    assert f"{total} new" in message.subject


def test_report_is_in_the_recipients_language_with_html_and_text(portfolio):
    call_command("send_risk_reports")
    [swedish] = sent_to("anna@example.se")
    [english] = sent_to("john@example.se")
    assert swedish.subject.startswith("Samverkans riskrapport")
    assert english.subject.startswith("Samverkan risk report")
    assert "Still open" in english.body
    assert "Fortfarande öppna" in swedish.body
    html, mimetype = english.alternatives[0]
    assert mimetype == "text/html"
    assert 'lang="en"' in html
    assert "/admin/risks/riskflag/" in html
    assert english.extra_headers["Auto-Submitted"] == "auto-generated"


def test_sections_new_open_and_resolved(portfolio, settings):
    settings.SITE_URL = "https://samverkan.example.se"
    first = portfolio["first"]
    now = timezone.now()
    reports.deliveries_send_now(now=now)
    mail.outbox.clear()
    # A week later: the deputies are named (those risks resolve), and a review date has passed (a new risk).
    roles = list(Responsibility.objects.filter(agreement=first).order_by("id"))
    Responsibility.objects.filter(pk=roles[0].pk).update(deputy=roles[1].responsible)
    Responsibility.objects.filter(pk=roles[1].pk).update(deputy=roles[0].responsible)
    Agreement.objects.filter(pk=first.pk).update(next_review_on=timezone.localdate() - timedelta(days=3))
    scans.scan_now()
    reports.deliveries_send_now(now=now + timedelta(days=7))
    [message] = sent_to("anna@example.se")
    text = message.body
    new_part = text.split("== Nytt sedan förra rapporten")[1].split("== Fortfarande öppna")[0]
    open_part = text.split("== Fortfarande öppna")[1].split("== Åtgärdat sedan förra rapporten")[0]
    resolved_part = text.split("== Åtgärdat sedan förra rapporten")[1]
    assert "uppföljning" in new_part.lower()
    assert "ersättare" not in new_part.lower()
    # The new risk is listed once, under new; nothing from before is still open.
    assert "[Medel]" in new_part
    assert "Inga öppna risker." in open_part
    assert resolved_part.count("Ersättare saknas") == 2
    assert "https://samverkan.example.se/admin/risks/riskflag/" in text


def test_at_most_one_delivery_per_recipient_and_period(portfolio):
    now = timezone.now()
    reports.deliveries_send_now(now=now)
    reports.deliveries_send_now(now=now + timedelta(hours=1))  # the same week
    assert len(sent_to("anna@example.se")) == 1
    assert ReportDelivery.objects.filter(recipient_key=f"person:{portfolio['anna'].pk}").count() == 1
    delivery = ReportDelivery.objects.get(recipient_key=f"person:{portfolio['anna'].pk}")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportDelivery.objects.create(
            report=delivery.report,
            period_start=delivery.period_start,
            recipient_key=delivery.recipient_key,
            email="other@example.se",
            since=now,
            until=now,
        )
    reports.deliveries_send_now(now=now + timedelta(days=7))  # next week: a new one
    assert len(sent_to("anna@example.se")) == 2


def test_a_coordinator_with_nothing_to_report_gets_no_mail(portfolio):
    calm = agreement_with(parties=2, responsibilities=2, deputies=True)
    quiet = PersonFactory(email="quiet@example.se")
    Agreement.objects.filter(pk=calm.pk).update(status=AgreementStatus.DRAFT, coordinator=quiet)
    reports.deliveries_send_now()
    assert sent_to("quiet@example.se") == []
    assert ReportDelivery.objects.get(email="quiet@example.se").status == DeliveryStatus.SKIPPED


def test_dry_run_previews_without_claiming_or_sending(portfolio, subscriber, capsys):
    quiet = PersonFactory(email="quiet@example.se")
    calm = agreement_with(parties=2, responsibilities=2, deputies=True)
    Agreement.objects.filter(pk=calm.pk).update(status=AgreementStatus.DRAFT, coordinator=quiet)
    with translation.override("en"):
        call_command("send_risk_reports", "--dry-run")
    out = capsys.readouterr().out
    assert "quiet@example.se: nothing to report, no e-mail." in out
    assert "anna@example.se" in out
    assert "chef@example.se" in out
    assert "Unga i arbete" in out
    assert "Trygg hamn" in out
    assert mail.outbox == []
    assert not ReportDelivery.objects.exists()


def test_a_failing_recipient_does_not_stop_the_others(portfolio, monkeypatch):
    original = reports.report_content

    def content(*, scope, since, until):
        if "coordinator_id" in str(scope) and str(portfolio["anna"].pk) in str(scope):
            raise RuntimeError("database error in this report")
        return original(scope=scope, since=since, until=until)

    monkeypatch.setattr(reports, "report_content", content)
    with pytest.raises(CommandError):
        call_command("send_risk_reports")
    assert len(sent_to("john@example.se")) == 1
    failed = ReportDelivery.objects.get(email="anna@example.se")
    assert failed.status == DeliveryStatus.FAILED
    assert "database error" in failed.last_error
    monkeypatch.setattr(reports, "report_content", original)
    call_command("send_risk_reports")  # the next run retries it
    assert len(sent_to("anna@example.se")) == 1


def test_weekly_task_claims_and_queues_unsent_deliveries(portfolio, django_capture_on_commit_callbacks):
    from risks.tasks import risk_reports_send

    with django_capture_on_commit_callbacks(execute=True):
        summary = risk_reports_send()
    assert summary.startswith("2 deliveries claimed, 2 queued")
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert risk_reports_send() == "0 deliveries claimed, 0 queued"
    assert len(mail.outbox) == 2


def test_smtp_down_then_back_delivers_exactly_once(portfolio, settings):
    smtp = LocalSMTP()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    reports.reports_claim()
    delivery = ReportDelivery.objects.get(email="anna@example.se")
    with pytest.raises(ConnectionRefusedError):  # nothing listens
        reports.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error
    smtp.start()
    try:
        assert reports.delivery_send(delivery_id=delivery.pk).endswith("sent")
        assert reports.delivery_send(delivery_id=delivery.pk).endswith("already sent")
        [(recipients, message)] = smtp.messages
    finally:
        smtp.stop()
    assert recipients == ["anna@example.se"]
    assert message["Subject"].strip().startswith("Samverkans riskrapport")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert delivery.sent_at is not None


def test_recipients_skip_people_who_left_and_unsubscribed_users(portfolio, subscriber):
    Agreement.objects.filter(pk=portfolio["second"].pk).update(coordinator=PersonFactory(left_on=timezone.localdate()))
    RiskReportSubscription.objects.filter(user=subscriber).update(is_active=False)
    keys = {(r.report, r.email) for r in reports.report_recipients()}
    assert keys == {(ReportKind.COORDINATOR, "anna@example.se")}


def test_each_risk_once_in_its_section_with_acknowledgement_notes_and_counts(portfolio):
    first = portfolio["first"]
    now = timezone.now()
    reports.deliveries_send_now(now=now)
    [first_report] = sent_to("anna@example.se")
    open_before = RiskFlag.objects.filter(agreement=first, status="open").count()
    assert open_before >= 2
    # The first report: everything is new, nothing is listed twice.
    assert f": {open_before} nya, 0 fortfarande öppna, 0 åtgärdade" in first_report.subject
    mail.outbox.clear()
    # A week later: one old risk acknowledged with a note, a new risk (a review date has passed).
    acknowledged = RiskFlag.objects.filter(agreement=first, status="open").order_by("id").first()
    RiskFlag.objects.filter(pk=acknowledged.pk).update(
        status="acknowledged", acknowledged_at=now, acknowledgement_note="Ersättare rekryteras i mars"
    )
    Agreement.objects.filter(pk=first.pk).update(next_review_on=timezone.localdate() - timedelta(days=3))
    scans.scan_now()
    new_flags = RiskFlag.objects.filter(agreement=first, first_seen_at__gt=now)
    assert new_flags.count() == 1
    reports.deliveries_send_now(now=now + timedelta(days=7))
    [message] = sent_to("anna@example.se")
    text = message.body
    html = message.alternatives[0][0]
    assert f": 1 nya, {open_before} fortfarande öppna, 0 åtgärdade" in message.subject
    new_part = text.split("== Nytt sedan förra rapporten")[1].split("== Fortfarande öppna")[0]
    open_part = text.split("== Fortfarande öppna")[1].split("== Åtgärdat sedan förra rapporten")[0]
    assert text.split("== Nytt sedan förra rapporten")[1].startswith(" (1) ==")
    for flag in RiskFlag.objects.filter(agreement=first, status__in=("open", "acknowledged")):
        url = f"/admin/risks/riskflag/{flag.pk}/change/"
        assert text.count(url) == 1, flag  # each risk once
        assert (url in new_part) == (flag.pk == new_flags.get().pk)
        assert (url in open_part) == (flag.pk != new_flags.get().pk)
    assert "(kvitterad)\n  Kvitteringsanteckning: Ersättare rekryteras i mars" in open_part
    assert "Kvitteringsanteckning: Ersättare rekryteras i mars" in html
