"""The risk engine's part of privacy (stakeholders.privacy): the flags about a person, the reports mailed to
them, to their login or to any of their addresses, and their login's report subscription; anonymising cancels
unsent reports and blanks the addresses, closing a login ends its subscription."""

from django.db.models import Q

from stakeholders.privacy import Anonymisation, ExportRequest, PrivacyPart, plain, register, rows


def _deliveries(person_id: int, emails, login_id: int | None = None):
    from risks.models import ReportDelivery

    condition = Q(person_id=person_id)
    if emails:
        condition |= Q(email__in=sorted(emails))
    if login_id is not None:
        condition |= Q(user_id=login_id)
    return ReportDelivery.objects.filter(condition)


def export(request: ExportRequest) -> dict:
    from risks.models import RiskFlag, RiskReportSubscription

    login_id = request.person.user_id
    flags = RiskFlag.objects.filter(person_id=request.person.pk).select_related(
        "agreement", "party__organization", "person", "responsibility"
    )
    return {
        "risk_flags": [
            plain(
                {
                    "id": flag.pk,
                    "rule": flag.rule,
                    "severity": flag.severity,
                    "status": flag.status,
                    "agreement_id": flag.agreement_id,
                    "agreement_title": flag.agreement.title if flag.agreement_id else None,
                    "message": flag.message,
                    "details": flag.details,
                    "first_seen_at": flag.first_seen_at,
                    "last_seen_at": flag.last_seen_at,
                    "resolved_at": flag.resolved_at,
                }
            )
            for flag in flags.order_by("first_seen_at", "id")
        ],
        "report_deliveries": rows(
            _deliveries(request.person.pk, request.emails, login_id).order_by("period_start", "id"),
            "id",
            "report",
            "period_start",
            "email",
            "language",
            "status",
            "subject",
            "sent_at",
        ),
        "report_subscriptions": []
        if login_id is None
        else rows(RiskReportSubscription.objects.filter(user_id=login_id), "language", "is_active", "created_at"),
    }


def anonymise(erasure: Anonymisation) -> None:
    from risks.choices import DeliveryStatus

    login_id = erasure.login.pk if erasure.login is not None else None
    deliveries = _deliveries(erasure.person.pk, erasure.emails, login_id)
    deliveries.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)).update(status=DeliveryStatus.SKIPPED)
    erasure.summary.deliveries_cleaned = deliveries.update(email="", last_error="")


def close_login(user) -> None:
    from risks.models import RiskReportSubscription

    RiskReportSubscription.objects.filter(user=user).delete()


PART = register(PrivacyPart(app_label="risks", export=export, anonymise=anonymise, close_login=close_login))
