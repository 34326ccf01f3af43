"""The worker's own housekeeping, on its own schedule (schedule.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .clock import RUN_PERIODIC
from .models import Effect, ScheduledRun
from .schedule import periodic

ROUTINE_KEEP = dt.timedelta(days=1)


@periodic(every=dt.timedelta(hours=1))
def clear_old_job_records() -> str:
    """Old job records cleared away.

    Finished jobs and done effects older than settings.JOB_KEEP_DAYS: the Jobs page shows
    recent work, and an effect's record is only needed while its job could run again (its
    retries are over long before). Scheduled runs that succeeded, and the slots they took, go
    after a day: only the current slot matters for the schedule (clock.py)."""
    now = timezone.now()
    cutoff = now - dt.timedelta(days=settings.JOB_KEEP_DAYS)
    finished = Q(status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED])
    # A scheduled run that went well says nothing after a day, and there are thousands a day.
    routine = Q(
        task_path=RUN_PERIODIC,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=now - ROUTINE_KEEP,
    )
    jobs, _ = DBTaskResult.objects.filter((finished & Q(finished_at__lt=cutoff)) | routine).delete()
    slots, _ = ScheduledRun.objects.filter(started_at__lt=now - ROUTINE_KEEP).delete()
    effects, _ = Effect.objects.filter(
        Q(done_at__lt=cutoff) | Q(done_at__isnull=True, claimed_at__lt=cutoff)
    ).delete()
    return f"{jobs} jobs, {slots} slots, {effects} effects cleared"
