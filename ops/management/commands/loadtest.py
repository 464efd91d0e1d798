"""Load test (``make loadtest``; README, "Load test"): gunicorn on PostgreSQL with the benchmark portfolio.

1. Makes sure the portfolio exists: at least ``--agreements`` agreements from the benchmark's generator
   (ops.bench), an open assessment round with ``--respondents`` respondents (their answer links),
   and a reading account with an API token. Generating data is refused unless the database's name
   contains "bench" (or ``--force``).
2. Collects the static files and starts gunicorn on a free loopback port with the production settings
   (DEBUG off; a random SECRET_KEY; no HTTPS redirect, the client speaks plain HTTP to 127.0.0.1;
   persistent database connections) and ``LOADTEST_ENDPOINTS`` on. ``--url`` uses a running server
   instead (loopback only; it must serve this database).
3. Runs locust (ops/locustfile.py) headless, one run per phase. Phase "mix": ``--clients`` concurrent
   users, spread evenly over the agreements list (page 1), an
   agreement's detail (random ids), the organisations, persons and risks lists and the answer page
   (random links), for ``--duration`` seconds. Phase "ratio": all clients on the agreements list, then
   all on the endpoint that returns the same page built by one query (ops.floor), ``--ratio-duration``
   seconds each.
4. Prints per endpoint: requests, errors, requests per second, p50/p95/p99 latency (ms), and the ratio of
   the list's throughput to the one-query endpoint's. Fails (exit code 1) on any error.

Every phase is bounded by its duration (locust's ``--run-time``, then at most 10 s for answers in flight).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from agreements.choices import AgreementStatus
from agreements.models import Agreement
from assessments.choices import RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN
from assessments.models import AssessmentRound, Instrument, Respondent
from assessments.tokens import new_nonce, token_digest, token_for
from ops import bench, loadtest
from stakeholders.models import Person
from stakeholders.roles import READERS, role_group

USERNAME = "loadtest"
ROUND_MARK = "loadtest"  # the agreements of the load test's rounds are found by this reference prefix


class Command(BaseCommand):
    help = "Load test: gunicorn on this database with the benchmark portfolio; prints throughput and latencies."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
        parser.add_argument("--duration", type=float, default=60, help="seconds of the mixed phase (default 60)")
        parser.add_argument(
            "--ratio-duration", type=float, default=20, help="seconds of each ratio phase (default 20; 0 skips)"
        )
        parser.add_argument("--agreements", type=int, default=5000, help="portfolio size (default 5,000)")
        parser.add_argument("--respondents", type=int, default=200, help="answer links (default 200)")
        parser.add_argument(
            "--workers", type=int, default=0, help="gunicorn worker processes (default WEB_CONCURRENCY or 2 × cores)"
        )
        parser.add_argument("--url", default="", help="a running server on loopback instead of starting gunicorn")
        parser.add_argument("--force", action="store_true", help="generate data although the database is no bench")

    def handle(self, *args, **options):
        if options["clients"] < 1 or options["duration"] <= 0:
            raise CommandError("--clients must be at least 1 and --duration positive.")
        if options["url"]:
            loadtest.require_loopback(options["url"])
            key = settings.SECRET_KEY  # the running server's, presumably: the answer links are signed with it
        elif connection.vendor != "postgresql":
            raise CommandError("The load test runs on PostgreSQL (DATABASE_URL=postgres://…).")
        else:
            key = settings.SECRET_KEY
            if key.startswith("django-insecure") or len(key) < 50:
                key = secrets.token_urlsafe(64)  # the production settings refuse the embedded default
        with override_settings(SECRET_KEY=key):
            token, answer_tokens, agreement_ids = self.prepare(options)
        self.stdout.write(
            f"Portfolio: {len(agreement_ids)} agreements, {len(answer_tokens)} answer links; "
            f"{options['clients']} clients"
        )
        if options["url"]:
            self.measure(options["url"], token, answer_tokens, agreement_ids, options)
            return
        process, base_url = self.start_gunicorn(options, key)
        try:
            self.measure(base_url, token, answer_tokens, agreement_ids, options)
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # --- data --------------------------------------------------------------------------------------

    def prepare(self, options) -> tuple[str, list[str], list[int]]:
        existing = Agreement.objects.count()
        if existing < options["agreements"]:
            if "bench" not in str(connection.settings_dict["NAME"]) and not options["force"]:
                raise CommandError(
                    f"The database {connection.settings_dict['NAME']!r} holds {existing} agreements and its name "
                    "lacks 'bench': refusing to generate a portfolio in it (use the benchmark database, "
                    "make loadtest, or --force)."
                )
            started = time.monotonic()
            added = bench.grow_to(options["agreements"])
            self.stdout.write(f"Generated {added} agreements in {time.monotonic() - started:.0f} s")
        token = self.reader_token()
        answer_tokens = self.answer_links(options["respondents"])
        agreement_ids = list(Agreement.objects.values_list("id", flat=True))
        return token, answer_tokens, agreement_ids

    def reader_token(self) -> str:
        """A reading account (the Readers group: every view permission) and its token."""
        user, _created = User.objects.get_or_create(username=USERNAME, defaults={"is_staff": True})
        user.groups.add(role_group(READERS))
        return Token.objects.get_or_create(user=user)[0].key

    @transaction.atomic
    def answer_links(self, count: int) -> list[str]:
        """An open round of the load test with ``count`` respondents; their tokens (made anew each run:
        only the digests are stored)."""
        if count <= 0:
            return []
        today = timezone.localdate()
        agreement = Agreement.objects.filter(status=AgreementStatus.ACTIVE).order_by("id").first()
        if agreement is None:
            raise CommandError("The portfolio has no active agreement to assess.")
        AssessmentRound.objects.filter(agreement=agreement, status=RoundStatus.OPEN).delete()
        round_ = AssessmentRound.objects.create(
            agreement=agreement,
            instrument=Instrument.objects.get(code=SAMVERKANSMODELLEN, version=1),
            opens_on=today - dt.timedelta(days=1),
            closes_on=today + dt.timedelta(days=30),
            status=RoundStatus.OPEN,
            opened_at=timezone.now(),
        )
        people = list(Person.objects.filter(left_on__isnull=True).order_by("id")[:count])
        tokens, respondents = [], []
        for person in people:
            nonce = new_nonce()
            tokens.append(token_for(nonce))
            digest = token_digest(tokens[-1])
            respondents.append(Respondent(round=round_, person=person, nonce=nonce, token_digest=digest, language="sv"))
        Respondent.objects.bulk_create(respondents)
        return tokens

    # --- the server --------------------------------------------------------------------------------

    def server_env(self, port: int, key: str, static_root: Path) -> dict[str, str]:
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        database_url = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "samverkan_project.settings_production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback (behind the proxy in production)
            "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
            "STATIC_ROOT": str(static_root),
            "LOADTEST_ENDPOINTS": "true",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def start_gunicorn(self, options, key: str) -> tuple[subprocess.Popen, str]:
        port = loadtest.free_port()
        folder = Path(settings.VAR_DIR) / "loadtest"
        folder.mkdir(parents=True, exist_ok=True)
        env = self.server_env(port, key, folder / "static")
        # The production settings serve static files (the answer page's) from collectstatic's manifest.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
        workers = options["workers"] or int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
        log = folder / "gunicorn.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "samverkan_project.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--timeout=60",
                "--backlog=2048",
                f"--error-logfile={log}",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise CommandError(f"gunicorn exited ({process.returncode}); see {log}")
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=5).close()  # noqa: S310 (loopback, ours)
                break
            except urllib.error.HTTPError:
                break  # it answers (503: the broker of this environment is not needed here)
            except OSError:
                if time.monotonic() > deadline:
                    process.kill()
                    raise CommandError(f"gunicorn did not answer within 60 s; see {log}") from None
                time.sleep(0.2)
        self.stdout.write(f"gunicorn: {workers} workers at {url} (production settings, DEBUG off; log {log})")
        return process, url

    # --- the measurement ---------------------------------------------------------------------------

    def measure(self, base_url, token, answer_tokens, agreement_ids, options) -> None:
        folder = Path(tempfile.mkdtemp(prefix="samverkan-locust-"))
        data = folder / "data.json"
        data.write_text(json.dumps({"agreement_ids": agreement_ids, "answer_tokens": answer_tokens}), "utf-8")
        env = {**os.environ, "LOADTEST_TOKEN": token, "LOADTEST_DATA": str(data)}
        clients = options["clients"]

        def run(user_class: str, seconds: float, users: int = clients):
            return loadtest.run_locust(
                base_url, user_class, clients=users, seconds=round(seconds), folder=folder, env=env
            )

        # Warm up: every endpoint a few times, so no phase times the first imports and connections; an
        # endpoint that fails here fails the run at once.
        warm = {**run("MixUser", 3, min(clients, 6)), **run("OneQueryUser", 1, 1)}
        if any(stats.errors for stats in warm.values()):
            self.report([("warmup", stats) for stats in warm.values()], None)

        self.stdout.write(f"Phase mix: locust, {clients} users, {options['duration']:g} s")
        results = [("mix", stats) for stats in run("MixUser", options["duration"]).values()]
        ratio = None
        if options["ratio_duration"] > 0:
            self.stdout.write(
                f"Phase ratio: the list, then the one-query endpoint, {options['ratio_duration']:g} s each"
            )
            alone = run("ListUser", options["ratio_duration"])
            base = run("OneQueryUser", options["ratio_duration"])
            results += [("ratio", stats) for stats in (*alone.values(), *base.values())]
            listed, one_query = alone.get("agreements list"), base.get("one-query agreements page")
            if listed and one_query and one_query.per_second:
                ratio = listed.per_second / one_query.per_second
        self.report(results, ratio)

    def report(self, results, ratio) -> None:
        self.stdout.write(
            f"{'phase':<6} {'endpoint':<25} {'requests':>9} {'errors':>7} {'req/s':>8} "
            f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        )
        total_requests = total_errors = 0
        total_rate = 0.0
        for phase, stats in results:
            self.stdout.write(
                f"{phase:<6} {stats.name:<25} {stats.requests:>9} {stats.errors:>7} {stats.per_second:>8.1f} "
                f"{stats.p50:>8.0f} {stats.p95:>8.0f} {stats.p99:>8.0f}"
            )
            total_requests += stats.requests
            total_errors += stats.errors
            if phase == "mix":
                total_rate += stats.per_second
        self.stdout.write(f"Mix, all endpoints: {total_rate:.1f} req/s")
        if ratio is not None:
            self.stdout.write(
                f"Ratio (agreements list req/s) / (one-query endpoint req/s, the same page): {ratio:.2f} "
                f"(the list is {1 / ratio:.1f}x slower)"
                if ratio
                else "Ratio: the list answered nothing"
            )
        self.stdout.write(f"Requests: {total_requests}, errors: {total_errors}")
        if total_errors:
            for phase, stats in results:
                for sample in stats.error_samples:
                    self.stderr.write(f"  {phase} {stats.name}: {sample}")
            raise CommandError(f"{total_errors} requests failed.")
