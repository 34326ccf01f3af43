"""Password guessing against one account, without handing anyone a lever to lock its owner out.

Three layers (docs/threat-model.md, "Password guessing and lockout"):
- per address: allauth's own limit, 5 failures in 5 minutes from one IP address
  (`ACCOUNT_RATE_LIMITS["login_failed"]`), stops a single source;
- per account: failures from every address together. From the fifth on, the account asks for a
  growing pause before the next password is even checked (1 s, 2 s, 4 s … up to 15 minutes),
  which slows distributed guessing to a few tries an hour. The count is forgotten an hour after
  the last failure;
- the pause holds only for a password alone. An account with a second factor (TOTP) is let
  through to the second-factor step, so its owner still signs in with password and code while
  someone else keeps guessing; the guesser still needs the code.
When the pause first starts, the owner is told by email (once per episode of failures).

Counted in the default cache (the database cache, shared by every app server).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

FREE_FAILURES = 4  # failures before any pause
MAX_DELAY_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 60 * 60


@dataclass(frozen=True)
class AccountFailures:
    count: int = 0
    last_at: float = 0.0
    notified: bool = False

    def delay_seconds(self) -> int:
        """The pause due after this many failures: none for the first four, then doubling."""
        if self.count <= FREE_FAILURES:
            return 0
        return int(min(2 ** (self.count - FREE_FAILURES - 1), MAX_DELAY_SECONDS))

    def wait_seconds(self, now: float | None = None) -> int:
        """How long from now until a password alone is checked again (0: now)."""
        left = self.last_at + self.delay_seconds() - (now if now is not None else time.time())
        return max(0, int(left + 0.999))


def _key(login: str) -> str:
    return f"login-failures:{login.strip().lower()}"


def failures(login: str) -> AccountFailures:
    stored = cache.get(_key(login))
    return AccountFailures(*stored) if stored else AccountFailures()


def record_failure(login: str) -> AccountFailures:
    """Count one failed password for this login; returns the new state."""
    before = failures(login)
    after = AccountFailures(before.count + 1, time.time(), before.notified)
    _store(login, after)
    return after


def mark_notified(login: str) -> None:
    state = failures(login)
    _store(login, AccountFailures(state.count, state.last_at, True))


def clear(login: str) -> None:
    cache.delete(_key(login))


def _store(login: str, state: AccountFailures) -> None:
    cache.set(_key(login), (state.count, state.last_at, state.notified), FORGET_AFTER_SECONDS)
