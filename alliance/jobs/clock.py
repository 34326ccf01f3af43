"""The worker's own clock: start each periodic function (schedule.py) once per period, across
every worker of the installation (docs/decisions.md, "The schedule across workers").

Time is cut into slots of each function's period, counted from a fixed instant, so every worker
computes the same slot without talking to the others. The first worker to insert the pair
(function, slot) into ScheduledRun queues the run as an ordinary job, in the same transaction;
the others' inserts fail on the unique constraint and they move on. Only the slot that holds
"now" is ever considered: after a night with no worker, a five-minute function runs once, late,
not a hundred times; periodic functions find their own due work, so nothing is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from . import schedule
from .models import ScheduledRun
from .runner import job

logger = logging.getLogger(__name__)

RUN_PERIODIC = "alliance.jobs.clock.run_periodic"
# Slots are counted from here; daily slots start at midnight UTC.
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def slot_start(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The start of the slot of length `every` that holds `now`."""
    return EPOCH + ((now - EPOCH) // every) * every


def start_due(now: dt.datetime | None = None, worker_id: str = "") -> list[str]:
    """Queue every periodic function whose current slot no worker has started; returns their
    names. Safe to call from any number of workers at once."""
    now = now or timezone.now()
    registered = schedule.autodiscover()
    current = {name: slot_start(now, p.every) for name, p in registered.items()}
    taken = set(
        ScheduledRun.objects.filter(
            name__in=current, slot_start__gte=min(current.values(), default=now)
        ).values_list("name", "slot_start")
    )
    waiting = still_waiting()
    started = []
    for name, start in current.items():
        if (name, start) in taken or name in waiting:
            continue
        if _start(name, start, worker_id):
            started.append(name)
    return started


def still_waiting() -> set[str]:
    """Periodic functions whose last run is queued and due but not yet picked up: while the
    workers are busy (a long export), a 15-second function should not pile up a run per slot."""
    queued = DBTaskResult.objects.ready().filter(task_path=RUN_PERIODIC)
    return {str((args or [""])[0]) for args in queued.values_list("args_kwargs__args", flat=True)}


def _start(name: str, start: dt.datetime, worker_id: str) -> bool:
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=name, slot_start=start, worker_id=worker_id[:64])
            # Same transaction: a slot is marked started only together with its queued run.
            run_periodic.enqueue(name, slot=start.isoformat(), organization_id=None)
    except IntegrityError:
        return False  # another worker started this slot first
    return True


@job
def run_periodic(name: str, *, slot: str, organization_id: int | None) -> str:
    """Run one registered periodic function (the Jobs page names it by its own label)."""
    found = schedule.autodiscover().get(name)
    if found is None:
        return "no longer registered"  # the code changed since the slot was started
    result = found.func()
    return str(result) if result is not None else "done"
