"""Faults on real services (DESIGN §10, Reliability): Redis down, a worker killed in the middle of a scan.

These tests never touch the machine's shared Redis (other tests and processes use it): each starts a
private ``redis-server`` on a free loopback port, without persistence, and kills it. The web side is a
real ``gunicorn`` process on a free loopback port with that Redis as its broker, result backend and
cache, and the test speaks HTTP to it: the settings are read once at start-up from the environment, as
in production, and the in-process Celery app (pointed at the shared Redis by the test environment) is
never re-configured. Workers are real ``celery worker`` processes on the same private Redis; the one
killed mid-scan runs in a session of its own so SIGKILL takes its pool processes with it, as when a
machine dies.

A failing delivery that must not stop the other recipients' reports is covered in process by
``tests/risks/test_reports.py``; the SMTP outage and two concurrent scans by ``test_risks.py``.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as redis_client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token

from assessments.models import Answer
from ops import bench
from risks import facts
from risks.choices import FlagStatus, ScanStatus
from risks.models import RiskFlag, RiskScan
from stakeholders.roles import COORDINATORS, role_group
from tests.assessments.answer_helpers import complete_answers, invite, open_round
from tests.factories import UserFactory
from tests.integration.conftest import ROOT, subprocess_env, wait_for
from tests.integration.test_risks import expected_findings, risky_portfolio, unresolved_keys
from tests.smtp import free_port

PASSWORD = "Fault-test-password-1"  # noqa: S105 (a test user's)
REDIS_SERVER = "redis-server"
AGREEMENTS, CHUNK_SIZE = 300, 10
UNQUEUED = "The scan could not be queued: the task broker is unavailable (%(error)s)."
UNQUEUED_API = "The scan could not be queued: the task broker is unavailable. Try again later."
ENDED = [ScanStatus.SUCCEEDED, ScanStatus.FAILED]


# --- a private Redis ------------------------------------------------------------------------------


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """A ``redis-server`` of this test's own on a loopback port; ``stop()`` kills it, ``start()`` brings a
    fresh one back on the same port (empty: nothing is saved, as a restarted cache-only Redis)."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> PrivateRedis:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), timeout=15, interval=0.05, message="the private redis-server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        wait_for(lambda: not port_open(self.port), timeout=10, interval=0.05, message="redis-server to go")


@pytest.fixture
def private_redis(integration_services):
    if not any((Path(p) / REDIS_SERVER).exists() for p in os.environ.get("PATH", "").split(os.pathsep)):
        if os.environ.get("CI"):
            pytest.fail("CI is set and redis-server is not installed", pytrace=False)
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis().start()
    yield redis
    redis.stop()


def private_env(isolated_queue: str, redis: PrivateRedis, *, results: bool = False, **extra: str) -> dict:
    """The environment of a process on the test database and the private Redis: broker, cache and (with
    ``results``) the result backend; without, none (the default of the settings)."""
    return {
        **subprocess_env(isolated_queue),
        "CELERY_BROKER_URL": redis.url(0),
        "CELERY_RESULT_BACKEND": redis.url(1) if results else "",
        "CACHE_URL": redis.url(2),
        "DEBUG": "0",
        **extra,
    }


def log_file(prefix: str):
    return tempfile.NamedTemporaryFile("w+", prefix=prefix, suffix=".log", delete=False)  # noqa: SIM115


def tail(process: subprocess.Popen) -> str:
    return Path(process.log_path).read_text()[-4000:]


@pytest.fixture
def processes():
    """Start processes in sessions of their own; every one is ended (with its children) after the test."""
    started: list[subprocess.Popen] = []

    def start(command: list[str], env: dict, name: str) -> subprocess.Popen:
        log = log_file(f"{name}-")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        process.log_path = log.name
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_worker(processes, env: dict, name: str, concurrency: int = 1) -> subprocess.Popen:
    queue = env["CELERY_TASK_DEFAULT_QUEUE"]
    command = [sys.executable, "-m", "celery", "-A", "samverkan_project", "worker", "--loglevel=INFO"]
    command += [f"--concurrency={concurrency}", f"--hostname={name}-{queue}@%h", "-Q", queue]
    command += ["--without-mingle", "--without-gossip"]
    process = processes(command, env, f"celery-{name}")

    def ready():
        if process.poll() is not None:
            pytest.fail(f"worker {name} exited early:\n{tail(process)}")
        return " ready." in Path(process.log_path).read_text()

    wait_for(ready, timeout=60, interval=0.1, message=f"worker {name} to be ready")
    return process


