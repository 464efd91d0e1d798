"""The risk scan: requesting one, running it (whole or in chunks over the workers), reconciling findings
with flags.

A scan reads the facts once (risks.facts), runs the registered pure rules
(risks.engine) and reconciles: new findings open flags, persisting ones are touched, vanished
ones are resolved, with bulk statements. Reconciles take turns under a lock, and the conditional
unique constraint on RiskFlag stands behind it: two scans at once cannot open a finding twice.
"""

from __future__ import annotations

import gc
import json
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import NOT_PROVIDED, Case, DateTimeField, F, JSONField, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from risks import engine, facts
from risks.choices import UNRESOLVED, FlagStatus, ScanStatus, ScanTrigger
from risks.models import RiskFlag, RiskScan

logger = logging.getLogger(__name__)

# The id no flag has: keeps "resolve these ids" one statement even when the list is empty, so a scan
# issues the same queries whatever it finds.
NO_ID = 0


@dataclass(frozen=True)
class ReconcileCounts:
    findings: int
    new: int
    persisting: int
    resolved: int


class ScanUnavailable(Exception):
    """The scan could not be queued (the broker is down); the scan row records why."""

    def __init__(self, scan: RiskScan):
        super().__init__(scan.error)
        self.scan = scan


# --- reconcile -------------------------------------------------------------------------------------


def _decoded(details) -> dict:
    """A JSON column as read straight from the cursor (text on some drivers)."""
    if details == "{}":  # most findings have no details: no parsing
        return {}
    return json.loads(details) if isinstance(details, str | bytes) else details


def latest_scan_start():
    """The start of the latest successful scan, as an SQL expression (NULL before the first one)."""
    return Subquery(
        RiskScan.objects.filter(status=ScanStatus.SUCCEEDED).order_by("-started_at").values("started_at")[:1],
        output_field=DateTimeField(),
    )


# The key of the transaction-level advisory lock under which flags are reconciled on PostgreSQL.
RECONCILE_LOCK = 7_321_504_118


@transaction.atomic
def flags_reconcile(*, findings: list[engine.Finding], scope: Q, now=None) -> ReconcileCounts:
    """Make the unresolved flags within ``scope`` match ``findings`` with three statements, whatever
    the sizes, after taking the reconcile lock: read the unresolved flags, insert the new, update the
    changed and resolve the vanished (on PostgreSQL in one statement).

    Reconciles run one at a time (an advisory lock on PostgreSQL; SQLite takes its write lock at BEGIN), and
    each reads the flags only once it holds the lock: a second scan at the same moment finds the first one's
    flags and opens none of them again. The conditional unique constraint stands behind this.

    A persisting flag whose details did not change is not written at all: an unresolved flag is by
    construction seen by every successful scan since it opened, so its ``last_seen_at`` is derived
    when read (``selectors.flag_list``), and stored when it opens, changes or resolves. Rewriting
    every open flag each night would cost more than reading the whole portfolio.
    """
    now = now or timezone.now()
    found: dict[tuple[str, str], engine.Finding] = {}
    for finding in findings:
        found.setdefault((finding.rule, finding.subject_key), finding)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECONCILE_LOCK])
    existing = {
        (rule, key): (flag_id, details)
        for flag_id, rule, key, details in facts.rows(
            RiskFlag.objects.filter(scope, status__in=UNRESOLVED)
            .order_by()
            .values_list("id", "rule", "subject_key", "details")
        )
    }
    new = [(key, finding) for key, finding in found.items() if key not in existing]
    vanished = [flag_id for key, (flag_id, _details) in existing.items() if key not in found]
    decoded: dict = {}  # JSON text → value: most findings share a handful of details
    changed = {}
    for key, (flag_id, details) in existing.items():
        finding = found.get(key)
        if finding is None:
            continue
        if isinstance(details, str | bytes):
            stored = decoded.get(details)
            if stored is None:
                stored = decoded[details] = _decoded(details)
        else:
            stored = details
        if stored != finding.details:
            changed[flag_id] = dict(finding.details)
    _flags_insert(new, now)
    _flags_update(changed, vanished, now)
    persisting = len(existing) - len(vanished)
    return ReconcileCounts(findings=len(found), new=len(new), persisting=persisting, resolved=len(vanished))


