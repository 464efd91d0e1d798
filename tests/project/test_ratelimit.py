"""The failure limiter behind the answer links' and the API tokens' limits (samverkan_project/ratelimit.py),
and the cache it counts in (samverkan_project/cache.py)."""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from assessments.views import link_guesses
from integrations.authentication import bad_tokens
from samverkan_project.ratelimit import FailureLimiter, fallback_cache

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


pytestmark = pytest.mark.django_db  # the default cache is a table in the database


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    fallback_cache.clear()
    yield
    cache.clear()
    fallback_cache.clear()


@pytest.fixture
def limiter():
    return FailureLimiter(
        "test:failures", limit_setting="TEST_FAILURE_LIMIT", window_setting="TEST_FAILURE_WINDOW", limit_default=3
    )


def test_a_client_is_blocked_once_it_reaches_the_limit(limiter):
    for _ in range(2):
        limiter.failed("192.0.2.1")
    assert not limiter.blocked("192.0.2.1")
    limiter.failed("192.0.2.1")
    assert limiter.blocked("192.0.2.1")
    assert not limiter.blocked("192.0.2.2")  # counted per client


def test_counts_are_kept_under_the_prefix_and_expire_with_the_window(limiter, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}}
    settings.TEST_FAILURE_WINDOW = 60
    now = 1_000_000.0
    monkeypatch.setattr(time, "time", lambda: now)  # the clock of the local-memory cache's expiry
    limiter.failed("192.0.2.1")
    assert cache.get("test:failures:192.0.2.1") == 1
    now += 59
    limiter.failed("192.0.2.1")  # later failures do not move the window's end
    assert cache.get("test:failures:192.0.2.1") == 2
    now += 2
    assert cache.get("test:failures:192.0.2.1") is None
    limiter.failed("192.0.2.1")  # a new window starts with the next failure
    assert cache.get("test:failures:192.0.2.1") == 1


def test_limit_and_window_come_from_settings_with_defaults(limiter, settings):
    assert (limiter.limit, limiter.window) == (3, 600)
    settings.TEST_FAILURE_LIMIT = 1
    settings.TEST_FAILURE_WINDOW = 30
    assert (limiter.limit, limiter.window) == (1, 30)
    limiter.failed("192.0.2.1")
    assert limiter.blocked("192.0.2.1")


def test_a_count_that_expires_between_add_and_incr_starts_again(limiter, monkeypatch):
    limiter.failed("192.0.2.1")

    def expired(key, delta=1, version=None):
        cache.delete(key)
        raise ValueError(key)

    monkeypatch.setattr(cache, "incr", expired)
    limiter.failed("192.0.2.1")
    assert cache.get("test:failures:192.0.2.1") == 1


def test_an_unreachable_cache_falls_back_to_a_count_in_this_process(limiter, settings, caplog):
    settings.CACHES = UNREACHABLE_CACHE
    with caplog.at_level(logging.WARNING, logger="samverkan_project.ratelimit"):
        for _ in range(2):
            limiter.failed("192.0.2.1")
        assert not limiter.blocked("192.0.2.1")
        limiter.failed("192.0.2.1")
        assert limiter.blocked("192.0.2.1")  # limited, not waved through
        assert not limiter.blocked("192.0.2.2")
    unavailable = "the failure limit: the shared cache cannot be reached; counting in this process only"
    assert {record.getMessage() for record in caplog.records} == {unavailable}


# --- the shared cache -------------------------------------------------------------------------------


def test_the_default_cache_is_a_table_in_the_database(limiter):
    assert django_settings.CACHES["default"]["BACKEND"] == "samverkan_project.cache.DatabaseCache"
    limiter.failed("192.0.2.1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM samverkan_cache")
        assert [key for (key,) in cursor.fetchall()] == [":1:test:failures:192.0.2.1"]


def test_counting_in_the_database_keeps_the_window(limiter, settings):
    settings.TEST_FAILURE_WINDOW = 60
    limiter.failed("192.0.2.1")

    def expires():
        with connection.cursor() as cursor:
            cursor.execute("SELECT expires FROM samverkan_cache")
            return cursor.fetchone()[0]

    first = expires()
    time.sleep(1.1)
    limiter.failed("192.0.2.1")
    limiter.failed("192.0.2.1")
    assert cache.get("test:failures:192.0.2.1") == 3
    assert expires() == first  # Django's own incr would restart the expiry with its default of 300 s
    with pytest.raises(ValueError, match="not found"):
        cache.incr("test:failures:nobody")


TOKEN_GUESSES = """
import sys

import django

django.setup()
from django.test import Client

client = Client(HTTP_AUTHORIZATION="Token svk_not-a-real-key", REMOTE_ADDR="192.0.2.77")
print(" ".join(str(client.get("/api/v1/organizations/").status_code) for _ in range(int(sys.argv[1]))))
"""


@pytest.mark.django_db(transaction=True)
def test_the_bad_token_limit_is_shared_by_processes_and_a_valid_token_still_gets_in(api_client, settings):
    """Two web processes guessing: together they reach the limit once, not once each (issue 13, item 9)."""
    from integrations.services import api_token_create
    from stakeholders.roles import READERS, role_group
    from tests.factories import UserFactory

    if connection.vendor != "postgresql":
        pytest.skip("the other processes need a database they can reach (the PostgreSQL test database)")
    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="samverkan_project.settings",
        DATABASE_URL=(
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        ),
        API_TOKEN_FAILURE_LIMIT="10",
    )
    settings.API_TOKEN_FAILURE_LIMIT = 10
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", TOKEN_GUESSES, "5"],
            env=env,
            cwd=django_settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert out.split() == ["401"] * 5, err
    # A third process (this one) sees the ten failures of the other two.
    api_client.credentials(HTTP_AUTHORIZATION="Token svk_yet-another-guess", HTTP_ACCEPT_LANGUAGE="en")
    assert api_client.get("/api/v1/organizations/", REMOTE_ADDR="192.0.2.77").status_code == 429
    # A valid token from the same address is still accepted.
    account = UserFactory(username="e-tjanst", password=None, is_staff=False)
    account.set_unusable_password()
    account.save()
    account.groups.add(role_group(READERS))
    _token, key = api_token_create(user=account, name="BI", by=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert api_client.get("/api/v1/organizations/", REMOTE_ADDR="192.0.2.77").status_code == 200


@pytest.mark.parametrize(
    ("used", "prefix", "limit_setting", "window_setting"),
    [
        (link_guesses, "assessments:bad-links", "ASSESSMENT_LINK_RATE_LIMIT", "ASSESSMENT_LINK_RATE_WINDOW"),
        (bad_tokens, "api:bad-tokens", "API_TOKEN_FAILURE_LIMIT", "API_TOKEN_FAILURE_WINDOW"),
    ],
)
def test_the_two_limits_keep_their_keys_and_settings(used, prefix, limit_setting, window_setting, settings):
    assert used.key("192.0.2.1") == f"{prefix}:192.0.2.1"
    setattr(settings, limit_setting, 2)
    setattr(settings, window_setting, 120)
    assert (used.limit, used.window) == (2, 120)
    used.failed("192.0.2.1")
    used.failed("192.0.2.1")
    assert used.blocked("192.0.2.1")
