"""The failure limiter behind the answer links' and the API tokens' limits (samverkan_project/ratelimit.py)."""

import logging
import time

import pytest
from django.core.cache import cache

from assessments.views import link_guesses
from integrations.authentication import bad_tokens
from samverkan_project.ratelimit import FailureLimiter

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


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


def test_an_unreachable_cache_blocks_nobody_and_is_logged(limiter, settings, caplog):
    settings.CACHES = UNREACHABLE_CACHE
    with caplog.at_level(logging.WARNING, logger="samverkan_project.ratelimit"):
        limiter.failed("192.0.2.1")
        assert not limiter.blocked("192.0.2.1")
    unavailable = "the failure limit is unavailable: the cache cannot be reached"
    assert [record.getMessage() for record in caplog.records] == [unavailable] * 2


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
