"""What the admin page shows of an organization's background jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

# What each job is called on the page; a job not named here shows its function's name.
LABELS = {
    "recompute_pending_episode": _("Alert recompute after a check-in"),
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


def row(result: DBTaskResult) -> JobRow:
    attempt = int(result.args_kwargs.get("kwargs", {}).get("attempt", 1))
    failed = result.status == TaskResultStatus.FAILED
    return JobRow(
        pk=str(result.pk),
        name=label(result.task_path),
        status=result.status,
        status_label=str(TaskResultStatus(result.status).label),
        attempt=attempt,
        enqueued_at=result.enqueued_at,
        finished_at=result.finished_at,
        error=last_line(result.traceback) if failed else "",
        will_retry=failed and attempt < settings.JOB_MAX_ATTEMPTS,
        can_retry=failed,
    )


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


def last_line(traceback: str) -> str:
    """The exception line of a traceback ("RecomputeFailed: …"), not the code path."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
