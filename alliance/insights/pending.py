"""No finding is ever lost: a durable "recompute pending" marker per episode.

A stored response writes the marker in its own transaction, then asks for the recompute after
the commit. Only a successful recompute removes the marker. If the recompute fails (on SQLite
"database is locked" under many concurrent writers, a bug, a restart between commit and
recompute), the marker stays and is retried: by the next request of this process at most every
`CHECK_EVERY` seconds (middleware), by the next submission, and by
`alliance insights recompute --pending`. Normally a background job run by `alliance worker`
does the recompute right after the commit (insights/jobs.py); the marker is the safety net.
Retries back off up to `MAX_BACKOFF` and never stop until the recompute succeeds.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import PendingRecompute

logger = logging.getLogger(__name__)

CHECK_EVERY = 15.0  # seconds between two looks at the markers, per process
# A fresh marker is the worker's job (insights/jobs.py); a request only steps in after this.
WORKER_GRACE = dt.timedelta(minutes=1)
MAX_BACKOFF = dt.timedelta(minutes=5)


def mark(episode_id: int) -> None:
    """Record that the episode needs a recompute; call inside the transaction that stores the
    response, so the marker exists exactly when the response does."""
    now = timezone.now()
    PendingRecompute.objects.bulk_create(
        [PendingRecompute(episode_id=episode_id, requested_at=now, next_try_at=now)],
        update_conflicts=True,
        unique_fields=["episode"],
        update_fields=["requested_at", "next_try_at"],
    )


def run(episode: Any) -> bool:
    """Recompute now; True on success (the marker is gone), False if it stays for a retry."""
    from .services import recompute_episode

    started = timezone.now()
    try:
        recompute_episode(episode)
        PendingRecompute.objects.filter(episode_id=episode.pk, requested_at__lte=started).delete()
        return True
    except Exception as exc:
        logger.exception("insights recompute failed for episode %s; will retry", episode.pk)
        _failed(episode.pk, exc)
        return False


def _failed(episode_id: int, exc: Exception) -> None:
    try:
        with transaction.atomic():
            marker = PendingRecompute.objects.filter(episode_id=episode_id).first()
            if marker is None:  # e.g. a recompute asked for outside a stored response
                marker = PendingRecompute(episode_id=episode_id, requested_at=timezone.now())
            marker.attempts += 1
            backoff = min(dt.timedelta(seconds=2**marker.attempts), MAX_BACKOFF)
            marker.next_try_at = timezone.now() + backoff
            marker.last_error = f"{type(exc).__name__}: {exc}"[:300]
            marker.save()
    except Exception:
        # The marker written with the response is still there: it will be retried as it is.
        logger.exception("could not record the failed recompute of episode %s", episode_id)


def after_commit(episode: Any) -> None:
    """Mark now (inside the caller's transaction); once it has committed, queue the recompute
    as a background job (alliance/jobs). The marker stays the safety net: if the job cannot be
    queued or gives up, the retries below still find the episode."""
    from alliance.jobs.runner import enqueue_after_commit

    from .jobs import recompute_pending_episode

    mark(episode.pk)
    enqueue_after_commit(
        recompute_pending_episode, episode.pk, organization_id=episode.organization_id
    )


def on_answers_changed(sender: Any, episode: Any, **kwargs: Any) -> None:
    """checkins.signals.answers_changed, inside the transaction that stored the answers."""
    after_commit(episode)


def process(
    limit: int = 50, *, due_only: bool = True, older_than: dt.timedelta | None = None
) -> dict[str, int]:
    """Retry the pending recomputes (those due, or all; only those asked for longer ago than
    `older_than`, if given); returns what happened."""
    markers = PendingRecompute.objects.select_related("episode__organization").order_by(
        "next_try_at"
    )
    if due_only:
        markers = markers.filter(next_try_at__lte=timezone.now())
    if older_than is not None:
        markers = markers.filter(requested_at__lte=timezone.now() - older_than)
    done = failed = 0
    for marker in list(markers[:limit]):
        if run(marker.episode):
            done += 1
        else:
            failed += 1
    return {"done": done, "failed": failed}


_next_look = 0.0


def worker_grace() -> dt.timedelta | None:
    """Leave fresh markers to the worker when jobs go through one (not with the immediate
    backend, where the recompute already ran, or failed, in the request)."""
    from .jobs import recompute_pending_episode

    return WORKER_GRACE if recompute_pending_episode.get_backend().supports_defer else None


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
                process(limit=10, older_than=worker_grace())
            except Exception:
                logger.exception("retrying pending recomputes failed")
        return response


def on_sessions_renumbered(sender: Any, episode: Any, mapping: dict[int, int], **kw: Any) -> None:
    """Sessions follow their dates: alerts name the sessions by their new numbers, and the
    analysis runs again over the renumbered history (after the commit, never lost)."""
    from .models import Alert

    for alert in Alert.objects.filter(episode=episode):
        alert.session_number = mapping.get(alert.session_number, alert.session_number)
        alert.latest_session_number = mapping.get(
            alert.latest_session_number, alert.latest_session_number
        )
        for stored in alert.facts:
            stored["session"] = mapping.get(stored["session"], stored["session"])
        alert.save(update_fields=["session_number", "latest_session_number", "facts"])
    after_commit(episode)
