"""A small per-IP limit on failed check-in link lookups, counted by the product's one
rate counter (alliance/ratelimit.py). Guessing a 256-bit token is hopeless anyway;
the limit keeps a scanner from hammering the database and the logs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from alliance import ratelimit
from alliance.audit.middleware import client_ip


def _limit() -> int:
    return int(getattr(settings, "CHECKIN_FAILED_ATTEMPTS_PER_MINUTE", 20))


def _name(request: HttpRequest) -> str:
    return f"checkin-fail:{client_ip(request) or ''}"


def _key(request: HttpRequest) -> str:
    """The cache key of this address's failures in the current window."""
    return ratelimit.current_key(_name(request))


def is_blocked(request: HttpRequest) -> bool:
    return ratelimit.hits(_name(request)) >= _limit()


def record_failure(request: HttpRequest) -> None:
    ratelimit.hit(_name(request))
