"""Limits on failures per client: after ``limit`` failures within ``window`` seconds, a client is refused until
the window ends. Used for guessed answer links (assessments.views, the answer page), unknown API tokens
(integrations.authentication) and password spraying (samverkan_project.access).

Our own rather than DRF's throttles, which count every request: here only failures count, so a client using
good links or tokens is never slowed down. The counts live in Django's cache, shared by every process: the
database cache by default, Redis with CACHE_URL (settings). When that cache cannot be reached (Redis down),
the counts fall back to this process's memory, with a warning: each process then limits on its own, which is
looser, but never no limit at all.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

# Where counts go while the shared cache is unreachable: this process's memory.
fallback_cache = LocMemCache("samverkan-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


class FailureLimiter:
    """Failures counted per client under ``<prefix>:<client>``; limit and window read from settings on each
    call (so tests and deployments may change them), with defaults when a setting is absent."""

    def __init__(
        self,
        prefix: str,
        *,
        limit_setting: str,
        window_setting: str,
        limit_default: int = 20,
        window_default: int = 600,
        description: str = "the failure limit",
    ):
        self.prefix = prefix
        self.limit_setting = limit_setting
        self.window_setting = window_setting
        self.limit_default = limit_default
        self.window_default = window_default
        self.description = description  # named in the warning when the cache cannot be reached

    @property
    def limit(self) -> int:
        return getattr(settings, self.limit_setting, self.limit_default)

    @property
    def window(self) -> int:
        """Seconds from a client's first failure until its count starts again (also the 429's Retry-After)."""
        return getattr(settings, self.window_setting, self.window_default)

    def key(self, client: str) -> str:
        return f"{self.prefix}:{client}"

    def count(self, client: str) -> int:
        """This client's failures in its current window."""
        try:
            return cache.get(self.key(client)) or 0
        except Exception:
            self._unavailable()
            return fallback_cache.get(self.key(client)) or 0

    def blocked(self, client: str) -> bool:
        """Whether this client has reached the limit in its current window."""
        return self.count(client) >= self.limit

    def failed(self, client: str) -> None:
        """Count one failure for this client; the window starts with its first failure."""
        try:
            self._count_in(cache, client)
        except Exception:
            self._unavailable()
            self._count_in(fallback_cache, client)

    def _count_in(self, store, client: str) -> None:
        key, window = self.key(client), self.window
        if not store.add(key, 1, timeout=window):
            try:
                store.incr(key)
            except ValueError:  # expired between add and incr
                store.add(key, 1, timeout=window)

    def _unavailable(self) -> None:
        logger.warning(
            "%s: the shared cache cannot be reached; counting in this process only", self.description, exc_info=True
        )
