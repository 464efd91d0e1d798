"""The risk engine on real services: Redis, Celery workers and beat processes, PostgreSQL, a local SMTP server."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from agreements.choices import AgreementStatus
from agreements.models import Agreement
from risks import engine, facts, scans
from risks.choices import DeliveryStatus, FlagStatus, ScanStatus, ScanTrigger
from risks.models import ReportDelivery, RiskFlag, RiskScan
from risks.tasks import risk_reports_send
from tests.factories import PersonFactory, agreement_with
from tests.integration.conftest import wait_for
from tests.smtp import LocalSMTP, free_port


def risky_portfolio(n: int, coordinator_email: str | None = None):
    agreements = [agreement_with(parties=2, responsibilities=3, deputies=False) for _ in range(n)]
    values = {"status": AgreementStatus.ACTIVE}
    if coordinator_email:
        values["coordinator"] = PersonFactory(email=coordinator_email, language="en")
    Agreement.objects.filter(pk__in=[a.pk for a in agreements]).update(**values)
    return agreements


def expected_findings() -> set[tuple[str, str]]:
    ctx = facts.scan_context()
    agreements = facts.agreement_facts(ctx)
    findings = engine.check_agreements(agreements, ctx) + engine.check_portfolio(
        engine.portfolio_facts(agreements), ctx
    )
    return {(f.rule, f.subject_key) for f in findings}


def unresolved_keys() -> list[tuple[str, str]]:
    return list(RiskFlag.objects.exclude(status=FlagStatus.RESOLVED).values_list("rule", "subject_key"))


def use_smtp(monkeypatch, port: int) -> None:
    """Point worker processes (started afterwards) at a local SMTP server."""
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(port))
    monkeypatch.setenv("EMAIL_TIMEOUT", "5")


def test_a_split_scan_runs_over_two_workers(start_worker, monkeypatch):
    monkeypatch.setenv("RISK_SCAN_CHUNK_SIZE", "1")
    risky_portfolio(8)
    start_worker("w1")
    start_worker("w2")
    scan = scans.scan_request(trigger=ScanTrigger.API)
    scan = wait_for(
        lambda: RiskScan.objects.filter(pk=scan.pk, status__in=[ScanStatus.SUCCEEDED, ScanStatus.FAILED]).first(),
        message="the scan to finish",
    )
    assert scan.status == ScanStatus.SUCCEEDED, scan.error
    assert scan.chunks_total == scan.chunks_done == 8
    assert scan.agreements_scanned == 8
    workers = {entry["worker"].split("-")[0] for entry in scan.workers}
    assert workers == {"w1", "w2"}
    keys = unresolved_keys()
    assert len(keys) == len(set(keys))  # one flag per finding
    assert set(keys) == expected_findings()


def test_beat_and_worker_scan_at_night_and_mail_the_report(start_worker, start_beat, monkeypatch):
    smtp = LocalSMTP().start()
    try:
        use_smtp(monkeypatch, smtp.port)
        [agreement, *_rest] = risky_portfolio(2, coordinator_email="coordinator@example.se")
        PeriodicTask.objects.all().delete()  # the real crontab schedules would not fire during a test
        every_second, _created = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.create(
            name="scan now", task="assessments.risk_scan_scheduled", interval=every_second, one_off=True
        )
        start_worker()
        start_beat()
        scan = wait_for(
            lambda: RiskScan.objects.filter(trigger=ScanTrigger.SCHEDULE, status=ScanStatus.SUCCEEDED).first(),
            message="beat to run the nightly scan",
        )
        assert scan.new_count > 0
        PeriodicTask.objects.create(
            name="report now", task="assessments.risk_reports_send", interval=every_second, one_off=True
        )
        wait_for(lambda: smtp.messages, message="the report to reach the SMTP server")
        time.sleep(2)  # nothing more may follow
        [(recipients, message)] = smtp.messages
    finally:
        smtp.stop()
    assert recipients == ["coordinator@example.se"]
    assert message["Subject"].strip().startswith("Samverkan risk report")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert agreement.title in body
    assert ReportDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_report_is_retried_until_smtp_is_back_and_sent_once(start_worker, monkeypatch):
    port = free_port()
    use_smtp(monkeypatch, port)
    monkeypatch.setenv("RISK_REPORT_RETRY_BACKOFF", "1")
    risky_portfolio(1, coordinator_email="coordinator@example.se")
    scans.scan_now()
    start_worker()
    risk_reports_send.delay()
    wait_for(
        lambda: ReportDelivery.objects.filter(status=DeliveryStatus.FAILED, attempts__gte=1).exists(),
        message="a failed first attempt",
    )
    smtp = LocalSMTP(port).start()
    try:
        delivery = wait_for(
            lambda: ReportDelivery.objects.filter(status=DeliveryStatus.SENT).first(), message="the retried delivery"
        )
        risk_reports_send.delay()  # a duplicate weekly run sends nothing more
        time.sleep(3)
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()
    assert delivery.attempts >= 2
    assert delivery.last_error == ""


def test_two_scans_at_once_leave_one_flag_per_finding(transactional_db, integration_services):
    risky_portfolio(6)
    expected = expected_findings()
    for _round in range(3):
        RiskFlag.objects.all().delete()
        barrier = threading.Barrier(2)
        errors = []

        def scan(barrier=barrier, errors=errors):
            try:
                barrier.wait()
                scans.scan_now()
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=scan) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        keys = unresolved_keys()
        assert len(keys) == len(set(keys)) == len(expected)
        assert set(keys) == expected


def test_a_reconcile_waits_for_the_one_in_progress_and_opens_nothing_twice(transactional_db, integration_services):
    """The race the reconcile lock closes: scan B reads the flags while scan A has inserted its own but not
    committed. B must wait for A and then find A's flags, not stream the same rows into the table."""
    [agreement] = risky_portfolio(1)
    found = engine.Finding("review_overdue", "agreement", agreement_id=agreement.pk, details={"due": "2026-01-01"})
    inserted, commit, results, errors = threading.Event(), threading.Event(), {}, []

    def reconcile(name, hold=False):
        try:
            with transaction.atomic():
                results[name] = scans.flags_reconcile(findings=[found], scope=Q())
                if hold:
                    inserted.set()
                    assert commit.wait(30)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=reconcile, args=("first", True))
    first.start()
    assert inserted.wait(30)
    second = threading.Thread(target=reconcile, args=("second",))
    second.start()
    second.join(1)
    assert second.is_alive(), "the second reconcile did not wait for the first one's lock"
    commit.set()
    first.join(30)
    second.join(30)
    assert errors == []
    assert (results["first"].new, results["first"].persisting) == (1, 0)
    assert (results["second"].new, results["second"].persisting) == (0, 1)
    assert unresolved_keys() == [("review_overdue", f"agreement:{agreement.pk}")]


@pytest.mark.parametrize("status", [ScanStatus.SUCCEEDED])
def test_scan_requested_through_the_api_is_followed_to_its_end(start_worker, client, coordinator, status):
    risky_portfolio(2)
    start_worker()
    client.force_login(coordinator)
    response = client.post("/api/v1/risk-scans/")
    assert response.status_code == 202
    url = response.json()["url"]
    body = wait_for(lambda: (r := client.get(url).json())["status"] in ("succeeded", "failed") and r)
    assert body["status"] == status
    assert body["new_count"] == RiskFlag.objects.count() > 0
