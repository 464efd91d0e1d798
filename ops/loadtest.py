"""The load test's parts (``manage.py loadtest``; README, "Load test").

* ``OneQueryAgreementPage``: the baseline endpoint, ``/api/v1/_bench/agreements/``: the same first page
  as ``/api/v1/agreements/`` (same agreements in the same order, with their parties, representatives,
  anchorings, commitments and responsibilities) built by PostgreSQL in one statement (ops.floor) and sent as
  it comes, behind the same authentication and permissions. It exists only when ``LOADTEST_ENDPOINTS`` is
  true (a Django setting, else the environment variable) and is left out of the OpenAPI schema: the load
  test compares the real list endpoint's throughput with it.
* ``run_locust``: one headless run of a user class of ``ops/locustfile.py`` (locust) against a loopback
  address, bounded in time; per endpoint its requests, errors, req/s and p50/p95/p99 from locust's CSV.
"""

from __future__ import annotations

import contextlib
import csv
import ipaddress
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from agreements.models import Agreement
from ops.floor import floor_sql

BENCH_PATH = "api/v1/_bench/agreements/"


def endpoints_enabled() -> bool:
    value = getattr(settings, "LOADTEST_ENDPOINTS", None)
    if value is None:
        value = os.environ.get("LOADTEST_ENDPOINTS", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


class OneQueryAgreementPage(APIView):
    """The agreements list's first page from one query (the load test's baseline)."""

    queryset = Agreement.objects.all()  # for the model permissions: reading needs view_agreement

    def dispatch(self, request, *args, **kwargs):
        if not endpoints_enabled():  # before authentication: the same 404 as any unknown address
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute(floor_sql(settings.REST_FRAMEWORK["PAGE_SIZE"]))
            (page,) = cursor.fetchone()
        return HttpResponse(page, content_type="application/json")


urlpatterns = [path(BENCH_PATH, OneQueryAgreementPage.as_view(), name="loadtest-agreements")]


# --- running locust ------------------------------------------------------------------------------------

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass
class Stats:
    """One endpoint of one phase, as locust's statistics (CSV) give it."""

    name: str
    requests: int = 0
    errors: int = 0
    per_second: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    error_samples: list[str] = field(default_factory=list)


def require_loopback(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if parts.scheme != "http" or not loopback:
        raise ValueError(f"the load test only speaks plain HTTP to a loopback address, not {base_url!r}")
    return host, parts.port or 80


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def read_stats(prefix: Path) -> dict[str, Stats]:
    """Per endpoint: requests, failures, req/s and p50/p95/p99 (ms) from locust's ``--csv`` files."""
    found: dict[str, Stats] = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            if row["Name"] == "Aggregated":
                continue
            found[row["Name"]] = Stats(
                name=row["Name"],
                requests=int(_number(row["Request Count"])),
                errors=int(_number(row["Failure Count"])),
                per_second=_number(row["Requests/s"]) - _number(row["Failures/s"]),
                p50=_number(row["50%"]),
                p95=_number(row["95%"]),
                p99=_number(row["99%"]),
            )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, encoding="utf-8", newline="") as source:
            for row in csv.DictReader(source):
                stats = found.setdefault(row["Name"], Stats(name=row["Name"]))
                if len(stats.error_samples) < 5:
                    stats.error_samples.append(f"{row['Occurrences']}× {row['Error']}")
    return found


def run_locust(
    base_url: str, user_class: str, *, clients: int, seconds: int, folder: Path, env: dict[str, str]
) -> dict[str, Stats]:
    """One headless locust run of ``user_class`` (ops/locustfile.py): ``clients`` users started at once, for
    ``seconds`` (the locust file stops them then, waiting at most 10 s for answers in flight)."""
    require_loopback(base_url)
    prefix = folder / f"{user_class}-{time.monotonic_ns()}"
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), user_class, "--headless",
        "--users", str(clients), "--spawn-rate", str(clients),
        "--host", base_url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
        "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {**env, "LOADTEST_SECONDS": str(max(1, seconds))}  # the locust file stops the run (see there)
    done = subprocess.run(  # noqa: S603 (our own locust file, on loopback)
        command, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if done.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
    return read_stats(prefix)


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
