"""Real services: PostgreSQL, Redis and Celery worker processes started by the tests."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from samverkan_project.celery import app as celery_app
from tests.conftest import require_services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def integration_services():
    require_services()


@pytest.fixture
def isolated_queue(integration_services):
    """A queue of this test's own, so a stale message from another run can never be picked up."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    yield queue
    celery_app.conf.task_default_queue = previous


@pytest.fixture
def start_worker(transactional_db, isolated_queue):
    """Start real `celery worker` processes on the test database and this test's queue."""
    processes = []

    def start(name: str = "w1", concurrency: int = 1) -> subprocess.Popen:
        # A file, not a pipe: a chatty worker must never block on a full pipe buffer.
        log = tempfile.NamedTemporaryFile("w+", prefix=f"celery-{name}-", suffix=".log", delete=False)  # noqa: SIM115
        env = subprocess_env(isolated_queue)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "samverkan_project",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                f"--hostname={name}-{isolated_queue}@%h",
                "-Q",
                isolated_queue,
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.log_path = log.name
        processes.append(process)
        wait_until_ready(f"{name}-{isolated_queue}", process)
        return process

    yield start
    stop_all(processes)


def stop_all(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def subprocess_env(isolated_queue: str) -> dict:
    """The environment of a Celery process on the test database and this test's queue."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_DEFAULT_QUEUE": isolated_queue,
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def start_beat(transactional_db, isolated_queue):
    """Start a real `celery beat` with the database scheduler, sending to this test's queue."""
    processes = []

    def start() -> subprocess.Popen:
        log = tempfile.NamedTemporaryFile("w+", prefix="celery-beat-", suffix=".log", delete=False)  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "samverkan_project",
                "beat",
                "--loglevel=INFO",
                "--pidfile=",
                "--max-interval=1",
            ],
            cwd=ROOT,
            env=subprocess_env(isolated_queue),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.log_path = log.name
        processes.append(process)
        return process

    yield start
    stop_all(processes)


def wait_for(condition, timeout: float = 60, interval: float = 0.3, message: str = "condition"):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


def wait_until_ready(prefix: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited early:\n{worker_log(process)}")
        replies = celery_app.control.ping(timeout=1.0)
        if any(name.startswith(prefix) for reply in replies for name in reply):
            return
    process.kill()
    pytest.fail(f"worker {prefix} did not answer a ping within {timeout}s:\n{worker_log(process)}")


def worker_log(process: subprocess.Popen) -> str:
    return Path(process.log_path).read_text()[-5000:]