def start_gunicorn(processes, env: dict) -> str:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "samverkan_project.wsgi", f"--bind=127.0.0.1:{port}"]
    command += ["--workers=1", "--threads=4", "--timeout=60", "--access-logfile=-"]
    process = processes(command, env, "gunicorn")

    def listening():
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited early:\n{tail(process)}")
        return port_open(port)

    wait_for(listening, timeout=60, interval=0.1, message="gunicorn to listen")
    return f"http://127.0.0.1:{port}"


def request_scan(env: dict) -> int:
    """Queue a scan as the API and the admin do (scans.scan_request), from a process of its own on the
    private broker; returns the scan's id."""
    code = "import django; django.setup()\nfrom risks import scans\nprint(scans.scan_request(trigger='api').pk)\n"
    env = {**env, "DJANGO_SETTINGS_MODULE": "samverkan_project.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def finished(scan_id: int, timeout: float = 240) -> RiskScan:  # generous: a loaded CI machine
    return wait_for(
        lambda: RiskScan.objects.filter(pk=scan_id, status__in=[ScanStatus.SUCCEEDED, ScanStatus.FAILED]).first(),
        timeout=timeout,
        message=f"scan {scan_id} to finish",
    )


# --- a small HTTP client (stdlib: cookies, no redirects followed) ---------------------------------


@dataclass
class Reply:
    status: int
    headers: dict
    text: str

    def json(self):
        return json.loads(self.text)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str, **headers: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects)
        self.headers = {"Accept-Language": "en", **headers}

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, path: str, data: dict | None = None, csrf: bool = True) -> Reply:
        body = None
        headers = dict(self.headers)
        if data is not None or method == "POST":
            data = dict(data or {})
            if csrf and self.cookie("csrftoken"):
                data.setdefault("csrfmiddlewaretoken", self.cookie("csrftoken"))
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=30) as response:
                reply = Reply(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, dict(error.headers), error.read().decode())
        reply.seconds = time.monotonic() - started
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, data: dict | None = None, **kwargs) -> Reply:
        return self.request("POST", path, data, **kwargs)


# --- Redis down -------------------------------------------------------------------------------------


