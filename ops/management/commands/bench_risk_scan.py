"""Benchmark the full risk scan on a generated portfolio (``make bench``).

For each size (by default 500, then grown to 5,000 agreements) the command measures the first scan
(every flag new) and the steady-state scan (nothing new, every flag touched): the number of SQL
queries, the best wall time of ``--repeat`` runs, the best wall time of merely reading the same rows
with one plain query per table into tuples (the baseline, with the garbage collector paused as the scan
pauses it), and the peak Python memory of the scan (tracemalloc, in a run of its own).

A first scan also stores every flag it finds, and PostgreSQL's own work for that (the indexes and the
foreign-key checks of each row) outweighs the read. So its baseline also has the wall time of merely
writing the same flag rows: one plain ``COPY`` of the stored rows into the emptied table, committed.
The ratio is the scan's time over its baseline (read, plus write for a first scan); the ratio over the
read alone is printed beside it.

It fails (exit code 1) unless the targets hold: at most ``MAX_QUERIES`` queries and the same number at
every size, and at the largest size (the issue's 5,000 agreements) a ratio of at most ``MAX_RATIO``.

It deletes the portfolio tables, so it refuses to run unless the database name contains "bench"
(or ``--force`` is given).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.choices import (
    PITFALL_QUESTIONS,
    SETTLED_COMMITMENT_STATUSES,
    SETTLED_FOLLOW_UP_STATUSES,
    AgreementStatus,
)
from agreements.models import (
    Agreement,
    Anchoring,
    Commitment,
    FollowUp,
    Interaction,
    Party,
    PartyConditions,
    Representative,
    Responsibility,
    StartingConditions,
)
from assessments.choices import ItemKind, RoundStatus
from assessments.models import Answer, AssessmentRound, Band, Instrument, Item, PairwiseAnswer, Respondent
from ops import bench, chunk_bench
from risks.choices import UNRESOLVED
from risks.facts import SCANNED_STATUSES
from risks.models import RiskFlag
from risks.scans import scan_now
from stakeholders.models import Employment, Organization, Person

# 15 before the dialogue rules, whose loaders read the notice periods, last contacts, overdue items and moved people.
MAX_QUERIES = 21
MAX_RATIO = 3.0
MIB = 1024 * 1024


@dataclass
class Measure:
    size: int
    scan: str  # "first" or "steady"
    queries: int
    scan_seconds: float
    read_seconds: float
    write_seconds: float  # storing the new flags with one plain COPY (0 when the scan stores none)
    peak_mib: float
    new: int
    persisting: int
    resolved: int
    findings: int

    @property
    def ratio(self) -> float:
        baseline = self.read_seconds + self.write_seconds
        return self.scan_seconds / baseline if baseline else float("inf")

    @property
    def read_ratio(self) -> float:
        return self.scan_seconds / self.read_seconds if self.read_seconds else float("inf")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def baseline_reads(today) -> list[tuple[str, str, list]]:
    """(name, SQL, params) of the plain reads of what a full scan reads: the same columns and the same
    filter, one query per table, no ORM, no ordering (see risks.facts.scan_context, agreement_facts, every
    loader of risks.rules and risks.scans.flags_reconcile). The scan aggregates the answers and the pairwise
    answers in the database; the baseline reads them as they are stored."""
    agreement, person = _table(Agreement), _table(Person)
    scanned = [str(status) for status in SCANNED_STATUSES]
    open_agreement = f"INNER JOIN {agreement} a ON a.id = t.agreement_id WHERE a.status IN (%s, %s)"
    closed_round = f"INNER JOIN {agreement} a ON a.id = r.agreement_id WHERE a.status = %s AND r.status = %s"
    assessed = [str(AgreementStatus.ACTIVE), str(RoundStatus.CLOSED)]
    return [
        ("departed people", f"SELECT id FROM {person} WHERE left_on <= %s", [today]),
        ("organisation parents", f"SELECT id, parent_id FROM {_table(Organization)} WHERE parent_id IS NOT NULL", []),
        (
            "agreements",
            "SELECT id, status, valid_from, valid_to, next_review_on, assessment_interval_months, coordinator_id "
            f"FROM {agreement} WHERE status IN (%s, %s)",
            scanned,
        ),
        (
            "representatives",
            f"SELECT t.party_id, t.person_id, t.mandate FROM {_table(Representative)} t {open_agreement}",
            scanned,
        ),
        (
            "anchorings",
            f"SELECT t.party_id, t.kind, t.person_id, p.organization_id FROM {_table(Anchoring)} t "
            f"LEFT OUTER JOIN {person} p ON p.id = t.person_id {open_agreement}",
            scanned,
        ),
        ("parties", f"SELECT t.id, t.agreement_id, t.organization_id FROM {_table(Party)} t {open_agreement}", scanned),
        (
            "responsibilities",
            f"SELECT t.id, t.agreement_id, t.responsible_id, t.deputy_id FROM {_table(Responsibility)} t "
            f"{open_agreement}",
            scanned,
        ),
        (
            "instruments, items, bands",
            f"SELECT 'n', id, scale_min, scale_max, name_sv, name_en, code FROM {_table(Instrument)} "
            f"UNION ALL SELECT 'i', id, position, instrument_id, label_sv, label_en, text_sv FROM {_table(Item)} "
            f"WHERE kind = %s UNION ALL SELECT 'b', instrument_id, min_total, max_total, label_sv, label_en, '' "
            f"FROM {_table(Band)}",
            [str(ItemKind.SCALE)],
        ),
        (
            "closed rounds",
            f"SELECT r.id, r.agreement_id, r.instrument_id, r.opens_on, r.closes_on FROM {_table(AssessmentRound)} r "
            f"{closed_round}",
            assessed,
        ),
        (
            "respondents",
            f"SELECT s.id, s.round_id FROM {_table(Respondent)} s INNER JOIN {_table(AssessmentRound)} r "
            f"ON r.id = s.round_id {closed_round} AND s.responded_at IS NOT NULL",
            assessed,
        ),
        (
            "answers",
            f"SELECT t.respondent_id, t.item_id, t.value FROM {_table(Answer)} t "
            f"INNER JOIN {_table(Respondent)} s ON s.id = t.respondent_id "
            f"INNER JOIN {_table(AssessmentRound)} r ON r.id = s.round_id {closed_round} "
            "AND s.responded_at IS NOT NULL AND t.value IS NOT NULL",
            assessed,
        ),
        (
            "pairwise answers",
            f"SELECT t.respondent_id, t.from_party_id, t.to_party_id, t.value FROM {_table(PairwiseAnswer)} t "
            f"INNER JOIN {_table(Respondent)} s ON s.id = t.respondent_id "
            f"INNER JOIN {_table(AssessmentRound)} r ON r.id = s.round_id {closed_round} "
            "AND s.responded_at IS NOT NULL AND t.from_party_id IS NOT NULL",
            assessed,
        ),
        (
            "notice periods and renewals",
            f"SELECT id, notice_period_months, renewed_from_id FROM {agreement} "
            "WHERE status = %s OR renewed_from_id IS NOT NULL",
            [str(AgreementStatus.ACTIVE)],
        ),
        (
            "contacts",
            f"SELECT t.agreement_id, t.date FROM {_table(Interaction)} t INNER JOIN {agreement} a "
            "ON a.id = t.agreement_id WHERE a.status = %s AND t.date <= %s",
            [str(AgreementStatus.ACTIVE), today],
        ),
        (
            "overdue commitments",
            f"SELECT t.id, t.description, t.due_on, t.responsible_id, t.agreement_id FROM {_table(Commitment)} t "
            f"INNER JOIN {agreement} a ON a.id = t.agreement_id WHERE a.status = %s AND t.due_on < %s "
            f"AND t.status NOT IN ({', '.join(['%s'] * len(SETTLED_COMMITMENT_STATUSES))})",
            [str(AgreementStatus.ACTIVE), today, *map(str, SETTLED_COMMITMENT_STATUSES)],
        ),
        (
            "overdue follow-ups",
            f"SELECT t.id, t.description, t.due_on, t.responsible_id, t.agreement_id FROM {_table(FollowUp)} t "
            f"INNER JOIN {agreement} a ON a.id = t.agreement_id WHERE a.status = %s AND t.due_on < %s "
            f"AND t.status NOT IN ({', '.join(['%s'] * len(SETTLED_FOLLOW_UP_STATUSES))})",
            [str(AgreementStatus.ACTIVE), today, *map(str, SETTLED_FOLLOW_UP_STATUSES)],
        ),
        ("ended employments", f"SELECT person_id FROM {_table(Employment)} WHERE ended_on IS NOT NULL", []),
        (
            "party sectors",
            f"SELECT t.agreement_id, t.id, o.sector FROM {_table(Party)} t "
            f"INNER JOIN {_table(Organization)} o ON o.id = t.organization_id",
            [],
        ),
        ("party conditions", f"SELECT party_id, incentives, constraints FROM {_table(PartyConditions)}", []),
        (
            "starting conditions",
            f"SELECT agreement_id, {', '.join(f'pitfall_{code}' for code in PITFALL_QUESTIONS)} "
            f"FROM {_table(StartingConditions)}",
            [],
        ),
        (
            "unresolved flags",
            f"SELECT id, rule, subject_key, details FROM {_table(RiskFlag)} WHERE status IN (%s, %s)",
            [str(status) for status in UNRESOLVED],
        ),
    ]


def read_rows(reads) -> dict[str, int]:
    """Run the plain reads, fetching every row as tuples; rows per read. The cyclic garbage collector is
    paused meanwhile, as it is during a scan (services._without_cyclic_gc), so both run alike."""
    counts = {}
    enabled = gc.isenabled()
    gc.disable()
    try:
        with connection.cursor() as cursor:
            for name, sql, params in reads:
                cursor.execute(sql, params)
                counts[name] = len(cursor.fetchall())
    finally:
        if enabled:
            gc.enable()
    return counts


def stored_flags() -> tuple[str, list[tuple]]:
    """The columns (all but the id) and rows of the stored flags, details as JSON text: what a plain
    write of the same flags sends."""
    fields = [field for field in RiskFlag._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    selected = ", ".join(
        f"CAST({quote(field.column)} AS TEXT)" if field.get_internal_type() == "JSONField" else quote(field.column)
        for field in fields
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {_table(RiskFlag)}")
        return columns, cursor.fetchall()


def write_rows(columns: str, rows: list[tuple]) -> None:
    """Store ``rows`` in the flag table with one plain COPY (PostgreSQL; one INSERT elsewhere), committed:
    the database's own cost of writing them, indexes and foreign-key checks included."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {_table(RiskFlag)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        elif rows:
            marks = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO {_table(RiskFlag)} ({columns}) VALUES ({marks})", rows)


