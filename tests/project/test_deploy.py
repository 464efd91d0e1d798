"""Deployment safety: the production settings pass `check --deploy`, refuse weak secrets, and the
Procfile's web line (gunicorn + whitenoise) serves the collected static files and the health check.

Everything runs in subprocesses with a clean environment: the production settings are read once per
process, and the test process itself runs on the embedded settings."""

import http.client
import importlib.util
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_SETTINGS = ROOT / "samverkan_project" / "settings_production.py"
HOST = "samverkan.example.se"
STRONG_KEY = secrets.token_urlsafe(64)
# Only these pass through from the outer environment; CI's DATABASE_URL, broker and the like must not.
PASSED_THROUGH = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="samverkan_project.settings_production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(m.groups() for line in lines if (m := re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)))


def load_production_settings(monkeypatch, **env: str | None):
    """Run settings_production.py afresh under `env` (the base settings it imports stay the test's own)."""
    for name, value in {"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": HOST, "SITE_URL": f"https://{HOST}", **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("production_settings_under_test", PRODUCTION_SETTINGS)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "production_settings_under_test", module)
    spec.loader.exec_module(module)
    return module


# --- check --deploy --------------------------------------------------------------------------------


def test_check_deploy_reports_nothing_even_with_debug_in_the_environment(tmp_path):
    result = manage(production_env(tmp_path, DEBUG="true"), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "ERRORS" not in output
    assert "System check identified no issues" in output


def test_debug_in_the_environment_does_not_turn_debug_on(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG, settings.STORAGES['staticfiles']['BACKEND'])"
    result = manage(production_env(tmp_path, DEBUG="true"), "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "whitenoise.storage.CompressedManifestStaticFilesStorage"]


def test_missing_secret_key_stops_manage_py_with_a_clear_message(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY=None), "check", "--deploy")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment for production" in result.stderr


# --- required settings (in-process: only the production module's own checks) -----------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "SECRET_KEY must be set in the environment"),
        ("", "SECRET_KEY must be set in the environment"),
        ("short-but-random-Xy7", "SECRET_KEY is too weak: use at least 50"),
        ("a" * 80, "SECRET_KEY is too weak"),
        ("django-insecure-samverkan-embedded-default-key-0123456789", "insecure development default"),
        ("django-insecure-" + secrets.token_urlsafe(64), "insecure development default"),
    ],
)
def test_missing_weak_or_default_secret_key_is_refused(monkeypatch, key, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_production_settings(monkeypatch, SECRET_KEY=key)


@pytest.mark.parametrize("hosts", [None, "", " , "])
def test_allowed_hosts_are_required(monkeypatch, hosts):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS must be set"):
        load_production_settings(monkeypatch, ALLOWED_HOSTS=hosts)


def test_site_url_is_required(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be set"):
        load_production_settings(monkeypatch, SITE_URL=None)


def test_hardened_defaults_and_their_overrides(monkeypatch):
    s = load_production_settings(monkeypatch, DEBUG="true", ALLOWED_HOSTS=f"{HOST}, api.example.se")
    assert s.DEBUG is False
    assert s.ALLOWED_HOSTS == [HOST, "api.example.se"]
    assert (s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT) == (True, True, True)
    assert (s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD) == (31536000, True, True)
    assert s.X_FRAME_OPTIONS == "DENY"
    assert s.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert s.LOGGING["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in s.MIDDLEWARE

    s = load_production_settings(
        monkeypatch, SECURE_HSTS_SECONDS="3600", SECURE_HSTS_INCLUDE_SUBDOMAINS="false", SECURE_HSTS_PRELOAD="false"
    )
    assert (s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD) == (3600, False, False)


# --- Procfile ---------------------------------------------------------------------------------------


def test_procfile_runs_every_process_on_the_production_settings():
    processes = procfile()
    assert set(processes) == {"release", "web", "worker", "beat"}
    selects_production = "DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-samverkan_project.settings_production} "
    for command in processes.values():
        assert command.startswith(selects_production)
    assert " gunicorn samverkan_project.wsgi " in processes["web"]
    assert " celery -A samverkan_project worker " in processes["worker"]
    assert " celery -A samverkan_project beat " in processes["beat"]
    assert "manage.py migrate --noinput" in processes["release"]


# --- collectstatic, then the Procfile's web line: gunicorn serving static files and /healthz ----------


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": HOST, **headers})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture
def gunicorn_web(tmp_path):
    """The release step, collectstatic, and the Procfile's web process on a loopback port; stopped afterwards."""
    env = production_env(tmp_path, WEB_CONCURRENCY="1", PORT=str(free_loopback_port()))
    processes = procfile()
    release = subprocess.run(
        ["sh", "-c", processes["release"]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert release.returncode == 0, release.stderr
    collected = manage(env, "collectstatic", "--noinput", timeout=180)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    web = processes["web"].replace("--bind 0.0.0.0:", "--bind 127.0.0.1:")
    assert web != processes["web"]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            ["sh", "-c", web], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    port = int(env["PORT"])
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            try:
                get(port, "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, f"gunicorn did not answer within 30 s:\n{log.read_text()}"
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the session started above: sh and gunicorn with its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)


def test_gunicorn_serves_static_files_and_the_health_check(gunicorn_web):
    port = gunicorn_web
    https = {"X-Forwarded-Proto": "https"}  # from 127.0.0.1, a trusted proxy (FORWARDED_ALLOW_IPS)

    status, headers, body = get(port, "/static/admin/css/base.css", **https)
    assert status == 200, body[:500]
    assert headers["content-type"].startswith("text/css")
    assert b"body" in body

    # The hashed name from the manifest is cached for good, and served compressed on request.
    status, _, page = get(port, "/admin/login/", **https)
    assert status == 200
    hashed = re.search(rb"/static/(admin/css/base\.[0-9a-f]{12}\.css)", page).group(1).decode()
    status, headers, _ = get(port, f"/static/{hashed}", **https, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("content-encoding") == "gzip"
    assert "max-age=315360000" in headers["cache-control"]

    # HTTPS only: plain HTTP is redirected, HTTPS answers carry HSTS and secure cookies.
    status, headers, _ = get(port, "/admin/login/")
    assert status == 301
    assert headers["location"] == f"https://{HOST}/admin/login/"
    status, headers, _ = get(port, "/admin/login/", **https)
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert "secure" in headers["set-cookie"].lower()
    # The Content-Security-Policy (issue 13, item 7), and the API docs' viewers served from the collected files.
    policy = dict(directive.strip().split(" ", 1) for directive in headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'"  # the directives come in any order
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    for viewer in ("swagger-ui-dist/swagger-ui-bundle.js", "redoc/bundles/redoc.standalone.js"):
        status, headers, _ = get(port, f"/static/drf_spectacular_sidecar/{viewer}", **https)
        assert (status, headers["content-type"].split(";")[0]) == (200, "text/javascript"), viewer

    # The load balancer's probe: plain HTTP is not redirected.
    status, _, body = get(port, "/healthz")
    assert (status, body) == (200, b'{"status": "ok", "database": "up", "broker": "up"}')

    # A host outside ALLOWED_HOSTS is refused.
    status, _, _ = get(port, "/healthz", Host="evil.example")
    assert status == 400
