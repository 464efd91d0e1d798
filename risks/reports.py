"""The weekly risk e-mail report: who gets it, what it says, and delivering it exactly once.

Each period (an ISO week, Monday to Sunday, Europe/Stockholm) every recipient's delivery is claimed
by inserting its row — unique per (report, period, recipient) in the database — before anything is
sent. A delivery is sent under a row lock and marked sent in the same transaction; a failure is
recorded on the row and raised so Celery retries it with backoff; unsent rows of any period are
queued again by the next run. Each delivery covers the changes since the recipient's previous one,
so a lost run loses nothing: the next one reports it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.choices import AgreementStatus
from risks import selectors
from risks.choices import SEVERITY_ORDER, UNRESOLVED, DeliveryStatus, ReportKind, Severity
from risks.models import ReportDelivery, RiskFlag, RiskReportSubscription
from stakeholders.models import Person

logger = logging.getLogger(__name__)

PERIOD = timedelta(days=7)


def period_start(now: datetime | None = None) -> date:
    """Monday of the current week, in local time."""
    today = timezone.localdate(now or timezone.now())
    return today - timedelta(days=today.weekday())


# --- recipients -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    report: str
    key: str
    email: str
    language: str
    person: Person | None = None
    user: object | None = None


def report_recipients(*, today: date | None = None) -> list[Recipient]:
    """The coordinators of draft and active agreements (still in service, with an e-mail address),
    and the staff users who subscribe to the whole portfolio (two queries)."""
    coordinators = (
        Person.objects.active(on=today)
        .exclude(email="")
        .filter(coordinated_agreements__status__in=(AgreementStatus.DRAFT, AgreementStatus.ACTIVE))
        .distinct()
        .order_by("id")
    )
    recipients = [
        Recipient(ReportKind.COORDINATOR, f"person:{person.pk}", person.email, person.language, person=person)
        for person in coordinators
    ]
    subscriptions = (
        RiskReportSubscription.objects.filter(is_active=True, user__is_active=True, user__is_staff=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    recipients += [
        Recipient(ReportKind.PORTFOLIO, f"user:{sub.user_id}", sub.user.email, sub.language, user=sub.user)
        for sub in subscriptions
    ]
    return recipients


def report_scope(report: str, recipient_key: str) -> Q:
    """The flags a report covers: a coordinator's agreements, or everything."""
    if report == ReportKind.COORDINATOR:
        person_id = int(recipient_key.split(":", 1)[1])
        return Q(agreement__coordinator_id=person_id)
    return Q()


def changes_since(recipients: list[Recipient], now: datetime) -> dict[tuple[str, str], datetime]:
    """Per (report, recipient): the end of the previous delivery's window, or a week ago for a first one."""
    previous = {
        (report, key): until
        for report, key, until in ReportDelivery.objects.filter(recipient_key__in=[r.key for r in recipients])
        .values("report", "recipient_key")
        .annotate(until=Max("until"))
        .values_list("report", "recipient_key", "until")
    }
    return {(r.report, r.key): min(previous.get((r.report, r.key)) or now - PERIOD, now) for r in recipients}


# --- claiming and queueing --------------------------------------------------------------------------


def reports_claim(*, now: datetime | None = None) -> int:
    """Insert this period's delivery rows (the claim); rows that exist are left alone. Each new row
    covers the changes since the recipient's previous delivery (or the last week, for a first one)."""
    now = now or timezone.now()
    period = period_start(now)
    recipients = report_recipients(today=timezone.localdate(now))
    since = changes_since(recipients, now)
    rows = [
        ReportDelivery(
            report=recipient.report,
            period_start=period,
            recipient_key=recipient.key,
            person=recipient.person,
            user=recipient.user,
            email=recipient.email,
            language=recipient.language,
            since=since[(recipient.report, recipient.key)],
            until=now,
        )
        for recipient in recipients
    ]
    before = ReportDelivery.objects.filter(period_start=period).count()
    ReportDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return ReportDelivery.objects.filter(period_start=period).count() - before


def unsent_deliveries():
    return ReportDelivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)).order_by("id")