def best_time(run: Callable[[], object], repeat: int, prepare: Callable[[], object] | None = None) -> float:
    """The best wall time of ``repeat`` runs, each after ``prepare`` (untimed)."""
    best = float("inf")
    for _ in range(repeat):
        if prepare:
            prepare()
        gc.collect()
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


class Command(BaseCommand):
    help = (
        "Generate a portfolio of each size (default 500 and 5,000 agreements) and measure the full risk scan: "
        "queries, wall time against a plain read of the same rows, peak memory. Deletes the portfolio: only "
        "on a database whose name contains 'bench' (or with --force)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="500,5000", help="Comma-separated numbers of agreements (ascending).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the generated portfolio.")
        parser.add_argument("--repeat", type=int, default=3, help="Timed runs per measure; the best one counts.")
        parser.add_argument("--force", action="store_true", help="Run even if the database name lacks 'bench'.")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=settings.RISK_SCAN_CHUNK_SIZE,
            help="Agreements per chunk of the chunked scan (default RISK_SCAN_CHUNK_SIZE).",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Grow the portfolio already there (built with the same seed) instead of building it anew.",
        )
        parser.add_argument(
            "--workers", default="1,2", help="Worker processes of the chunked scan, comma-separated (empty: skip)."
        )

    def handle(self, *args, sizes, seed, repeat, force, chunk_size, workers, keep, **options):
        name = str(connection.settings_dict["NAME"])
        if "bench" not in name and not force:
            raise CommandError(
                f"Refusing to run on database {name!r}: the benchmark deletes every organisation, person, agreement "
                "and flag. Use a database whose name contains 'bench' (make bench) or pass --force."
            )
        try:
            sizes = sorted({int(size) for size in sizes.split(",") if size.strip()})
        except ValueError as exc:
            raise CommandError(f"--sizes takes comma-separated numbers, got {sizes!r}") from exc
        if not sizes or sizes[0] < 1 or repeat < 1:
            raise CommandError("--sizes needs positive numbers and --repeat at least 1")
        try:
            workers = sorted({int(count) for count in workers.split(",") if count.strip()})
        except ValueError as exc:
            raise CommandError(f"--workers takes comma-separated numbers, got {workers!r}") from exc
        if chunk_size < 1 or any(count < 1 for count in workers):
            raise CommandError("--chunk-size and --workers need positive numbers")
        self.stdout.write(f"Risk-scan benchmark on {connection.vendor} database {name!r}, seed {seed}.")

        existing = Agreement.objects.count()
        if keep and existing > sizes[0]:
            raise CommandError(f"--keep: the database holds {existing} agreements, more than the smallest size.")
        if not keep:
            bench.wipe()
        measures: list[Measure] = []
        chunked: list[tuple[int, list[int], list[chunk_bench.ChunkedMeasure]]] = []
        for size in sizes:
            started = time.perf_counter()
            added = bench.grow_to(size, seed=seed)
            self.stdout.write(
                f"\n{size} agreements: generated {added} more in {time.perf_counter() - started:.1f} s. Rows: "
                + ", ".join(
                    f"{model} {count}"
                    for model, count in bench.row_counts().items()
                    if model not in ("riskscan", "riskflag")
                )
            )
            measures += self.measure(size, repeat)
            if workers:
                chunked.append((size, *self.measure_chunked(chunk_size, workers)))

        if chunked:
            self.report_chunked(chunked, chunk_size, measures)
        self.report(measures, sizes)

    # --- measuring ---------------------------------------------------------------------------------

    def measure(self, size: int, repeat: int) -> list[Measure]:
        today = timezone.localdate()
        reads = baseline_reads(today)
        results = []
        # A first scan starts from no flags; a steady-state one from the flags of the last scan, vacuumed.
        for phase, prepare in (("first", bench.reset_flags), ("steady", bench.settle_flags)):
            prepare()
            rows = read_rows(reads)
            read_seconds = best_time(lambda: read_rows(reads), repeat)
            prepare()
            with CaptureQueriesContext(connection) as captured:
                scan = scan_now()
            write_seconds = 0.0
            if scan.new_count:
                columns, flags = stored_flags()
                write_seconds = best_time(partial(write_rows, columns, flags), repeat, bench.reset_flags)
            scan_seconds = best_time(scan_now, repeat, prepare)
            prepare()
            gc.collect()
            tracemalloc.start()
            try:
                scan_now()
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            self.stdout.write(f"  {phase} scan reads: " + ", ".join(f"{read} {count}" for read, count in rows.items()))
            results.append(
                Measure(
                    size=size,
                    scan=phase,
                    queries=len(captured.captured_queries),
                    scan_seconds=scan_seconds,
                    read_seconds=read_seconds,
                    write_seconds=write_seconds,
                    peak_mib=peak / MIB,
                    new=scan.new_count,
                    persisting=scan.persisting_count,
                    resolved=scan.resolved_count,
                    findings=scan.findings,
                )
            )
        return results

    def measure_chunked(self, chunk_size: int, workers: list[int]):
        """The chunked (steady-state) scan: the queries of each chunk, then the whole scan over each number of
        worker processes."""
        bench.settle_flags()
        queries = chunk_bench.chunk_queries(chunk_size)
        runs = []
        for count in workers:
            bench.settle_flags()
            runs.append(chunk_bench.chunked_scan(count, chunk_size))
        return queries, runs

    def report_chunked(self, chunked, chunk_size: int, measures: list[Measure]) -> None:
        steady = {m.size: m.scan_seconds for m in measures if m.scan == "steady"}
        header = ["size", "chunks", "queries/chunk", "last chunk", "1 process s"]
        counts = [run.workers for run in chunked[0][2]]
        header += [f"{n} worker{'s' if n > 1 else ''} s" for n in counts]
        header += [f"{n}w peak RSS MiB" for n in counts] + ["idle RSS MiB"]
        if len(counts) > 1:
            header.append(f"{counts[-1]}w ÷ {counts[0]}w")
        rows = []
        for size, queries, runs in chunked:
            chunks = queries[:-1] or queries  # the last chunk also runs the portfolio rules
            per_chunk = "–".join(dict.fromkeys((str(min(chunks)), str(max(chunks)))))
            row = [str(size), str(runs[0].chunks), per_chunk, str(queries[-1]), f"{steady.get(size, 0):.3f}"]
            row += [f"{run.seconds:.3f}" for run in runs]
            row += [f"{run.peak_rss_mib:.0f}" for run in runs]
            row.append(f"{max(run.idle_rss_mib for run in runs):.0f}")
            if len(runs) > 1:
                row.append(f"{runs[-1].seconds / runs[0].seconds:.2f}")
            rows.append(row)
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write(
            f"\nChunked scan (steady state), chunks of {chunk_size} agreements over fresh worker processes:"
        )
        for row in [header, ["-" * w for w in widths], *rows]:
            self.stdout.write(" | ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))
        self.stdout.write(
            "Targets (reported, not enforced: the machine's cores decide): queries per chunk equal at every size; "
            "the most workers ≤ 0.7× one worker's time at the largest size; peak RSS per worker equal across sizes."
        )

    # --- reporting ---------------------------------------------------------------------------------

    def report(self, measures: list[Measure], sizes: list[int]) -> None:
        header = (
            "size",
            "scan",
            "queries",
            "scan s",
            "read s",
            "write s",
            "ratio",
            "÷ read",
            "peak MiB",
            "findings",
            "new/kept/resolved",
        )
        rows = [
            (
                str(m.size),
                m.scan,
                str(m.queries),
                f"{m.scan_seconds:.3f}",
                f"{m.read_seconds:.3f}",
                f"{m.write_seconds:.3f}" if m.write_seconds else "–",
                f"{m.ratio:.1f}",
                f"{m.read_ratio:.1f}",
                f"{m.peak_mib:.1f}",
                str(m.findings),
                f"{m.new}/{m.persisting}/{m.resolved}",
            )
            for m in measures
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        for row in [header, tuple("-" * width for width in widths), *rows]:
            self.stdout.write(" | ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))
        self.stdout.write(
            "ratio = scan ÷ (read + write); write: one plain COPY of the same flag rows, for a scan that stores them."
        )

        by_phase: dict[str, dict[int, int]] = {}
        for m in measures:
            by_phase.setdefault(m.scan, {})[m.size] = m.queries
        self.stdout.write("")
        for phase, counts in by_phase.items():
            self.stdout.write(
                f"Queries of the {phase} scan by size: " + "  ".join(f"{size}: {counts[size]}" for size in sizes)
            )

        def listed(items, show) -> str:
            return ", ".join(f"{m.size} {m.scan}: {show(m)}" for m in items)

        problems = []
        too_many = [m for m in measures if m.queries > MAX_QUERIES]
        if too_many:
            problems.append(f"more than {MAX_QUERIES} queries ({listed(too_many, lambda m: m.queries)})")
        unequal = [phase for phase, counts in by_phase.items() if len(set(counts.values())) > 1]
        if unequal:
            problems.append(f"the query count changes with the size ({', '.join(unequal)} scan)")
        slow = [m for m in measures if m.size == sizes[-1] and m.ratio > MAX_RATIO]
        if slow:
            problems.append(f"ratio above {MAX_RATIO:g} ({listed(slow, lambda m: f'{m.ratio:.1f}')})")
        unsteady = [
            m
            for m in measures
            if (m.scan == "steady" and (m.new or m.resolved)) or (m.scan == "first" and (m.persisting or m.resolved))
        ]
        if unsteady:
            shown = listed(unsteady, lambda m: f"{m.new}/{m.persisting}/{m.resolved}")
            problems.append(f"new/kept/resolved not as expected for a first or a steady-state scan ({shown})")
        targets = f"queries ≤ {MAX_QUERIES} and equal at every size; ratio ≤ {MAX_RATIO:g} at {sizes[-1]:,} agreements"
        if problems:
            self.stdout.write(self.style.ERROR(f"Targets ({targets}) MISSED: " + "; ".join(problems) + "."))
            raise CommandError("the risk scan misses its performance targets", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Targets ({targets}) hold."))
