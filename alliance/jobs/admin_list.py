"""What the admin page shows of an organization's background jobs."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.audit import trail
from alliance.audit.models import Action

from . import schedule
from .clock import RUN_PERIODIC

# What each job is called on the page; a job not named here shows its function's name.
LABELS = {
    "recompute_pending_episode": _("Alert recompute after a check-in"),
    "recompute_organization": _("Alert recompute over all history"),
    "send_link_email": _("Check-in link email"),
    "deliver_webhook": _("Alert webhook delivery"),
    "send_wellbeing_reminder": _("Wellbeing reminder email"),
    "build_research_export": _("Research export"),
    "run_periodic": _("Scheduled work"),
    "deliver_scheduled_link": _("Check-in link sent by itself"),
    "remind_scheduled_link": _("Reminder of an unanswered check-in link"),
}


def of_organization(organization_id: int) -> QuerySet[DBTaskResult]:
    """The jobs carrying this organization (every Alliance job names its organization)."""
    return DBTaskResult.objects.filter(args_kwargs__kwargs__organization_id=organization_id)


@dataclass(frozen=True)
class JobRow:
    pk: str
    name: str
    status: str
    status_label: str
    attempt: int
    enqueued_at: Any
    finished_at: Any
    error: str
    will_retry: bool
    can_retry: bool


def identity(result: DBTaskResult) -> str:
    """The job and its arguments without the attempt number: the same for every attempt."""
    kwargs = {k: v for k, v in result.args_kwargs.get("kwargs", {}).items() if k != "attempt"}
    return json.dumps([result.task_path, result.args_kwargs.get("args"), kwargs], sort_keys=True)


def waiting(jobs: QuerySet[DBTaskResult]) -> set[str]:
    """The jobs queued or running now, so a failed attempt can say whether another follows
    (whatever the job's own schedule: a webhook keeps its own backoff)."""
    active = jobs.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
    return {identity(r) for r in active.only("task_path", "args_kwargs")[:1000]}


def row(result: DBTaskResult, queued: set[str] | None = None) -> JobRow:
    attempt = int(result.args_kwargs.get("kwargs", {}).get("attempt", 1))
    failed = result.status == TaskResultStatus.FAILED
    if queued is None:
        will_retry = failed and attempt < settings.JOB_MAX_ATTEMPTS
    else:
        will_retry = failed and identity(result) in queued
    return JobRow(
        pk=str(result.pk),
        name=name_of(result),
        status=result.status,
        status_label=str(TaskResultStatus(result.status).label),
        attempt=attempt,
        enqueued_at=result.enqueued_at,
        finished_at=result.finished_at,
        error=last_line(result.traceback) if failed else "",
        will_retry=will_retry,
        can_retry=failed,
    )


def name_of(result: DBTaskResult) -> str:
    """A periodic run is named by its function's own label ("Overdue check-in links marked
    expired"), any other job by LABELS."""
    if result.task_path.endswith(".run_periodic"):
        found = schedule.autodiscover().get(str((result.args_kwargs.get("args") or [""])[0]))
        if found is not None:
            return found.label
    return label(result.task_path)


def label(task_path: str) -> str:
    function = task_path.rsplit(".", 1)[-1]
    return str(LABELS.get(function, function.replace("_", " ")))


def job_of(result: DBTaskResult) -> Task[..., Any] | None:
    """The job a row names, or None if the code no longer has it (renamed, removed)."""
    try:
        found = import_string(result.task_path)
    except ImportError:
        return None
    return found if isinstance(found, Task) else None


@dataclass(frozen=True)
class ScheduleRow:
    label: str
    every: str
    last_started: Any
    status_label: str
    error: str


def schedule_rows(show_errors: bool) -> list[ScheduleRow]:
    """Each periodic function of the installation, when it last ran and how that went. Its
    errors are shown only where the installation serves one organization: installation-wide
    work may fail over another organization's data."""
    rows = []
    for found in sorted(schedule.autodiscover().values(), key=lambda p: p.label):
        last = (
            DBTaskResult.objects.filter(task_path=RUN_PERIODIC, args_kwargs__args__0=found.name)
            .order_by("-enqueued_at")
            .first()
        )
        failed = last is not None and last.status == TaskResultStatus.FAILED
        rows.append(
            ScheduleRow(
                label=found.label,
                every=period_label(found.every),
                last_started=last.enqueued_at if last else None,
                status_label=str(TaskResultStatus(last.status).label) if last else "",
                error=last_line(last.traceback) if failed and show_errors else "",
            )
        )
    return rows


def period_label(every: dt.timedelta) -> str:
    seconds = int(every.total_seconds())
    for size, unit in ((86400, _("day")), (3600, _("h")), (60, _("min"))):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def retry_arguments(job: Task[..., Any], result: DBTaskResult) -> dict[str, Any]:
    """The keywords for a retry by hand: the failed row's, as a fresh first attempt, and
    `by_hand=True` for a job that takes it (a webhook delivery that gave up tries once more)."""
    kwargs = {k: v for k, v in result.args_kwargs["kwargs"].items() if k != "attempt"}
    if "by_hand" in inspect.signature(job.func).parameters:
        kwargs["by_hand"] = True
    return kwargs


def last_line(traceback: str) -> str:
    """The exception line of a traceback ("RecomputeFailed: …"), not the code path."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def record_retried(result: Any, organization: Any) -> None:
    """Running a job by hand can send messages or change data: who did it is kept."""
    trail.record(
        Action.UPDATE,
        object_type="jobs.TaskResult",
        object_id=str(result.pk),
        object_label=f"retried by hand: {result.task_path}"[:200],
        organization=organization,
        after={"retried": True, "job": result.task_path},
    )
