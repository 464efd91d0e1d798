"""Limits on failures per client: after ``limit`` failures within ``window`` seconds, a client is refused until
the window ends. Used for guessed answer links (assessments.views, the answer page) and unknown API tokens
(integrations.authentication).

Our own rather than DRF's throttles, which count every request: here only failures count, so a client using
good links or tokens is never slowed down. The counts live in Django's cache (CACHES; the default is
per-process local memory, so with several web processes each counts on its own). A cache that cannot be
reached (Redis down) blocks nobody: the request goes on, and a warning is logged.
"""

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


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

    def blocked(self, client: str) -> bool:
        """Whether this client has reached the limit in its current window."""
        try:
            return (cache.get(self.key(client)) or 0) >= self.limit
        except Exception:
            self._unavailable()
            return False

    def failed(self, client: str) -> None:
        """Count one failure for this client; the window starts with its first failure."""
        key, window = self.key(client), self.window
        try:
            if not cache.add(key, 1, timeout=window):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, timeout=window)
        except Exception:
            self._unavailable()

    def _unavailable(self) -> None:
        logger.warning("%s is unavailable: the cache cannot be reached", self.description, exc_info=True)
