import os
import socket
from urllib.parse import urlparse

import pytest
from django.test.utils import override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from samverkan_project.celery import app as celery_app
from stakeholders.roles import COORDINATORS, READERS, role_group
from tests.factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Users are made by the thousand in tests: PBKDF2 with one round (its 1,000,000 rounds were most of the
    suite's time). The login, token and privacy code paths are the same."""
    with override_settings(PASSWORD_HASHERS=["tests.hashers.FastPBKDF2PasswordHasher"]):
        yield


def service_reachable(url: str, default_port: int, timeout: float = 2.0) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout):
            return True
    except OSError:
        return False


def require_services() -> None:
    """Integration tests need PostgreSQL and Redis: in CI their absence fails the run, else skips."""
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL does not point at PostgreSQL")
    elif not service_reachable(database_url, 5432):
        problems.append(f"PostgreSQL unreachable at {database_url}")
    if not broker_url.startswith("redis://"):
        problems.append("CELERY_BROKER_URL does not point at Redis")
    elif not service_reachable(broker_url, 6379):
        problems.append(f"Redis unreachable at {broker_url}")
    if problems:
        message = "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and a service is missing: {message}", pytrace=False)
        pytest.skip(f"integration test needs PostgreSQL and Redis: {message}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


def restore_migrated_database() -> None:
    """Empty the database and load the run's serialized copy of it as migrated (content types, permissions,
    role groups, instruments, beat schedules, with their original ids), for a module of transactional tests to
    leave behind what it found: a flush may have emptied it, or re-created part of it under new ids."""
    from django.core.management import call_command
    from django.db import connection

    serialized = getattr(connection, "_test_serialized_contents", None)
    if serialized:
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(serialized)


@pytest.fixture(autouse=True)
def _shipped_data(request):
    """A transactional test starts from what migrate ships (content types, permissions, role groups,
    instruments) even when an earlier flush left the database empty: from the serialized copy of the
    migrated database when the run made one, else by emitting post_migrate."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        from django.contrib.auth.models import Group, Permission
        from django.contrib.contenttypes.models import ContentType
        from django.core.management.sql import emit_post_migrate_signal
        from django.db import connection

        from assessments.models import Instrument

        if not (Permission.objects.exists() and Group.objects.exists() and Instrument.objects.exists()):
            serialized = getattr(connection, "_test_serialized_contents", None)
            if serialized and not ContentType.objects.exists():
                connection.creation.deserialize_db_from_string(serialized)
            else:
                ContentType.objects.clear_cache()
                emit_post_migrate_signal(0, False, "default")
            ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the default language (Swedish); a language a test or a command activated
    doesn't leak into the next test."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Unit tests run tasks in-process; integration tests use a real worker."""
    eager = "integration" not in request.keywords
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def coordinator(db):
    user = UserFactory(username="samordnare", is_staff=True)
    user.groups.add(role_group(COORDINATORS))
    return user


@pytest.fixture
def reader(db):
    user = UserFactory(username="lasare", is_staff=True)
    user.groups.add(role_group(READERS))
    return user


@pytest.fixture
def no_perm_user(db):
    return UserFactory(username="utan-behorighet")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def client_as(api_client):
    """Authenticate the API client as a user; English, so the tests read stable messages."""

    def login(user):
        api_client.force_authenticate(user)
        api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return api_client

    return login


@pytest.fixture
def coordinator_api(client_as, coordinator):
    return client_as(coordinator)


@pytest.fixture
def reader_api(client_as, reader):
    return client_as(reader)


@pytest.fixture
def today():
    return timezone.localdate()
