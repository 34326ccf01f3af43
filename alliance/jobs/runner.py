"""Background jobs on Django's tasks framework (the django-tasks backport, database backend).

Every Alliance job is a module-level function decorated with `@job`. It takes the keyword
`organization_id` (None for work that belongs to no organization), so the admin page can show
each organization only its own jobs. A job must be safe to run twice: a worker can die between
doing the work and recording it, and the job then runs again (`recover_stale`).

The backend runs each row once and records success or failure; it does not retry. `@job` adds
the retry: a failing run records its error on its own row and queues the next attempt with a
doubling wait, up to settings.JOB_MAX_ATTEMPTS. The last failure stays on the admin page, where
it can be retried by hand; the work itself keeps its own durable marker where losing it would
lose a finding (insights/pending.py), so even a job that gives up loses nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from alliance.audit import context

logger = logging.getLogger(__name__)

MAX_WAIT = dt.timedelta(hours=1)


def backoff(attempt: int) -> dt.timedelta:
    """The wait before attempt `attempt + 1`: base, 2×base, 4×base, … at most an hour."""
    seconds = settings.JOB_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    return min(dt.timedelta(seconds=seconds), MAX_WAIT)


def job(func: Callable[..., Any]) -> Task[..., Any]:
    """Make `func` a background job that is retried with backoff when it raises."""

    @functools.wraps(func)
    def run(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
        try:
            with _acting_as_task():
                return func(*args, **kwargs)
        except NoRetry:
            raise  # retrying cannot help, or the job queued its own; the backend records it
        except Exception:
            _retry_later(the_task, attempt, args, kwargs)
            raise  # the backend records this attempt as failed, with the traceback

    the_task: Task[..., Any] = task()(run)
    return the_task


class NoRetry(Exception):
    """Raised by a job whose attempt failed in a way another attempt would repeat (a sealed
    secret that no longer opens): recorded as failed with this message on the Jobs page, and
    `@job` queues nothing more."""


class Rescheduled(NoRetry):
    """Raised by a job that failed and has already queued its own next attempt on a schedule of
    its own (a webhook delivery keeps its own backoff)."""


def _acting_as_task() -> Any:
    """Audit events written by a job say "background task", each job run with its own id;
    a job called inside another context (a test, a command) keeps that one."""
    if context.active() is not None:
        return contextlib.nullcontext()
    return context.acting(context.ActingContext(request_id=context.new_request_id(), source="task"))


def _retry_later(the_task: Task[..., Any], attempt: int, args: Any, kwargs: Any) -> None:
    if attempt >= settings.JOB_MAX_ATTEMPTS:
        logger.error("job %s gave up after %s attempts", the_task.name, attempt)
        return
    if not the_task.get_backend().supports_defer:
        # The immediate backend (tests) cannot wait; the caller's own safety net applies.
        return
    later = the_task.using(run_after=timezone.now() + backoff(attempt))
    later.enqueue(*args, attempt=attempt + 1, **kwargs)


def enqueue_after_commit(the_task: Task[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue the job once the current transaction has committed (at once outside one), so a
    worker never picks up work whose data a rollback then removes."""

    def send() -> None:
        try:
            the_task.enqueue(*args, **kwargs)
        except Exception:
            # Never fail the request that already committed; callers keep a durable marker.
            logger.exception("could not queue job %s", the_task.name)

    transaction.on_commit(send)


def recover_stale() -> int:
    """Queue again the jobs a worker claimed and never finished (it was killed, or its machine
    went down): they have been "running" longer than settings.JOB_STALE_SECONDS. Every worker
    does this when it starts and then every so often (worker.py). Jobs are safe to run twice,
    and their outside effects are claimed (effects.py), so a slow job that is in fact still
    running does no harm."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_SECONDS)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)
