"""The one fixed-window counter behind every rate limit of the product (failed check-in link
lookups per address, API requests per token). It lives in Django's cache, the database cache by
default, so a limit holds across app servers; each caller names what it counts."""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_SECONDS = 60


def _key(name: str, now: float) -> str:
    return f"{name}:{int(now // WINDOW_SECONDS)}"


def current_key(name: str) -> str:
    """The cache key holding `name`'s count in the current window."""
    return _key(name, time.time())


def hits(name: str) -> int:
    """How many times `name` was counted in the current window."""
    return int(cache.get(current_key(name), 0))


def hit(name: str) -> int:
    """Count one more for `name` in the current window; returns the new count."""
    key = current_key(name)
    # Kept for two windows, so a count never vanishes while its window is still current.
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def seconds_left() -> int:
    """Until the current window ends (a Retry-After for whoever went over)."""
    return WINDOW_SECONDS - int(time.time() % WINDOW_SECONDS)