# The columns of a new flag that come from its finding, in the order ``_finding_rows`` gives them.
FINDING_COLUMNS = (
    "rule",
    "severity",
    "subject_type",
    "subject_key",
    "agreement_id",
    "party_id",
    "person_id",
    "responsibility_id",
    "details",
)


def _finding_rows(new: list[tuple[tuple[str, str], engine.Finding]], constants: tuple) -> list[tuple]:
    """The new flags as rows: ``FINDING_COLUMNS`` (details as JSON text), then ``constants``."""
    severity = {rule.code: str(rule.severity) for rule in engine.rules()}
    dumps = json.dumps
    return [
        (
            rule,
            severity[rule],
            str(finding.subject_type),  # a plain str, not the enum member
            key,
            finding.agreement_id,
            finding.party_id,
            finding.person_id,
            finding.responsibility_id,
            dumps(dict(finding.details)) if finding.details else "{}",
            *constants,
        )
        for (rule, key), finding in new
    ]


def _flags_insert(new: list[tuple[tuple[str, str], engine.Finding]], now) -> None:
    """Open a flag per new finding, in one statement.

    On PostgreSQL the rows are streamed with ``COPY`` (no model instances, no parameter arrays to parse): on
    a first scan, with thousands of new flags, this is most of the scan. Elsewhere, ``bulk_create``."""
    if not new:
        return
    if connection.vendor != "postgresql":
        severity = {rule.code: rule.severity for rule in engine.rules()}
        RiskFlag.objects.bulk_create(
            [
                RiskFlag(
                    rule=rule,
                    severity=severity[rule],
                    subject_type=finding.subject_type,
                    subject_key=key,
                    agreement_id=finding.agreement_id,
                    party_id=finding.party_id,
                    person_id=finding.person_id,
                    responsibility_id=finding.responsibility_id,
                    details=dict(finding.details),
                    first_seen_at=now,
                    last_seen_at=now,
                )
                for (rule, key), finding in new
            ],
            ignore_conflicts=True,
        )
        return
    given = {"status": str(FlagStatus.OPEN), "first_seen_at": now, "last_seen_at": now}
    fields = {field.attname: field for field in RiskFlag._meta.concrete_fields}
    # Every other column takes its model default (none, empty note...), as bulk_create would give it.
    constant = [
        field
        for name, field in fields.items()
        if name not in FINDING_COLUMNS and not field.primary_key and field.db_default is NOT_PROVIDED
    ]
    values = tuple(
        given[field.attname] if field.attname in given else field.get_db_prep_save(field.get_default(), connection)
        for field in constant
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[name].column) for name in FINDING_COLUMNS) + "".join(
        f", {quote(field.column)}" for field in constant
    )
    statement = f"COPY {quote(RiskFlag._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        write = copy.write_row
        for row in _finding_rows(new, values):
            write(row)


