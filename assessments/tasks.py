"""Thin Celery tasks over assessments.services and assessments.reports."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings


@shared_task(name="assessments.risk_scan_scheduled")
def risk_scan_scheduled() -> str:
    """The nightly scan: claims tonight's slot (a duplicate run does nothing) and runs it."""
    from assessments.services import scan_claim_scheduled, scan_run

    scan = scan_claim_scheduled()
    if scan is None:
        return "tonight's scan is already running or done"
    return scan_run(scan_id=scan.pk)


@shared_task(name="assessments.risk_scan_run")
def risk_scan_run(scan_id: int) -> str:
    """Run one queued scan (requested in the admin or the API)."""
    from assessments.services import scan_run

    return scan_run(scan_id=scan_id)


@shared_task(name="assessments.risk_scan_chunk", bind=True)
def risk_scan_chunk(self, scan_id: int, index: int, low: int, high: int) -> str:
    """Scan one chunk of a split scan, on whichever worker takes it."""
    from assessments.services import scan_chunk

    return scan_chunk(scan_id=scan_id, index=index, id_range=(low, high), worker=self.request.hostname or "")


@shared_task(name="assessments.risk_reports_send")
def risk_reports_send() -> str:
    """The weekly report: claim this period's deliveries and queue every unsent one (older ones too)."""
    from assessments.reports import reports_queue

    return reports_queue()


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
    from assessments.reports import delivery_send

    return delivery_send(delivery_id=delivery_id)


_MAIL_RETRY = {
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError, OSError),
    "retry_backoff": settings.RISK_REPORT_RETRY_BACKOFF,
    "retry_backoff_max": settings.CELERY_MAX_RETRY_DELAY,
    "retry_jitter": True,
    "max_retries": 12,
}


@shared_task(name="assessments.assessment_rounds_open")
def assessment_rounds_open() -> str:
    """Daily: start the rounds that are due, open scheduled ones and send every invitation still owed."""
    from assessments.rounds import daily_open

    return str(daily_open())


@shared_task(name="assessments.assessment_rounds_follow_up")
def assessment_rounds_follow_up() -> str:
    """Daily: close rounds past their date and remind those who have not answered."""
    from assessments.rounds import daily_follow_up

    return str(daily_follow_up())


@shared_task(name="assessments.assessment_invitations_send", **_MAIL_RETRY)
def assessment_invitations_send(round_id: int) -> str:
    """Invite a round's respondents right after it opens; retried while a mail server is down (those
    already invited are never mailed twice)."""
    from assessments.rounds import invitations_send

    sent, failed = invitations_send(round_id=round_id)
    if failed:
        raise ConnectionError(f"{failed} invitations of round {round_id} failed")
    return f"{sent} invitations sent"
