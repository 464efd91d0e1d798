"""Benchmark the read pages at two (or more) portfolio sizes (``make bench-web``).

For each size of ``--sizes`` (default 5,000 and 50,000 agreements) the benchmark portfolio (ops.bench) is
built on PostgreSQL, scanned once (so the risk lists have flags), and every API list (a page of 50), an
agreement's detail, the admin start page and the admin agreement, organisation, person and risk-flag lists
are requested through Django's test client as a superuser, in a fresh process for each size (as a server's
worker holds none of the generator's objects, whose number would slow the garbage collector): the SQL queries of
one request and the median wall time of ``--requests`` requests after ``--warmup`` untimed ones. A table shows both
sizes and the growth of the median from the smallest to the largest size; beside it, the agreements list
against its floor: one SQL statement (json_agg) that builds the same page of JSON.

``--json PATH`` also writes ``{"pages": [{"name", "queries_small", "queries_large", "ms_small",
"ms_large"}, ...], "floor_ms", "agreements_list_ms"}`` (small: the smallest size, large: the largest; the
floor and the list at the largest size).

The largest portfolio stays in the database. The command deletes the portfolio tables first, so it refuses
a database whose name lacks "bench" (or pass ``--force``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import Agreement
from ops import bench
from ops.floor import PAGE, floor_sql
from risks.scans import scan_now

BENCH_USER = "bench-web"

# (name, path); "{agreement}" is the first agreement of the list's default ordering.
PAGES = (
    ("api agreements", f"/api/v1/agreements/?page_size={PAGE}"),
    ("api agreement detail", "/api/v1/agreements/{agreement}/"),
    ("api parties", f"/api/v1/parties/?page_size={PAGE}"),
    ("api representatives", f"/api/v1/representatives/?page_size={PAGE}"),
    ("api responsibilities", f"/api/v1/responsibilities/?page_size={PAGE}"),
    ("api anchorings", f"/api/v1/anchorings/?page_size={PAGE}"),
    ("api commitments", f"/api/v1/commitments/?page_size={PAGE}"),
    ("api organizations", f"/api/v1/organizations/?page_size={PAGE}"),
    ("api persons", f"/api/v1/persons/?page_size={PAGE}"),
    ("api risks", f"/api/v1/risks/?page_size={PAGE}"),
    ("api risk-scans", f"/api/v1/risk-scans/?page_size={PAGE}"),
    ("api instruments", f"/api/v1/instruments/?page_size={PAGE}"),
    ("api assessment-rounds", f"/api/v1/assessment-rounds/?page_size={PAGE}"),
    ("admin start page", "/admin/"),
    ("admin agreements", "/admin/agreements/agreement/"),
    ("admin organisations", "/admin/stakeholders/organization/"),
    ("admin people", "/admin/stakeholders/person/"),
    ("admin risk flags", "/admin/risks/riskflag/"),
)


@dataclass
class Measure:
    queries: int
    ms: float


def database_url() -> str:
    """This connection's database as a URL, for the measuring process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Command(BaseCommand):
    help = (
        "Build the benchmark portfolio at each size (default 5,000 and 50,000 agreements) and measure the API "
        "lists, an agreement's detail and the admin pages: queries and median time per request, and the "
        "agreements list against a one-statement json_agg floor. Deletes the portfolio: only on a database "
        "whose name contains 'bench' (or with --force)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="5000,50000", help="Comma-separated numbers of agreements.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the generated portfolio.")
        parser.add_argument("--requests", type=int, default=15, help="Timed requests per page (median).")
        parser.add_argument("--warmup", type=int, default=2, help="Untimed requests per page before timing.")
        parser.add_argument("--json", dest="json_path", default="", help="Also write the results to this file.")
        parser.add_argument("--force", action="store_true", help="Run even if the database name lacks 'bench'.")
        parser.add_argument("--measure-only", default="", help=argparse.SUPPRESS)  # the fresh process's part
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Grow the portfolio already there (built with the same seed) instead of building it anew.",
        )

    def handle(self, *args, sizes, seed, requests, warmup, json_path, force, keep, measure_only, **options):
        name = str(connection.settings_dict["NAME"])
        if measure_only:  # in the fresh process: measure the portfolio that is there, write the results
            signals.request_finished.disconnect(close_old_connections)
            measures = self.measure_pages(self.client(), requests, warmup)
            document = {
                "pages": {page: [measure.queries, measure.ms] for page, measure in measures.items()},
                "floor_ms": self.measure_floor(requests, warmup),
            }
            Path(measure_only).write_text(json.dumps(document), encoding="utf-8")
            return
        if connection.vendor != "postgresql":
            raise CommandError("The web benchmark measures PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        if "bench" not in name and not force:
            raise CommandError(
                f"Refusing to run on database {name!r}: the benchmark deletes every organisation, person, agreement "
                "and flag. Use a database whose name contains 'bench' (make bench-web) or pass --force."
            )
        try:
            sizes = sorted({int(size) for size in sizes.split(",") if size.strip()})
        except ValueError as exc:
            raise CommandError(f"--sizes takes comma-separated numbers, got {sizes!r}") from exc
        if not sizes or sizes[0] < 1:
            raise CommandError("--sizes needs positive numbers")
        if requests < 1 or warmup < 0:
            raise CommandError("--requests needs at least 1 and --warmup at least 0")
        self.stdout.write(f"Web benchmark on database {name!r}, sizes {', '.join(map(str, sizes))}, seed {seed}.")

        existing = Agreement.objects.count()
        if keep and existing > sizes[0]:
            raise CommandError(f"--keep: the database holds {existing} agreements, more than the smallest size.")
        if not keep:
            bench.wipe()
        # One connection for the whole run, as a server with persistent connections keeps it: not closed
        # after each request (which would also lose the captured queries).
        signals.request_finished.disconnect(close_old_connections)
        try:
            self.run(sizes, seed, requests, warmup, json_path)
        finally:
            signals.request_finished.connect(close_old_connections)

    def run(self, sizes: list[int], seed: int, requests: int, warmup: int, json_path: str) -> None:
        self.client()  # the benchmark's account, checked before the portfolio is built
        results: dict[int, dict[str, Measure]] = {}
        floors: dict[int, float] = {}
        for size in sizes:
            started = time.perf_counter()
            added = bench.grow_to(size, seed=seed)
            scan = scan_now()
            self.stdout.write(
                f"{size} agreements: generated {added} more and scanned ({scan.findings} findings) in "
                f"{time.perf_counter() - started:.1f} s."
            )
            # As autovacuum would leave a database that has settled: statistics and visibility of the new rows.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            results[size], floors[size] = self.measure_in_fresh_process(requests, warmup)
        self.report(sizes, results, floors)
        if json_path:
            small, large = sizes[0], sizes[-1]
            document = {
                "pages": [
                    {
                        "name": page,
                        "queries_small": results[small][page].queries,
                        "queries_large": results[large][page].queries,
                        "ms_small": round(results[small][page].ms, 2),
                        "ms_large": round(results[large][page].ms, 2),
                    }
                    for page, _path in PAGES
                ],
                "floor_ms": round(floors[large], 2),
                "agreements_list_ms": round(results[large]["api agreements"].ms, 2),
            }
            Path(json_path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"Wrote {json_path}.")

    def measure_in_fresh_process(self, requests: int, warmup: int) -> tuple[dict[str, Measure], float]:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "measures.json"
            subprocess.run(
                [
                    sys.executable,
                    str(Path(settings.BASE_DIR) / "manage.py"),
                    "bench_web",
                    "--force",
                    f"--requests={requests}",
                    f"--warmup={warmup}",
                    f"--measure-only={out}",
                ],
                check=True,
                env={**os.environ, "DATABASE_URL": database_url()},
            )
            document = json.loads(out.read_text(encoding="utf-8"))
        pages = {page: Measure(queries, ms) for page, (queries, ms) in document["pages"].items()}
        return pages, document["floor_ms"]

    def client(self) -> Client:
        user, _created = get_user_model().objects.get_or_create(
            username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        if not (user.is_staff and user.is_superuser and user.is_active):
            raise CommandError(f"The user {BENCH_USER!r} exists but is not an active superuser.")
        client = Client(HTTP_ACCEPT="application/json, text/html")
        client.force_login(user)
        return client

    def measure_pages(self, client: Client, requests: int, warmup: int) -> dict[str, Measure]:
        first = Agreement.objects.order_by("-valid_from", "title", "id").values_list("id", flat=True).first()
        measures = {}
        for page, path in PAGES:
            url = path.format(agreement=first or 0)
            for _ in range(warmup):
                self.get(client, url)
            with CaptureQueriesContext(connection) as captured:
                self.get(client, url)
            queries = len(captured.captured_queries)  # now: the next request's start empties the log
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                self.get(client, url)
                times.append((time.perf_counter() - started) * 1000)
            measures[page] = Measure(queries, statistics.median(times))
        return measures

    @staticmethod
    def get(client: Client, url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}.")
        return response

    def measure_floor(self, requests: int, warmup: int) -> float:
        sql = floor_sql()
        times = []
        with connection.cursor() as cursor:
            for run in range(warmup + requests):
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchone()
                if run >= warmup:
                    times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    def report(self, sizes: list[int], results: dict[int, dict[str, Measure]], floors: dict[int, float]) -> None:
        small, large = sizes[0], sizes[-1]
        header = ["page", *(f"queries {s}" for s in sizes), *(f"ms {s}" for s in sizes), "growth"]
        rows = []
        for page, _path in PAGES:
            growth = results[large][page].ms / results[small][page].ms if results[small][page].ms else float("inf")
            same = len({results[s][page].queries for s in sizes}) == 1
            rows.append(
                [
                    page,
                    *(str(results[s][page].queries) for s in sizes),
                    *(f"{results[s][page].ms:.1f}" for s in sizes),
                    f"{growth:.2f}×" + ("" if same else " (queries differ)"),
                ]
            )
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        for row in [header, ["-" * w for w in widths], *rows]:
            cells = (cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
            self.stdout.write(" | ".join(cells))
        self.stdout.write("")
        for size in sizes:
            listed = results[size]["api agreements"].ms
            self.stdout.write(
                f"{size}: agreements list {listed:.1f} ms, json_agg floor {floors[size]:.1f} ms, "
                f"ratio {listed / floors[size]:.2f}× (target ≤ 3×)"
            )
        self.stdout.write(f"Target: same queries at every size and ms at {large} ≤ 1.3× ms at {small}.")
        self.stdout.write(f"Measured at {timezone.now():%Y-%m-%d %H:%M} UTC.")
