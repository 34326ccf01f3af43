"""The worker's own housekeeping, on its own schedule (schedule.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import Effect, ScheduledRun
from .schedule import periodic


@periodic(every=dt.timedelta(hours=1))
def clear_old_job_records() -> str:
    """Old job records cleared away.

    Finished jobs, started slots and done effects older than settings.JOB_KEEP_DAYS: the Jobs
    page shows recent work, and an effect's record is only needed while its job could run
    again (its retries are over long before)."""
    cutoff = timezone.now() - dt.timedelta(days=settings.JOB_KEEP_DAYS)
    finished = Q(status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED])
    jobs, _ = DBTaskResult.objects.filter(finished, finished_at__lt=cutoff).delete()
    slots, _ = ScheduledRun.objects.filter(started_at__lt=cutoff).delete()
    effects, _ = Effect.objects.filter(
        Q(done_at__lt=cutoff) | Q(done_at__isnull=True, claimed_at__lt=cutoff)
    ).delete()
    return f"{jobs} jobs, {slots} slots, {effects} effects cleared"
