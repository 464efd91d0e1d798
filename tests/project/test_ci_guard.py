import pytest
from _pytest.outcomes import Failed, Skipped

from tests.conftest import require_services

UNREACHABLE = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}


def test_missing_services_fail_when_ci_is_set(monkeypatch):
    for name, value in UNREACHABLE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="CI is set and a service is missing: PostgreSQL unreachable"):
        require_services()


def test_missing_services_skip_outside_ci(monkeypatch):
    for name, value in UNREACHABLE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match="Redis unreachable"):
        require_services()