def _flags_update(changed: dict[int, dict], vanished: list[int], now) -> None:
    """Store the new details of the flags whose finding changed, and resolve those whose finding vanished
    (on PostgreSQL one statement, even for none). A vanished flag was last seen by the latest successful
    scan before this one."""
    if connection.vendor != "postgresql":
        RiskFlag.objects.filter(id__in=[NO_ID, *changed]).update(
            details=Case(
                *(
                    When(id=flag_id, then=Value(details, output_field=JSONField()))
                    for flag_id, details in changed.items()
                ),
                default=F("details"),
            ),
            last_seen_at=now,
        )
        RiskFlag.objects.filter(id__in=[NO_ID, *vanished], status__in=UNRESOLVED).update(
            status=FlagStatus.RESOLVED,
            resolved_at=now,
            last_seen_at=Greatest(F("last_seen_at"), Coalesce(latest_scan_start(), F("last_seen_at"))),
        )
        return
    table = connection.ops.quote_name(RiskFlag._meta.db_table)
    latest_sql, latest_params = (
        RiskScan.objects.filter(status=ScanStatus.SUCCEEDED)
        .order_by("-started_at")
        .values("started_at")[:1]
        .query.sql_with_params()
    )
    # A row with no details is a vanished flag.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS flag SET "
            "status = CASE WHEN c.details IS NULL THEN %s ELSE flag.status END, "
            "resolved_at = CASE WHEN c.details IS NULL THEN %s ELSE flag.resolved_at END, "
            "details = COALESCE(c.details, flag.details), "
            "last_seen_at = CASE WHEN c.details IS NULL "
            f"THEN GREATEST(flag.last_seen_at, COALESCE(({latest_sql}), flag.last_seen_at)) ELSE %s END "
            f"FROM unnest(%s::{RiskFlag._meta.pk.rel_db_type(connection)}[], %s::jsonb[]) AS c(id, details) "
            "WHERE flag.id = c.id AND flag.status IN (%s, %s)",
            [
                str(FlagStatus.RESOLVED),
                now,
                *latest_params,
                now,
                [*changed, *vanished],
                [json.dumps(details) for details in changed.values()] + [None] * len(vanished),
                *(str(status) for status in UNRESOLVED),
            ],
        )


@contextmanager
def _without_cyclic_gc():
    """Pause the cyclic garbage collector: a scan builds a few hundred thousand small acyclic objects
    (rows, facts, findings), which the collector would otherwise walk again and again, for about a
    third of the scan's Python time. Reference counting still frees them. Used as a decorator, so the
    function's objects are freed when it returns, before the collector resumes and would walk them once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_without_cyclic_gc()
def _scan_all(today) -> tuple[int, ReconcileCounts, list[dict]]:
    """Every rule over the whole portfolio, every flag reconciled: (agreements scanned, counts, the busiest
    people)."""
    ctx = facts.scan_context(today)
    agreements = facts.agreement_facts(ctx)
    portfolio = engine.portfolio_facts(agreements)
    findings = engine.check_agreements(agreements, ctx) + engine.check_portfolio(portfolio, ctx)
    return len(agreements), flags_reconcile(findings=findings, scope=Q()), engine.busiest_people(portfolio)


@_without_cyclic_gc()
def _scan_range(id_range: tuple[int, int]) -> tuple[int, ReconcileCounts]:
    """The agreement rules over the agreements in ``id_range``, their flags reconciled."""
    ctx = facts.scan_context()
    agreements = facts.agreement_facts(ctx, id_range)
    findings = engine.check_agreements(agreements, ctx)
    low, high = id_range
    return len(agreements), flags_reconcile(findings=findings, scope=Q(agreement_id__gte=low, agreement_id__lte=high))


@_without_cyclic_gc()
def _scan_portfolio_rules() -> tuple[ReconcileCounts, list[dict]]:
    """The portfolio rules, once, their flags (about no agreement) reconciled; and the busiest people."""
    ctx = facts.scan_context()
    portfolio = facts.portfolio_facts(ctx)
    findings = engine.check_portfolio(portfolio, ctx)
    return flags_reconcile(findings=findings, scope=Q(agreement__isnull=True)), engine.busiest_people(portfolio)


# --- scans -----------------------------------------------------------------------------------------


def scan_create(*, trigger: str, requested_by=None, status: str = ScanStatus.QUEUED) -> RiskScan:
    """A scan row, queued for a worker (or running, for a synchronous scan)."""
    values = {"trigger": trigger, "requested_by": requested_by, "status": status}
    if status == ScanStatus.RUNNING:
        values["started_at"] = timezone.now()
    return RiskScan.objects.create(**values)


def scans_expire_stale(*, now=None) -> int:
    """Mark scans that have been queued or running for too long as failed: their worker was lost."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RISK_SCAN_STALE_AFTER_SECONDS)
    return RiskScan.objects.filter(status__in=(ScanStatus.QUEUED, ScanStatus.RUNNING), created_at__lt=cutoff).update(
        status=ScanStatus.FAILED, finished_at=now, error=_("Lost: the scan did not finish in time (stopped worker?).")
    )


