"""The background jobs of the insights app (run by `alliance worker`, see alliance/jobs)."""

from __future__ import annotations

from alliance.jobs.runner import job


class RecomputeFailed(Exception):
    """The recompute raised; its marker stays and the job is tried again later."""


@job
def recompute_pending_episode(episode_id: int, *, organization_id: int | None) -> str:
    """Recompute an episode's alerts if its "recompute pending" marker is still there.

    The marker was written with the response; whoever gets there first (this job, a retry after
    a request, `alliance insights recompute --pending`) removes it, and the others find nothing
    to do.
    """
    from . import pending
    from .models import PendingRecompute

    marker = (
        PendingRecompute.objects.select_related("episode__organization")
        .filter(episode_id=episode_id)
        .first()
    )
    if marker is None:
        return "already done"
    if not pending.run(marker.episode):
        raise RecomputeFailed(f"recompute of episode {episode_id} failed; see the log")
    return "recomputed"
