"""The load test's parts (``manage.py loadtest``; README, "Load test").

* ``MinimalAgreementPage``: the baseline endpoint, ``/api/v1/_bench/agreements/``: the same first page
  of agreements as ``/api/v1/agreements/`` (same order, the agreement's own columns) read with one
  query into dictionaries, behind the same authentication and permissions. It exists only when
  ``LOADTEST_ENDPOINTS`` is true (a Django setting, else the environment variable) and is left out
  of the OpenAPI schema: the load test compares the real list endpoint's throughput with it.
* ``run_phase``: a small HTTP/1.1 client on asyncio streams (no dependency): ``clients`` concurrent
  connections for ``duration`` seconds, at most ``max_requests`` requests, to a loopback address
  only; per endpoint it counts requests and errors and keeps every latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import math
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements.models import Agreement

BENCH_PATH = "api/v1/_bench/agreements/"
# The columns of the agreement itself in the list endpoint's page (its nested parties, roles and figures
# are what the comparison measures).
AGREEMENT_COLUMNS = (
    "id", "title", "reference", "purpose", "goals", "ambition", "status", "valid_from", "valid_to",
    "notice_period_months", "review_interval_months", "next_review_on", "assessment_interval_months",
    "coordinator_id", "document", "renewed_from_id", "terminated_on", "termination_reason", "created_at",
    "updated_at",
)  # fmt: skip
AGREEMENT_ORDER = ("-valid_from", "title", "id")  # agreements.api.views.AgreementViewSet.ordering


def endpoints_enabled() -> bool:
    value = getattr(settings, "LOADTEST_ENDPOINTS", None)
    if value is None:
        value = os.environ.get("LOADTEST_ENDPOINTS", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


class MinimalAgreementPage(APIView):
    """The first page of agreements from one query (the load test's baseline)."""

    queryset = Agreement.objects.all()  # for the model permissions: reading needs view_agreement

    def dispatch(self, request, *args, **kwargs):
        if not endpoints_enabled():  # before authentication: the same 404 as any unknown address
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request):
        page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
        rows = list(Agreement.objects.order_by(*AGREEMENT_ORDER).values(*AGREEMENT_COLUMNS)[:page_size])
        return Response({"results": rows})


urlpatterns = [path(BENCH_PATH, MinimalAgreementPage.as_view(), name="loadtest-agreements")]


# --- the client -----------------------------------------------------------------------------------------


@dataclass
class Target:
    """An endpoint: its name and a function giving the path of the next request."""

    name: str
    path: Callable[[], str]


@dataclass
class Stats:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Latency (ms) at this share of the successful requests (nearest rank)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = math.ceil(share * len(ordered) - 1e-9)  # the smallest value with at least this share at or below it
        return ordered[max(0, min(len(ordered), rank) - 1)] * 1000

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(message)


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


class Connection:
    """One keep-alive HTTP/1.1 connection (reopened when the server closes it, as gunicorn's sync workers do)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port = host, port
        self.head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": f"{host}:{port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode("latin-1"))
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                body += await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body


async def _client(
    target: Target, stats: Stats, host: str, port: int, headers: dict, stop_at: float, budget: list[int]
) -> None:
    connection = Connection(host, port, headers)
    try:
        while time.monotonic() < stop_at and budget[0] > 0:
            budget[0] -= 1
            path = target.path()
            started = time.monotonic()
            try:
                status, _body = await asyncio.wait_for(connection.get(path), timeout=max(1.0, stop_at - started + 30))
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                stats.error(f"{path}: {type(exc).__name__}: {exc}")
                await connection.close()
                continue
            if status != 200:
                stats.error(f"{path}: HTTP {status}")
                continue
            stats.latencies.append(time.monotonic() - started)
    finally:
        await connection.close()


async def _phase(base_url, targets, clients, duration, max_requests, headers) -> dict[str, Stats]:
    host, port = require_loopback(base_url)
    stats = {target.name: Stats(target.name) for target in targets}
    budget = [max_requests]
    started = time.monotonic()
    stop_at = started + duration
    tasks = [
        _client(target, stats[target.name], host, port, headers, stop_at, budget)
        for target in (targets[index % len(targets)] for index in range(clients))
    ]
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    for item in stats.values():
        item.seconds = elapsed
    return stats


def run_phase(
    base_url: str,
    targets: list[Target],
    *,
    clients: int,
    duration: float,
    max_requests: int,
    headers: dict[str, str] | None = None,
) -> dict[str, Stats]:
    """``clients`` concurrent clients, spread evenly over ``targets``, each requesting its endpoint
    again and again on a keep-alive connection until ``duration`` seconds have passed or ``max_requests``
    requests have been made in all. A request counts as an error unless it answers 200."""
    return asyncio.run(_phase(base_url, targets, clients, duration, max_requests, dict(headers or {})))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