def scan_claim_scheduled(*, now=None) -> RiskScan | None:
    """Claim tonight's scheduled scan: one per day, however often the schedule fires. A day whose
    scan failed (or was lost with its worker) can be claimed again; a running or finished one not."""
    now = now or timezone.now()
    scans_expire_stale(now=now)
    slot = f"schedule:{timezone.localdate(now).isoformat()}"
    try:
        with transaction.atomic():
            return RiskScan.objects.create(trigger=ScanTrigger.SCHEDULE, slot=slot)
    except IntegrityError:
        retaken = RiskScan.objects.filter(slot=slot, status=ScanStatus.FAILED).update(
            status=ScanStatus.QUEUED, created_at=now, started_at=None, finished_at=None, error=""
        )
        return RiskScan.objects.get(slot=slot) if retaken else None


def scan_request(*, trigger: str, requested_by=None) -> RiskScan:
    """Queue a scan for a worker (admin, API). Raises ScanUnavailable when the broker is down; the
    scan row then says so, so nothing is silently dropped."""
    from risks.tasks import risk_scan_run

    scan = scan_create(trigger=trigger, requested_by=requested_by)
    task_id = str(uuid.uuid4())
    RiskScan.objects.filter(pk=scan.pk).update(task_id=task_id)
    scan.task_id = task_id
    try:
        # Called outside a transaction (the API and admin views), so a worker finds the row at once.
        # No result is kept: a scan is followed through its row, and a result backend on a dead Redis must not
        # turn the request into a 500.
        risk_scan_run.apply_async(args=[scan.pk], task_id=task_id, retry=False, ignore_result=True)
    except (KombuOperationalError, OSError) as exc:  # the broker is unreachable
        logger.warning("risk scan %s could not be queued", scan.pk, exc_info=True)
        scan.status = ScanStatus.FAILED
        scan.finished_at = timezone.now()
        scan.error = _("The scan could not be queued: the task broker is unavailable (%(error)s).") % {
            "error": type(exc).__name__
        }
        scan.save(update_fields=["status", "finished_at", "error"])
        raise ScanUnavailable(scan) from exc
    scan.refresh_from_db()
    return scan


def _start(scan_id: int) -> bool:
    """Queued → running; False if another delivery of the task already took it."""
    return bool(
        RiskScan.objects.filter(pk=scan_id, status=ScanStatus.QUEUED).update(
            status=ScanStatus.RUNNING, started_at=timezone.now()
        )
    )


def _fail(scan_id: int, exc: BaseException) -> None:
    RiskScan.objects.filter(pk=scan_id).update(
        status=ScanStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
    )


def scan_portfolio(*, scan: RiskScan, today=None) -> RiskScan:
    """Scan the whole portfolio in this process: read the facts once, run every rule, reconcile every
    flag: one query for the context, five for the facts plus one per registered loader, and in one
    transaction the reconcile lock, the unresolved flags, the new ones and one update, whatever the size."""
    try:
        scanned, counts, busiest = _scan_all(today)
    except Exception as exc:
        _fail(scan.pk, exc)
        raise
    scan.status = ScanStatus.SUCCEEDED
    scan.finished_at = timezone.now()
    scan.agreements_scanned = scanned
    scan.findings = counts.findings
    scan.new_count, scan.persisting_count, scan.resolved_count = counts.new, counts.persisting, counts.resolved
    scan.busiest = busiest
    scan.save(
        update_fields=[
            "busiest",
            "status",
            "finished_at",
            "agreements_scanned",
            "findings",
            "new_count",
            "persisting_count",
            "resolved_count",
        ]
    )
    return scan


