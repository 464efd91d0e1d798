"""Assessment jobs on real services: a Celery worker on Redis, PostgreSQL and a local SMTP server."""

import datetime as dt
import time

from django.utils import timezone

from agreements.choices import AgreementStatus
from assessments.choices import RoundStatus
from assessments.models import AssessmentRound, Respondent
from assessments.tasks import assessment_rounds_open
from tests.factories import agreement_with
from tests.integration.conftest import wait_for
from tests.integration.test_risks import use_smtp
from tests.smtp import LocalSMTP, free_port


def due_agreement():
    agreement = agreement_with(parties=2, responsibilities=2)
    agreement.status = AgreementStatus.ACTIVE
    agreement.valid_from = timezone.localdate() - dt.timedelta(days=800)
    agreement.save()
    return agreement


def test_the_daily_job_starts_a_due_round_and_invitations_survive_an_smtp_outage(start_worker, monkeypatch):
    port = free_port()
    use_smtp(monkeypatch, port)
    monkeypatch.setenv("RISK_REPORT_RETRY_BACKOFF", "1")
    agreement = due_agreement()
    start_worker()
    assessment_rounds_open.delay()
    round_ = wait_for(
        lambda: AssessmentRound.objects.filter(agreement=agreement, status=RoundStatus.OPEN).first(),
        message="the daily job to start the round",
    )
    wait_for(
        lambda: Respondent.objects.filter(round=round_).exclude(last_error="").count() == 2,
        message="the invitations to fail while SMTP is down",
    )
    smtp = LocalSMTP(port).start()
    try:
        wait_for(lambda: len(smtp.messages) == 2, message="the retried invitations")
        assessment_rounds_open.delay()  # a duplicate daily run mails nobody twice
        time.sleep(3)
        assert len(smtp.messages) == 2
    finally:
        smtp.stop()
    recipients = sorted(rcpt for rcpts, _message in smtp.messages for rcpt in rcpts)
    assert recipients == sorted(round_.respondents.values_list("person__email", flat=True))
    assert AssessmentRound.objects.filter(agreement=agreement).count() == 1
    assert all(r.invited_at for r in Respondent.objects.filter(round=round_))
    body = smtp.messages[0][1].get_body(preferencelist=("plain",)).get_content()
    assert "/a/" in body
    assert agreement.title in body
