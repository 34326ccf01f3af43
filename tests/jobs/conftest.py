"""The worker tests switch from the immediate backend to the database backend."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.jobs import flaky

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def queue(settings: Any, transactional_db: None) -> None:
    """The database backend, with real commits: the worker claims rows as it would in a
    separate process (its loop also checks the connection between jobs)."""
    use_database_queue(settings)


def use_database_queue(settings: Any) -> None:
    """For other apps' tests of their jobs, from a fixture that also asks for transactional_db."""
    settings.TASKS = DATABASE_TASKS
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_RETRY_BASE_SECONDS = 10
    flaky.plan["failures_left"] = 0
    flaky.calls.clear()


def worker_arguments(worker_id: str = "worker-1", *, batch: bool = True) -> dict[str, Any]:
    """What `alliance worker` gives the worker class, with no pause between looks."""
    return {
        "queue_names": ["*"],
        "interval": 0,
        "batch": batch,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": worker_id,
        "excluded_queue_names": [],
    }


def work(worker_id: str = "worker-1") -> None:
    """One worker runs everything that is due now, then stops."""
    Worker(**worker_arguments(worker_id)).run()


def rows() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.order_by("enqueued_at"))


def make_due(row: DBTaskResult) -> None:
    """As if the backoff wait had passed."""
    DBTaskResult.objects.filter(pk=row.pk).update(run_after=timezone.now())
