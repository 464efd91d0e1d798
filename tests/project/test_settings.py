"""Settings come from the environment: load the settings module afresh under a given environment."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "samverkan_project" / "settings.py"
ENV_NAMES = [
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "VAR_DIR",
    "DB_JIT_OFF",
]


def load_settings(monkeypatch, **env):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "settings_under_test", module)
    spec.loader.exec_module(module)
    return module


def test_embedded_defaults(monkeypatch, tmp_path):
    s = load_settings(monkeypatch, VAR_DIR=str(tmp_path))
    assert s.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s.DATABASES["default"]["NAME"] == str(tmp_path / "samverkan.sqlite3")
    assert s.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in s.DATABASES["default"]["OPTIONS"]["init_command"]
    assert s.CELERY_BROKER_URL == "filesystem://"
    assert s.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"] == str(tmp_path / "celery" / "queue")
    assert s.DEBUG is False
    assert s.LANGUAGE_CODE == "sv"
    assert [code for code, _ in s.LANGUAGES] == ["sv", "en"]
    assert s.TIME_ZONE == "Europe/Stockholm"
    assert s.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_production_values_from_environment(monkeypatch):
    s = load_settings(
        monkeypatch,
        DATABASE_URL="postgres://app:secret@db.example:5433/samverkan",
        CELERY_BROKER_URL="redis://cache.example:6380/2",
        SECRET_KEY="a-real-secret",
        DEBUG="false",
        ALLOWED_HOSTS="samverkan.example.se, api.example.se",
        SITE_URL="https://samverkan.example.se/",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="smtp.example.se",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="noreply@example.se",
    )
    db = s.DATABASES["default"]
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"]) == (
        "django.db.backends.postgresql",
        "db.example",
        5433,
        "samverkan",
    )
    assert s.CELERY_BROKER_URL == "redis://cache.example:6380/2"
    assert s.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > s.CELERY_MAX_RETRY_DELAY
    assert s.SECRET_KEY == "a-real-secret"
    assert s.ALLOWED_HOSTS == ["samverkan.example.se", "api.example.se"]
    assert s.SITE_URL == "https://samverkan.example.se"
    assert (s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS) == ("smtp.example.se", 587, True)
    assert s.DEFAULT_FROM_EMAIL == "noreply@example.se"


def test_bad_boolean_is_refused_with_a_clear_message(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be a boolean"):
        load_settings(monkeypatch, DEBUG="maybe")


def test_bad_integer_is_refused_with_a_clear_message(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be an integer"):
        load_settings(monkeypatch, EMAIL_PORT="smtp")


def test_postgresql_connections_run_without_jit_unless_asked(monkeypatch, tmp_path):
    url = "postgres://app@db.example:5432/samverkan"
    s = load_settings(monkeypatch, VAR_DIR=str(tmp_path), DATABASE_URL=url)
    assert s.DATABASES["default"]["OPTIONS"]["options"] == "-c jit=off"
    s = load_settings(monkeypatch, VAR_DIR=str(tmp_path), DATABASE_URL=url, DB_JIT_OFF="0")
    assert "options" not in s.DATABASES["default"].get("OPTIONS", {})
    s = load_settings(monkeypatch, VAR_DIR=str(tmp_path))  # SQLite: nothing to turn off
    assert "options" not in s.DATABASES["default"]["OPTIONS"]


@pytest.mark.django_db
def test_the_test_database_connection_has_jit_off():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
