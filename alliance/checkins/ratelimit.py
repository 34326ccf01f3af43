"""A small per-IP limit on failed check-in link lookups, kept in Django's cache (the database
cache by default, so it holds across app servers). Guessing a 256-bit token is hopeless anyway;
the limit keeps a scanner from hammering the database and the logs."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from alliance.audit.middleware import client_ip

WINDOW_SECONDS = 60


def _limit() -> int:
    return int(getattr(settings, "CHECKIN_FAILED_ATTEMPTS_PER_MINUTE", 20))


def _key(request: HttpRequest) -> str:
    window = int(time.time() // WINDOW_SECONDS)
    return f"checkin-fail:{client_ip(request) or ''}:{window}"


def is_blocked(request: HttpRequest) -> bool:
    return int(cache.get(_key(request), 0)) >= _limit()


def record_failure(request: HttpRequest) -> None:
    key = _key(request)
    if not cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