def scan_now(*, trigger: str = ScanTrigger.COMMAND, requested_by=None, today=None) -> RiskScan:
    """A synchronous scan of the whole portfolio, recorded like any other (the command's scan)."""
    scan = scan_create(trigger=trigger, requested_by=requested_by, status=ScanStatus.RUNNING)
    return scan_portfolio(scan=scan, today=today)


def scan_run(*, scan_id: int, chunk_size: int | None = None) -> str:
    """Run a queued scan: in this process when the portfolio fits one chunk, else as a group of chunk
    tasks over the workers (the last one to finish runs the portfolio rules and closes the scan)."""
    from celery import group

    from risks.tasks import risk_scan_chunk

    if not _start(scan_id):
        return f"scan {scan_id}: already taken or gone"
    scan = RiskScan.objects.get(pk=scan_id)
    chunk_size = chunk_size or settings.RISK_SCAN_CHUNK_SIZE
    ranges = facts.scan_chunks(chunk_size)
    if len(ranges) == 1:
        scan = scan_portfolio(scan=scan)
        return (
            f"scan {scan_id}: {scan.new_count} new, {scan.persisting_count} still open, {scan.resolved_count} resolved"
        )
    RiskScan.objects.filter(pk=scan_id).update(chunks_total=len(ranges))
    group(risk_scan_chunk.si(scan_id, index, low, high) for index, (low, high) in enumerate(ranges)).apply_async()
    return f"scan {scan_id}: {len(ranges)} chunks queued"


def scan_chunk(*, scan_id: int, index: int, id_range: tuple[int, int], worker: str = "") -> str:
    """Scan one chunk of agreements and reconcile the flags of the agreements in its id range.
    Safe to run twice: a chunk is counted once. The last chunk closes the scan."""
    scan = RiskScan.objects.filter(pk=scan_id).first()
    if scan is None or scan.status != ScanStatus.RUNNING:
        return f"scan {scan_id}: not running, chunk {index} skipped"
    try:
        scanned, counts = _scan_range(id_range)
    except Exception as exc:
        _fail(scan_id, exc)
        raise
    with transaction.atomic():
        scan = RiskScan.objects.select_for_update().get(pk=scan_id)
        done = {entry["index"] for entry in scan.workers}
        if index not in done and scan.status == ScanStatus.RUNNING:
            scan.workers = [*scan.workers, {"index": index, "worker": worker, "agreements": scanned}]
            scan.chunks_done = len(done) + 1
            scan.agreements_scanned += scanned
            scan.findings += counts.findings
            scan.new_count += counts.new
            scan.persisting_count += counts.persisting
            scan.resolved_count += counts.resolved
            scan.save()
        last = scan.status == ScanStatus.RUNNING and scan.chunks_done == scan.chunks_total
    if last:
        scan_finish(scan_id=scan_id)
    return f"scan {scan_id}: chunk {index} ({scanned} agreements) done"


def scan_finish(*, scan_id: int) -> None:
    """After the chunks: the portfolio rules, once, over the whole portfolio; then close the scan."""
    try:
        counts, busiest = _scan_portfolio_rules()
    except Exception as exc:
        _fail(scan_id, exc)
        raise
    RiskScan.objects.filter(pk=scan_id, status=ScanStatus.RUNNING).update(
        status=ScanStatus.SUCCEEDED,
        finished_at=timezone.now(),
        findings=F("findings") + counts.findings,
        new_count=F("new_count") + counts.new,
        persisting_count=F("persisting_count") + counts.persisting,
        resolved_count=F("resolved_count") + counts.resolved,
        busiest=busiest,
    )