def coordinator_with_token():
    user = UserFactory(username="feltest", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(role_group(COORDINATORS))
    return user, Token.objects.create(user=user).key


def translated(message: str, language: str = "en") -> str:
    with translation.override(language):
        return gettext(message)


def test_redis_down_web_admin_api_and_answer_page_keep_serving(
    transactional_db, isolated_queue, private_redis, processes
):
    risky_portfolio(3)
    user, token = coordinator_with_token()
    round_ = open_round()
    _respondent, answer_token = invite(round_, language="en")
    env = private_env(isolated_queue, private_redis)
    base = start_gunicorn(processes, env)
    api = Browser(base, Authorization=f"Token {token}", Accept="application/json")
    assert api.get("/healthz").status == 200  # up while Redis is up

    private_redis.stop()

    # The admin: login page, logging in, a change list.
    browser = Browser(base)
    assert browser.get("/admin/login/").status == 200
    login = browser.post("/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD})
    assert login.status == 302, login.text[:2000]
    assert browser.get("/admin/agreements/agreement/").status == 200
    assert browser.get("/admin/risks/riskflag/").status == 200

    # The API, with a token and with the admin's session.
    for path in ("/api/v1/agreements/", "/api/v1/risks/", "/api/v1/organizations/"):
        reply = api.get(path)
        assert reply.status == 200, (path, reply.text[:1000])
        assert "results" in reply.json()
    assert browser.get("/api/v1/persons/").status == 200

    # The answer page: read, answer, and unknown links refused as usual although the rate limit's
    # cache (the same Redis) is gone.
    respondent_browser = Browser(base)
    page = respondent_browser.get(f"/a/{answer_token}/")
    assert page.status == 200
    assert 'name="csrfmiddlewaretoken"' in page.text
    saved = respondent_browser.post(f"/a/{answer_token}/", complete_answers(round_, value=7, comment="trots allt"))
    assert saved.status == 302, saved.text[:2000]
    assert "/thanks/" in saved.headers["Location"]
    assert Answer.objects.filter(respondent__round=round_).exists()
    for _attempt in range(3):
        assert respondent_browser.get("/a/not-a-real-link-token/").status == 404

    # Health says 503, with nothing but up/down.
    health = api.get("/healthz")
    assert health.status == 503
    assert health.json() == {"status": "unavailable", "database": "up", "broker": "down"}

    # A scan asked for through the API: 503 with a clear message; the scan row says why.
    reply = api.post("/api/v1/risk-scans/", csrf=False)
    assert reply.status == 503, reply.text[:2000]
    body = reply.json()
    assert body["detail"] == translated(UNQUEUED_API)
    assert reply.headers["Retry-After"]
    scan = RiskScan.objects.get(pk=body["scan"])
    assert scan.status == ScanStatus.FAILED
    assert scan.error.startswith(translated(UNQUEUED).split("%(error)s")[0])
    assert scan.finished_at is not None

    # ... and through the admin's "Scan now": a message, no 500.
    scan_now = reverse("admin:risks_scan_now")
    reply = browser.post(scan_now, {"next": "/admin/risks/riskscan/"})
    assert reply.status == 302, reply.text[:2000]
    listing = browser.get(reply.headers["Location"])
    assert listing.status == 200
    sentence = translated(  # the admin speaks Swedish first
        "The scan could not be started: the task broker is unavailable. It is recorded as failed (%(scan)s).", "sv"
    )
    assert sentence.split("%(scan)s")[0] in listing.text
    assert RiskScan.objects.filter(status=ScanStatus.FAILED).count() == 2
    reasons = {translated(UNQUEUED, language).split("%(error)s")[0] for language in ("en", "sv")}
    for failed in RiskScan.objects.all():  # each row says why, in the language of its request
        assert any(failed.error.startswith(reason) for reason in reasons), failed.error

    # Redis comes back (empty): the same web process queues the next scan and a worker runs it to the end.
    private_redis.start()
    start_worker(processes, env, "w1")
    reply = wait_for(
        lambda: (r := api.post("/api/v1/risk-scans/", csrf=False)).status == 202 and r,
        timeout=30,
        interval=1,
        message="the API to queue a scan again",
    )
    scan = finished(reply.json()["id"])
    assert scan.status == ScanStatus.SUCCEEDED, scan.error
    assert scan.new_count > 0
    assert api.get("/healthz").status == 200
    assert_one_flag_per_finding()


def test_redis_down_with_the_result_backend_on_it_a_scan_request_is_still_a_503(
    transactional_db, isolated_queue, private_redis, processes
):
    """README suggests CELERY_RESULT_BACKEND on the same Redis (for check_worker): queueing a scan must not
    depend on it."""
    risky_portfolio(1)
    user, token = coordinator_with_token()
    env = private_env(isolated_queue, private_redis, results=True)
    base = start_gunicorn(processes, env)
    api = Browser(base, Authorization=f"Token {token}", Accept="application/json")
    browser = Browser(base)
    browser.get("/admin/login/")
    assert browser.post("/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}).status == 302

    private_redis.stop()
    reply = api.post("/api/v1/risk-scans/", csrf=False)
    assert reply.status == 503, reply.text[:300]
    reply = browser.post(reverse("admin:risks_scan_now"), {"next": "/admin/risks/riskscan/"})
    assert reply.status == 302, reply.text[:300]

    private_redis.start()
    start_worker(processes, env, "w1")
    reply = wait_for(
        lambda: (r := api.post("/api/v1/risk-scans/", csrf=False)).status == 202 and r,
        timeout=30,
        interval=1,
        message="the API to queue a scan again",
    )
    assert finished(reply.json()["id"]).status == ScanStatus.SUCCEEDED


# --- a worker killed in the middle of a scan --------------------------------------------------------


def chunked_portfolio(monkeypatch) -> int:
    """A generated portfolio (ops.bench: realistic, with risks) that a scan splits into many
    chunks; returns the number of chunks."""
    bench.grow_to(AGREEMENTS)
    monkeypatch.setenv("RISK_SCAN_CHUNK_SIZE", str(CHUNK_SIZE))
    chunks = len(facts.scan_chunks(CHUNK_SIZE))
    assert chunks >= 10
    return chunks


def kill_in_the_middle(worker: subprocess.Popen, scan_id: int) -> RiskScan:
    """SIGKILL the worker (and its pool) once some but not all chunks are done."""

    def midway():
        scan = RiskScan.objects.filter(pk=scan_id).first()
        if scan and scan.status != ScanStatus.RUNNING:
            pytest.fail(f"the scan ended before the worker could be killed: {scan.status} {scan.error}")
        return scan and scan.chunks_total and 1 <= scan.chunks_done <= scan.chunks_total - 2 and scan

    wait_for(midway, timeout=90, interval=0.02, message="the scan to be halfway")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)
    scan = RiskScan.objects.get(pk=scan_id)
    assert scan.status == ScanStatus.RUNNING
    assert 1 <= scan.chunks_done < scan.chunks_total
    return scan


def kill_holding_a_chunk(processes, env: dict, redis: PrivateRedis) -> tuple[int, RiskScan]:
    """Start a worker and a scan and SIGKILL the worker midway, holding an unacknowledged chunk: (scan id, the
    scan as the kill left it). A kill can also land between kombu taking the next message off the queue and
    recording it as unacknowledged; that message is lost (the next test's case), so such an attempt is
    abandoned, the broker emptied, and the scenario started over."""
    broker = redis_client.Redis.from_url(redis.url(0))
    for _attempt in range(3):
        doomed = start_worker(processes, env, "doomed")
        scan_id = request_scan(env)
        interrupted = kill_in_the_middle(doomed, scan_id)
        if broker.hlen("unacked"):
            return scan_id, interrupted
        broker.flushdb()
        RiskScan.objects.filter(pk=scan_id).update(status=ScanStatus.FAILED, error="test: its chunk was lost")
    pytest.fail("three kills in a row landed while a message was in flight")


def assert_one_flag_per_finding() -> None:
    keys = unresolved_keys()
    assert len(keys) == len(set(keys)), "a finding has more than one unresolved flag"
    assert set(keys) == expected_findings()


def test_a_worker_killed_mid_scan_its_chunk_is_redelivered_and_counted_once(
    transactional_db, isolated_queue, private_redis, processes, monkeypatch
):
    """acks_late: the chunk the killed worker held is still unacknowledged in Redis; once it has been
    invisible longer than the visibility timeout (2 h in production, 2 s here), the next worker restores
    it and the interrupted scan finishes, every chunk counted once."""
    chunks = chunked_portfolio(monkeypatch)
    env = private_env(isolated_queue, private_redis)
    scan_id, interrupted = kill_holding_a_chunk(processes, env, private_redis)
    time.sleep(2.5)  # past the second worker's visibility timeout
    start_worker(processes, {**env, "CELERY_VISIBILITY_TIMEOUT": "2"}, "heir")

    scan = finished(scan_id)
    assert scan.status == ScanStatus.SUCCEEDED, scan.error
    assert scan.chunks_total == chunks
    assert scan.chunks_done == chunks
    indexes = [entry["index"] for entry in scan.workers]
    assert sorted(indexes) == list(range(chunks))  # each chunk counted once
    assert {entry["worker"].split("-")[0] for entry in scan.workers} == {"doomed", "heir"}
    assert scan.chunks_done > interrupted.chunks_done
    assert_one_flag_per_finding()

    following = finished(request_scan(env))
    assert following.status == ScanStatus.SUCCEEDED, following.error
    assert following.new_count == 0
    assert_one_flag_per_finding()


def test_a_worker_killed_mid_scan_with_its_messages_lost_the_next_scan_leaves_one_flag_per_finding(
    transactional_db, isolated_queue, private_redis, processes, monkeypatch
):
    """Worse: the worker dies and Redis restarts empty, so the interrupted scan's chunks are gone for
    good. The scan is expired as lost by the next scheduled run (RISK_SCAN_STALE_AFTER_SECONDS), whose
    own scan leaves exactly one flag per finding."""
    chunked_portfolio(monkeypatch)
    env = private_env(isolated_queue, private_redis)
    doomed = start_worker(processes, env, "doomed")
    scan_id = request_scan(env)
    kill_in_the_middle(doomed, scan_id)
    private_redis.stop()
    private_redis.start()
    time.sleep(1.5)
    heir_env = {**env, "RISK_SCAN_STALE_AFTER_SECONDS": "1"}
    start_worker(processes, heir_env, "heir")
    code = "import django; django.setup()\nfrom risks.tasks import risk_scan_scheduled\nrisk_scan_scheduled.delay()\n"
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**heir_env, "DJANGO_SETTINGS_MODULE": "samverkan_project.settings"},
        check=True,
        timeout=60,
    )
    nightly = wait_for(
        lambda: RiskScan.objects.exclude(pk=scan_id).filter(status__in=ENDED).first(),
        timeout=90,
        message="the scheduled scan to finish",
    )
    assert nightly.status == ScanStatus.SUCCEEDED, nightly.error
    lost = RiskScan.objects.get(pk=scan_id)
    assert lost.status == ScanStatus.FAILED
    lost_reason = "Lost: the scan did not finish in time (stopped worker?)."
    assert lost.error in {translated(lost_reason, language) for language in ("sv", "en")}
    assert_one_flag_per_finding()
    assert not RiskFlag.objects.filter(status=FlagStatus.RESOLVED).exists()
