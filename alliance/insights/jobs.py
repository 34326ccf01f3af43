"""The background jobs of the insights app (run by `alliance worker`, see alliance/jobs)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from alliance.accounts.models import Organization
from alliance.jobs.runner import job
from alliance.jobs.schedule import periodic

from . import pending, services
from .models import PendingRecompute


class RecomputeFailed(Exception):
    """The recompute raised; its marker stays and the job is tried again later."""


@job
def recompute_pending_episode(episode_id: int, *, organization_id: int | None) -> str:
    """Recompute an episode's alerts if its "recompute pending" marker is still there.

    The marker was written with the response; whoever gets there first (this job, a retry after
    a request, `alliance insights recompute --pending`) removes it, and the others find nothing
    to do.
    """
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


@job
def recompute_organization(*, organization_id: int | None) -> str:
    """Run the alert rules over all of an organization's history (after a thresholds change).

    Safe to run twice: new alerts are added, active ones refreshed, nothing is deleted."""
    organization = Organization.objects.get(pk=organization_id)
    with transaction.atomic():
        totals = services.recompute_organization(organization)
    return (
        f"{totals['episodes']} episodes, {totals['responses']} responses, "
        f"{totals['new_alerts']} new alerts"
    )


@periodic(every=dt.timedelta(minutes=1))
def retry_pending_recomputes() -> str:
    """Alert recomputes that failed or were missed, tried again.

    The safety net under recompute_pending_episode: a marker whose job gave up, or was never
    queued, is found here (the job that used to need `alliance insights recompute --pending`
    from cron)."""
    outcome = pending.process(older_than=pending.WORKER_GRACE)
    return f"{outcome['done']} recomputed, {outcome['failed']} failed"