def reports_queue(*, now: datetime | None = None) -> str:
    """Claim this period's deliveries and queue every unsent delivery (earlier periods' too) for a worker."""
    from risks.tasks import risk_report_deliver

    claimed = reports_claim(now=now)
    ids = list(unsent_deliveries().values_list("id", flat=True))
    for delivery_id in ids:
        transaction.on_commit(lambda delivery_id=delivery_id: risk_report_deliver.delay(delivery_id))
    return f"{claimed} deliveries claimed, {len(ids)} queued"


# --- content ----------------------------------------------------------------------------------------


@dataclass
class SeverityGroup:
    severity: str
    label: object  # lazy translatable text
    flags: list[RiskFlag]


@dataclass
class ReportContent:
    new: list[RiskFlag] = field(default_factory=list)
    open_groups: list[SeverityGroup] = field(default_factory=list)
    resolved: list[RiskFlag] = field(default_factory=list)
    new_count: int = 0
    open_count: int = 0
    resolved_count: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.new_count or self.open_count or self.resolved_count)


def report_content(*, scope: Q, since: datetime, until: datetime) -> ReportContent:
    """Each risk once (six queries): new since ``since`` and unresolved; still open from before
    ``since`` (by severity); resolved since ``since`` (a risk that came and went in the window too)."""
    limit = settings.RISK_REPORT_MAX_ITEMS
    flags = selectors.flag_list().filter(scope)
    unresolved = flags.filter(status__in=UNRESOLVED)
    new = unresolved.filter(first_seen_at__gt=since, first_seen_at__lte=until)
    still_open = unresolved.filter(first_seen_at__lte=since)
    resolved = flags.filter(resolved_at__gt=since, resolved_at__lte=until)
    severity_rank = {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)}

    def ordered(queryset):
        rows = list(queryset.order_by("-first_seen_at", "id")[:limit])
        return sorted(rows, key=lambda flag: severity_rank.get(flag.severity, 9))

    open_rows = ordered(still_open)
    return ReportContent(
        new=ordered(new),
        open_groups=[
            # The label stays lazy: it is rendered in the recipient's language (report_render).
            SeverityGroup(severity, Severity(severity).label, [f for f in open_rows if f.severity == severity])
            for severity in SEVERITY_ORDER
            if any(f.severity == severity for f in open_rows)
        ],
        resolved=ordered(resolved),
        new_count=new.count(),
        open_count=still_open.count(),
        resolved_count=resolved.count(),
    )


def admin_url(path: str, **query) -> str:
    url = f"{settings.SITE_URL}{path}"
    return f"{url}?{urlencode(query)}" if query else url


@dataclass(frozen=True)
class RenderedReport:
    subject: str
    text: str
    html: str


def report_render(
    *, report: str, language: str, content: ReportContent, since: datetime, period: date
) -> RenderedReport:
    """The e-mail in the recipient's language: a subject, a plain-text and an HTML body."""
    with translation.override(language):
        flag_list_url = admin_url(reverse("admin:risks_riskflag_changelist"))
        items = {}
        for flag in [*content.new, *(f for g in content.open_groups for f in g.flags), *content.resolved]:
            items[flag.pk] = {
                "flag": flag,
                "message": flag.message,
                "url": admin_url(reverse("admin:risks_riskflag_change", args=[flag.pk])),
                "agreement_url": admin_url(reverse("admin:agreements_agreement_change", args=[flag.agreement_id]))
                if flag.agreement_id
                else "",
            }
        context = {
            "report": report,
            "is_portfolio": report == ReportKind.PORTFOLIO,
            "content": content,
            "new": [items[f.pk] for f in content.new],
            "open_groups": [
                {"severity": g.severity, "label": g.label, "items": [items[f.pk] for f in g.flags]}
                for g in content.open_groups
            ],
            "resolved": [items[f.pk] for f in content.resolved],
            "since": timezone.localtime(since),
            "period": period,
            "week": period.isocalendar().week,
            "flag_list_url": flag_list_url,
            "site_url": settings.SITE_URL,
        }
        subject = _(
            "Samverkan risk report, week %(week)d: %(new)d new, %(open)d still open, %(resolved)d resolved"
        ) % {
            "week": context["week"],
            "new": content.new_count,
            "open": content.open_count,
            "resolved": content.resolved_count,
        }
        context["subject"] = subject
        text = render_to_string("risks/email/risk_report.txt", context)
        html = render_to_string("risks/email/risk_report.html", context)
    return RenderedReport(subject=subject, text=text, html=html)


