"""The chunked risk scan over worker processes, for the benchmark (``make bench``).

A split scan runs ``risks.scans.scan_chunk`` once per chunk on whichever Celery worker takes it, and the
last chunk runs the portfolio rules. Here the same task function runs in a pool of fresh processes
(``spawn``: each starts like a worker, with Django set up and no portfolio in memory), so the wall time
with one and with two workers, and each worker's peak resident memory (RSS, the operating system's
figure, not Python's objects), are measured without a broker in between.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

MIB = 1024 * 1024


@dataclass
class ChunkedMeasure:
    workers: int
    chunks: int
    seconds: float
    peak_rss_mib: float  # the largest peak of any worker
    idle_rss_mib: float  # a worker's RSS once Django is set up, before any chunk


def _peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM belongs to the address space, which a spawned process gets
    anew (ru_maxrss would carry over the parent's peak from before the exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / MIB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB  # KiB on Linux


def _worker_start(database: str) -> None:
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = database  # the parent's (a test database in the tests)


def _worker_idle(_: int) -> float:
    time.sleep(0.2)  # so every worker of the pool takes one
    return _peak_rss_mib()


def _worker_chunk(task: tuple[int, int, int, int]) -> float:
    from risks.scans import scan_chunk

    scan_id, index, low, high = task
    scan_chunk(
        scan_id=scan_id, index=index, id_range=(low, high), worker=f"bench-{multiprocessing.current_process().pid}"
    )
    return _peak_rss_mib()


def _running_scan(chunks: int):
    from risks.choices import ScanStatus, ScanTrigger
    from risks.scans import scan_create

    scan = scan_create(trigger=ScanTrigger.COMMAND, status=ScanStatus.RUNNING)
    type(scan).objects.filter(pk=scan.pk).update(chunks_total=chunks)
    return scan


def chunk_queries(chunk_size: int) -> list[int]:
    """The queries of each chunk of a split scan, run in this process; the last one also runs the portfolio
    rules and closes the scan, so it has more."""
    from risks import facts
    from risks.scans import scan_chunk

    ranges = facts.scan_chunks(chunk_size)
    scan = _running_scan(len(ranges))
    counts = []
    for index, (low, high) in enumerate(ranges):
        with CaptureQueriesContext(connection) as captured:
            scan_chunk(scan_id=scan.pk, index=index, id_range=(low, high))
        counts.append(len(captured.captured_queries))
    return counts


def chunked_scan(workers: int, chunk_size: int) -> ChunkedMeasure:
    """A whole split scan over ``workers`` fresh processes: wall time from the first chunk handed out to the
    scan closed (the pool's start-up not counted), and the workers' peak RSS."""
    from risks import facts
    from risks.choices import ScanStatus
    from risks.models import RiskScan

    ranges = facts.scan_chunks(chunk_size)
    scan = _running_scan(len(ranges))
    tasks = [(scan.pk, index, low, high) for index, (low, high) in enumerate(ranges)]
    context = multiprocessing.get_context("spawn")
    database = connection.settings_dict["NAME"]
    with context.Pool(workers, initializer=_worker_start, initargs=(database,), maxtasksperchild=None) as pool:
        idle = max(pool.map(_worker_idle, range(workers), chunksize=1))
        started = time.perf_counter()
        peaks = pool.map(_worker_chunk, tasks, chunksize=1)
        seconds = time.perf_counter() - started
    status = RiskScan.objects.filter(pk=scan.pk).values_list("status", flat=True).first()
    if status != ScanStatus.SUCCEEDED:
        raise RuntimeError(f"the chunked scan ended {status!r}")
    return ChunkedMeasure(workers, len(ranges), seconds, max(peaks), idle)
