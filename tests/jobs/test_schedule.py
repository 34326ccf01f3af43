"""The worker's own schedule: each periodic function once per slot across all workers, a missed
stretch run once, late, and every run a job on the queue (retries, Jobs page)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.jobs import clock, schedule
from alliance.jobs import jobs as housekeeping
from alliance.jobs.clock import RUN_PERIODIC
from alliance.jobs.models import ScheduledRun
from tests.jobs import periodic_fixtures
from tests.jobs.conftest import work

NAME = "tests.jobs.periodic_fixtures.every_five_minutes"
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def counting() -> Iterator[None]:
    periodic_fixtures.calls.clear()
    saved = dict(schedule.autodiscover())
    schedule.PERIODIC.clear()  # only the test's function: the others need their own data
    periodic_fixtures.register()
    yield
    schedule.PERIODIC.clear()
    schedule.PERIODIC.update(saved)


def test_slots_are_the_same_for_every_worker_and_start_on_the_period() -> None:
    every = dt.timedelta(minutes=5)
    assert clock.slot_start(NOON + dt.timedelta(minutes=7, seconds=3), every) == NOON.replace(
        minute=5
    )
    assert clock.slot_start(NOON, every) == NOON
    day = clock.slot_start(NOON, dt.timedelta(days=1))
    assert day == NOON.replace(hour=0)


def test_two_workers_in_the_same_slot_start_it_once(queue: None, counting: None) -> None:
    assert clock.start_due(NOON, worker_id="a") == [NAME]
    assert clock.start_due(NOON + dt.timedelta(minutes=2), worker_id="b") == []
    work()
    work("worker-2")
    assert periodic_fixtures.calls == ["five"]
    (row,) = DBTaskResult.objects.all()
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == "counted"
    assert ScheduledRun.objects.get().worker_id == "a"


def test_the_next_slot_runs_again(queue: None, counting: None) -> None:
    clock.start_due(NOON)
    work()
    clock.start_due(NOON + dt.timedelta(minutes=5))
    work()
    assert periodic_fixtures.calls == ["five", "five"]


def test_a_long_stretch_without_a_worker_runs_once_late_not_once_per_missed_slot(
    queue: None, counting: None
) -> None:
    clock.start_due(NOON)
    work()
    clock.start_due(NOON + dt.timedelta(hours=10, minutes=1))  # 119 slots were missed
    work()
    assert periodic_fixtures.calls == ["five", "five"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database shares one cache between threads, whose locks "
    "fail at once instead of waiting; the sequential test above covers SQLite",
)
def test_workers_racing_for_a_slot_start_it_once(queue: None, counting: None) -> None:
    """Two threads, two database connections, the same slot at the same moment."""
    barrier = threading.Barrier(2)
    started: list[list[str]] = []

    def worker(worker_id: str) -> None:
        try:
            barrier.wait()
            started.append(clock.start_due(NOON, worker_id=worker_id))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(w,)) for w in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(started) == [[], [NAME]]
    assert DBTaskResult.objects.count() == 1
    assert ScheduledRun.objects.count() == 1


def test_a_failing_periodic_run_is_retried_and_shows_its_error(
    queue: None, counting: None, monkeypatch: Any
) -> None:
    def broken() -> None:
        raise RuntimeError("mail server down")

    monkeypatch.setitem(
        schedule.PERIODIC, NAME, dataclasses.replace(schedule.PERIODIC[NAME], func=broken)
    )
    clock.start_due(NOON)
    work()
    failed, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert failed.status == TaskResultStatus.FAILED and "mail server down" in failed.traceback
    assert retry.status == TaskResultStatus.READY


def test_every_app_registers_its_periodic_work() -> None:
    names = set(schedule.autodiscover())
    assert "alliance.jobs.jobs.clear_old_job_records" in names
    for found in schedule.PERIODIC.values():
        assert found.label and not found.label.endswith(".")


def test_old_records_are_cleared_but_recent_and_failed_ones_stay(queue: None) -> None:
    long_ago = timezone.now() - dt.timedelta(days=40)
    yesterday = timezone.now() - dt.timedelta(days=2)

    def job_row(path: str, status: str, finished: dt.datetime) -> DBTaskResult:
        return DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": ["x"], "kwargs": {"organization_id": None}},
            task_path=path,
            backend_name="default",
            run_after=finished,
            finished_at=finished,
        )

    old_job = job_row("tests.jobs.flaky.flaky", TaskResultStatus.SUCCESSFUL, long_ago)
    kept_job = job_row("tests.jobs.flaky.flaky", TaskResultStatus.FAILED, yesterday)
    routine = job_row(RUN_PERIODIC, TaskResultStatus.SUCCESSFUL, yesterday)
    failed_routine = job_row(RUN_PERIODIC, TaskResultStatus.FAILED, yesterday)
    housekeeping.clear_old_job_records()
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {kept_job.pk, failed_routine.pk}
    assert old_job.pk not in left and routine.pk not in left


def test_a_run_still_waiting_for_a_busy_worker_is_not_joined_by_the_next_slot(
    queue: None, counting: None
) -> None:
    assert clock.start_due(NOON) == [NAME]
    assert clock.start_due(NOON + dt.timedelta(minutes=5)) == []  # the first has not run yet
    work()
    assert periodic_fixtures.calls == ["five"]
    assert clock.start_due(NOON + dt.timedelta(minutes=10)) == [NAME]