# Deliveries of other kinds (the weekly reminders, risks.reminders) share the claiming, sending and retrying
# here and render through their own module: report kind → render(delivery) -> (content, rendered). A content
# has the counts stored on the delivery and ``is_empty`` (an empty one is skipped, not sent).
RENDERERS: dict = {}


def delivery_render(delivery: ReportDelivery) -> tuple[ReportContent, RenderedReport]:
    renderer = RENDERERS.get(delivery.report)
    if renderer is not None:
        return renderer(delivery)
    content = report_content(
        scope=report_scope(delivery.report, delivery.recipient_key), since=delivery.since, until=delivery.until
    )
    rendered = report_render(
        report=delivery.report,
        language=delivery.language,
        content=content,
        since=delivery.since,
        period=delivery.period_start,
    )
    return content, rendered


def report_previews(*, now: datetime | None = None) -> list[tuple[Recipient, ReportContent, RenderedReport]]:
    """What this period's reports would say, without claiming or sending anything (the dry run)."""
    now = now or timezone.now()
    period = period_start(now)
    recipients = report_recipients(today=timezone.localdate(now))
    since_of = changes_since(recipients, now)
    previews = []
    for recipient in recipients:
        since = since_of[(recipient.report, recipient.key)]
        content = report_content(scope=report_scope(recipient.report, recipient.key), since=since, until=now)
        rendered = report_render(
            report=recipient.report, language=recipient.language, content=content, since=since, period=period
        )
        previews.append((recipient, content, rendered))
    return previews


# --- sending ----------------------------------------------------------------------------------------


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery exactly once: under a row lock, marked sent in the same transaction. A failure
    is recorded on the row (attempts, error) and raised again so the caller can retry."""
    error: Exception | None = None
    with transaction.atomic():
        delivery = ReportDelivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id).first()
        if delivery is None:
            return f"delivery {delivery_id}: gone or being sent by another worker"
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED):
            return f"delivery {delivery_id}: already {delivery.status}"
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        try:
            # A savepoint: a database error in this report must not stop recording the failure.
            with transaction.atomic():
                content, rendered = delivery_render(delivery)
                delivery.subject = rendered.subject[:255]
                delivery.new_count, delivery.open_count = content.new_count, content.open_count
                delivery.resolved_count = content.resolved_count
                if delivery.report != ReportKind.PORTFOLIO and content.is_empty:
                    delivery.status = DeliveryStatus.SKIPPED
                    delivery.last_error = ""
                else:
                    message = EmailMultiAlternatives(
                        subject=rendered.subject,
                        body=rendered.text,
                        to=[delivery.email],
                        headers={"Auto-Submitted": "auto-generated"},
                    )
                    message.attach_alternative(rendered.html, "text/html")
                    message.send(fail_silently=False)
                    delivery.status = DeliveryStatus.SENT
                    delivery.sent_at = timezone.now()
                    delivery.last_error = ""
        except Exception as exc:  # SMTP down, a bad address, a database error in this one report
            error = exc
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            logger.warning("risk report delivery %s failed (attempt %s)", delivery_id, delivery.attempts, exc_info=True)
        delivery.save()
    if error is not None:
        raise error
    return f"delivery {delivery_id}: {delivery.status}"


def deliveries_send_now(*, now: datetime | None = None) -> list[tuple[ReportDelivery, str]]:
    """Claim this period's deliveries and send every unsent one in this process (the command).
    A failing recipient never stops the others."""
    reports_claim(now=now)
    outcomes = []
    for delivery in list(unsent_deliveries()):
        try:
            delivery_send(delivery_id=delivery.pk)
        except Exception as exc:
            outcomes.append((delivery, f"failed: {type(exc).__name__}: {exc}"))
        else:
            delivery.refresh_from_db()
            outcomes.append((delivery, delivery.status))
    return outcomes
