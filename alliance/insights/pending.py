"""No finding is ever lost: a durable "recompute pending" marker per episode.

A stored response writes the marker in its own transaction, then asks for the recompute after
the commit. Only a successful recompute removes the marker. If the recompute fails (on SQLite
"database is locked" under many concurrent writers, a bug, a restart between commit and
recompute), the marker stays and is retried: by the worker's periodic retry, by the next request
of a process (insights/recompute.py, throttled), and by `alliance insights recompute --pending`.
Normally a background job run by `alliance worker` does the recompute right after the commit
(insights/jobs.py); the marker is the safety net. This module only keeps the markers and runs a
recompute; asking for one (the marker plus the job) is insights/recompute.py.
Retries back off up to `MAX_BACKOFF` and never stop until the recompute succeeds.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import services
from .models import PendingRecompute

logger = logging.getLogger(__name__)

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
    started = timezone.now()
    try:
        services.recompute_episode(episode)
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
