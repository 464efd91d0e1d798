"""Thin Celery tasks over the assessment services: opening, following up and inviting rounds."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

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
    from assessments.services import daily_open

    return str(daily_open())


@shared_task(name="assessments.assessment_rounds_follow_up")
def assessment_rounds_follow_up() -> str:
    """Daily: close rounds past their date and remind those who have not answered."""
    from assessments.services import daily_follow_up

    return str(daily_follow_up())


@shared_task(name="assessments.assessment_invitations_send", **_MAIL_RETRY)
def assessment_invitations_send(round_id: int) -> str:
    """Invite a round's respondents right after it opens; retried while a mail server is down (those
    already invited are never mailed twice)."""
    from assessments.services import invitations_send

    sent, failed = invitations_send(round_id=round_id)
    if failed:
        raise ConnectionError(f"{failed} invitations of round {round_id} failed")
    return f"{sent} invitations sent"
