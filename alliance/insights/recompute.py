"""Asking for a recompute: the durable marker (insights/pending.py) written in the caller's
transaction, and the background job (insights/jobs.py) that acts on it; and the throttled retry
of what is pending after a request. Kept apart from pending.py so that the job, which runs the
marker's recompute, and the asking, which queues the job, import each other in one direction
only: recompute -> jobs -> pending -> services."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

from alliance.jobs.runner import enqueue_after_commit

from . import pending
from .jobs import recompute_pending_episode

logger = logging.getLogger(__name__)

CHECK_EVERY = 15.0  # seconds between two looks at the markers, per process


def after_commit(episode: Any) -> None:
    """Mark now (inside the caller's transaction) and queue the recompute as a background job
    (alliance/jobs). With a worker (a backend that defers), the job row is written in the same
    transaction as the marker and the answers: all three commit together, and a worker never
    sees the job before the answers. Run at once (the test backend), the job must wait for
    the commit, so a failing analysis never rolls the answers back. The marker stays the
    safety net: if the job cannot be queued or gives up, the retries below still find it."""
    pending.mark(episode.pk)
    if recompute_pending_episode.get_backend().supports_defer:
        recompute_pending_episode.enqueue(episode.pk, organization_id=episode.organization_id)
    else:
        enqueue_after_commit(
            recompute_pending_episode, episode.pk, organization_id=episode.organization_id
        )


def on_answers_changed(sender: Any, episode: Any, **kwargs: Any) -> None:
    """checkins.signals.answers_changed, inside the transaction that stored the answers."""
    after_commit(episode)


_next_look = 0.0


def worker_grace() -> dt.timedelta | None:
    """Leave fresh markers to the worker when jobs go through one (not with the immediate
    backend, where the recompute already ran, or failed, in the request)."""
    return pending.WORKER_GRACE if recompute_pending_episode.get_backend().supports_defer else None


def look_now(clock: Callable[[], float] = time.monotonic) -> bool:
    """True at most once every CHECK_EVERY seconds in this process."""
    global _next_look
    now = clock()
    if now < _next_look:
        return False
    _next_look = now + CHECK_EVERY
    return True


class RetryPendingMiddleware:
    """After a response is sent on its way, retry what is pending (throttled per process)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if settings.RETRY_PENDING_ON_REQUEST and look_now():
            try:
                pending.process(limit=10, older_than=worker_grace())
            except Exception:
                logger.exception("retrying pending recomputes failed")
        return response
