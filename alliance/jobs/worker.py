"""The worker loop: the backport's database worker, with the installation's clock in between
jobs (periodic work from clock.py, and jobs of dead workers put back in the queue)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, Error, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from . import clock
from .runner import recover_stale

logger = logging.getLogger(__name__)


class ScheduledWorker(Worker):
    """Runs jobs one at a time like the backport's worker; before each look at the queue it
    keeps the clock: starts the periodic slots that are due and, every so often, queues again
    the jobs a killed worker left "running"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._next_schedule = 0.0
        self._next_recovery = 0.0

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s", self.worker_id)
        outage = 0  # looks at the queue in a row that the database did not answer
        while self.running:
            close_old_connections()
            self.keep_time()
            if not self.running:
                return  # stopped while keeping the clock: take no new job
            try:
                claimed = self.claim_next()
                if claimed is not None:
                    self.run_task(claimed)
            except Error:
                if self.batch:
                    raise  # `--batch` runs once, from a scheduler that reports the failure
                # The database went away (a restart, a failover, the network): claiming a job
                # or recording its outcome failed. Stopping here would also stop `alliance
                # serve`'s web server; instead wait and look again. A job claimed but not
                # recorded stays "running" and is queued again once stale (recover_stale).
                outage += 1
                logger.exception("the database did not answer; looking again shortly")
                connections.close_all()
                self._pause(min(30.0, 0.5 * 2**outage))
                continue
            outage = 0
            if claimed is None and self.batch:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and claimed is None:
                time.sleep(self.interval)

    def _pause(self, seconds: float) -> None:
        """Sleep, but wake within a second of being asked to stop."""
        end = time.monotonic() + seconds
        while self.running and time.monotonic() < end:
            time.sleep(min(1.0, end - time.monotonic()))

    def keep_time(self) -> None:
        """Never lets a problem with the clock stop the worker from running jobs: a failed look
        is logged and made again at the next tick."""
        now = time.monotonic()
        # SIGTERM waits for this short step as for a job, instead of cutting a transaction.
        self.running_task = True
        try:
            if now >= self._next_recovery:
                self._next_recovery = now + recovery_interval()
                recovered = recover_stale()
                if recovered:
                    logger.warning(
                        "%s job(s) left running by a stopped worker queued again", recovered
                    )
            if now >= self._next_schedule:
                self._next_schedule = now + settings.JOB_SCHEDULE_TICK_SECONDS
                for name in clock.start_due(worker_id=self.worker_id):
                    logger.debug("periodic %s queued", name)
        except DatabaseError:
            logger.exception("could not keep the schedule; trying again at the next tick")
        finally:
            self.running_task = False

    def claim_next(self) -> DBTaskResult | None:
        """The next due job, claimed in a short transaction (SKIP LOCKED on PostgreSQL, the
        write lock on SQLite), so two workers never take the same one."""
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            ready = ready.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            ready = ready.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(ready.db):
                found = ready.get_locked()
                if found is not None:
                    found.claim(self.worker_id)
                return found
        except OperationalError as error:
            if is_locked_database_exception(error):
                return None  # SQLite busy beyond its timeout: look again after the pause
            raise


def recovery_interval() -> float:
    """Look for dead workers' jobs a few times per stale period, at most once a minute."""
    return max(1.0, min(60.0, settings.JOB_STALE_SECONDS / 3))
