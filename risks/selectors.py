"""Shaped reads of the risk pages: flags, scans and deliveries with the relations their pages and serializers
show, the ordering by severity, and the risk dashboard of the admin start page."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Party
from risks import engine
from risks.choices import SEVERITY_ORDER, UNRESOLVED, ScanStatus, Severity
from risks.facts import SCANNED_STATUSES
from risks.models import ReportDelivery, RiskFlag, RiskScan
from risks.models import severity_rank as models_severity_rank
from samverkan_project import rowcounts
from stakeholders.models import Person

# --- flags -----------------------------------------------------------------------------------------


def flag_list() -> QuerySet[RiskFlag]:
    """Flags with every subject their message names, and ``seen_at``: when a scan last saw the risk
    (for an unresolved flag, the latest successful scan; see scans.flags_reconcile). One query."""
    from risks.scans import latest_scan_start

    return RiskFlag.objects.select_related(
        "agreement", "party__organization", "person", "responsibility", "acknowledged_by"
    ).annotate(
        seen_at=Case(
            When(
                status__in=UNRESOLVED,
                then=Greatest(F("last_seen_at"), Coalesce(latest_scan_start(), F("last_seen_at"))),
            ),
            default=F("last_seen_at"),
        )
    )


def severity_rank() -> Case:
    """Severity as a number that grows with it (see risks.models.severity_rank, which an index holds)."""
    return models_severity_rank()


def unresolved_flags() -> QuerySet[RiskFlag]:
    return RiskFlag.objects.filter(status__in=UNRESOLVED)


def flags_about_organization(queryset: QuerySet[RiskFlag], organization_id: int) -> QuerySet[RiskFlag]:
    """Flags in agreements the organisation is party to, about its party rows, or about its people."""
    party_of_agreement = Party.objects.filter(agreement_id=OuterRef("agreement_id"), organization_id=organization_id)
    return queryset.filter(
        Exists(party_of_agreement)
        | Q(party__organization_id=organization_id)
        | Q(person__organization_id=organization_id)
    )


def flags_about_person(queryset: QuerySet[RiskFlag], person_id: int) -> QuerySet[RiskFlag]:
    """Flags naming the person: as subject, as the (first) critical person, or as a role's responsible or deputy."""
    return queryset.filter(
        Q(person_id=person_id) | Q(responsibility__responsible_id=person_id) | Q(responsibility__deputy_id=person_id)
    )


def open_risk_count() -> Coalesce:
    """A correlated count of an agreement's unresolved flags, to annotate agreement querysets with."""
    counted = (
        RiskFlag.objects.filter(agreement=OuterRef("pk"), status__in=UNRESOLVED)
        .order_by()
        .values("agreement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def scan_list() -> QuerySet[RiskScan]:
    return RiskScan.objects.select_related("requested_by")


def delivery_list() -> QuerySet[ReportDelivery]:
    return ReportDelivery.objects.select_related("person", "user")


# --- the dashboard ---------------------------------------------------------------------------------


def busiest_people(limit: int, scan: RiskScan | None = None) -> list[Person]:
    """The people responsible for the most roles in active agreements as the latest successful scan counted
    them, with ``responsible_count``, ``deputy_count`` and ``agreement_count``: one query for the people,
    whatever the size of the portfolio (the scan counts them from the roles it reads anyway)."""
    if scan is None:
        scan = scan_list().filter(status=ScanStatus.SUCCEEDED).first()
    top = (scan.busiest if scan is not None else [])[:limit]
    if not top:
        return []
    people = Person.objects.select_related("organization").in_bulk([row["person"] for row in top])
    rows = []
    for row in top:
        person = people.get(row["person"])
        if person is None:  # deleted since the scan
            continue
        person.responsible_count = row["responsible"]
        person.agreement_count = row["agreements"]
        person.deputy_count = row["deputy"]
        rows.append(person)
    rows.sort(key=lambda p: (-p.responsible_count, -p.deputy_count, p.last_name, p.pk))
    return rows


def dashboard(today=None, top_people: int = 10, list_size: int = 10) -> dict:
    """The admin start page's figures, with a fixed number of queries (eight: the busiest people take three)."""
    today = today or timezone.localdate()
    by_severity_rule = Counter()
    # The recorded counts by status, severity and rule where the database keeps them, else a grouped count.
    recorded = rowcounts.recorded_groups(RiskFlag._meta.db_table)
    if recorded is not None:
        for (status, severity, rule), n in recorded.items():
            if status in UNRESOLVED:
                by_severity_rule[(severity, rule)] += n
    else:
        for severity, rule, n in (
            unresolved_flags()
            .order_by()
            .values("severity", "rule")
            .annotate(n=Count("id"))
            .values_list("severity", "rule", "n")
        ):
            by_severity_rule[(severity, rule)] = n
    severities = [
        {
            "severity": severity,
            "severity_label": severity.label,
            "count": sum(n for (sev, _r), n in by_severity_rule.items() if sev == severity),
        }
        for severity in SEVERITY_ORDER
    ]
    rules = sorted(
        (
            {
                "rule": rule,
                "label": engine.rule_label(rule),
                "severity": severity,
                "severity_label": Severity(severity).label,
                "count": n,
            }
            for (severity, rule), n in by_severity_rule.items()
        ),
        key=lambda row: (SEVERITY_ORDER.index(row["severity"]), -row["count"], row["label"]),
    )
    until = today + timedelta(days=settings.AGREEMENT_EXPIRING_WITHIN_DAYS)
    expiring = list(
        Agreement.objects.filter(status=AgreementStatus.ACTIVE, valid_to__lte=until)
        .select_related("coordinator")
        .order_by("valid_to", "id")[:list_size]
    )
    overdue = list(
        Agreement.objects.filter(status__in=SCANNED_STATUSES, next_review_on__lt=today)
        .select_related("coordinator")
        .order_by("next_review_on", "id")[:list_size]
    )
    last_scan = scan_list().first()
    if last_scan is None:
        people = []
    elif last_scan.status == ScanStatus.SUCCEEDED:
        people = busiest_people(top_people, scan=last_scan)
    else:  # running or failed: the one before that succeeded
        people = busiest_people(top_people)
    return {
        "severities": severities,
        "open_total": sum(row["count"] for row in severities),
        "rules": rules,
        "expiring": expiring,
        "overdue": overdue,
        "people": people,
        "last_scan": last_scan,
        "today": today,
    }
