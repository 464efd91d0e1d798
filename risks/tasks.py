"""Thin Celery tasks over risks.scans and risks.reports. The task names predate the risks app and are kept,
so beat schedules and queued messages stay valid."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings


@shared_task(name="assessments.risk_scan_scheduled")
def risk_scan_scheduled() -> str:
    """The nightly scan: claims tonight's slot (a duplicate run does nothing) and runs it. First the day's
    row-count deltas are folded (samverkan_project.rowcounts), so counting a list stays one small sum."""
    from risks.scans import scan_claim_scheduled, scan_run
    from samverkan_project import rowcounts

    rowcounts.compact()
    scan = scan_claim_scheduled()
    if scan is None:
        return "tonight's scan is already running or done"
    return scan_run(scan_id=scan.pk)


@shared_task(name="assessments.risk_scan_run")
def risk_scan_run(scan_id: int) -> str:
    """Run one queued scan (requested in the admin or the API)."""
    from risks.scans import scan_run

    return scan_run(scan_id=scan_id)


@shared_task(name="assessments.risk_scan_chunk", bind=True)
def risk_scan_chunk(self, scan_id: int, index: int, low: int, high: int) -> str:
    """Scan one chunk of a split scan, on whichever worker takes it."""
    from risks.scans import scan_chunk

    return scan_chunk(scan_id=scan_id, index=index, id_range=(low, high), worker=self.request.hostname or "")


@shared_task(name="assessments.risk_reports_send")
def risk_reports_send() -> str:
    """The weekly report: claim this period's deliveries and queue every unsent one (older ones too)."""
    from risks.reports import reports_queue

    return reports_queue()


@shared_task(name="risks.reminders_send")
def reminders_send() -> str:
    """The weekly reminders: claim this week's deliveries and queue every unsent one (older ones too)."""
    from risks.reminders import reminders_queue

    return reminders_queue()


@shared_task(
    name="assessments.risk_report_deliver",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=settings.RISK_REPORT_RETRY_BACKOFF,
    retry_backoff_max=settings.CELERY_MAX_RETRY_DELAY,
    retry_jitter=True,
    max_retries=12,
)
def risk_report_deliver(delivery_id: int) -> str:
    """Send one claimed risk-report delivery; one already sent is left alone."""
    from risks.reports import delivery_send

    return delivery_send(delivery_id=delivery_id)
