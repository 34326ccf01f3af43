"""The background worker on the database backend (run on PostgreSQL with DATABASE_URL).

These tests are about the worker, so they switch from the immediate backend the rest of the
suite uses to the database backend, and run the backport's worker loop in this process.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.insights import pending, recompute
from alliance.insights.models import PendingRecompute
from alliance.jobs import runner
from tests.jobs import flaky
from tests.jobs.conftest import make_due, rows, work, worker_arguments


def test_a_failing_job_is_retried_with_growing_waits_until_it_succeeds(queue: None) -> None:
    flaky.plan["failures_left"] = 2
    flaky.flaky.enqueue(21, organization_id=None)

    before = timezone.now()
    work()
    first, second = rows()
    assert first.status == TaskResultStatus.FAILED
    assert "the mail server is down (call 1)" in first.traceback
    assert second.status == TaskResultStatus.READY
    assert second.args_kwargs == {"args": [21], "kwargs": {"organization_id": None, "attempt": 2}}
    wait = second.run_after - before
    assert dt.timedelta(seconds=10) <= wait < dt.timedelta(seconds=15)

    work()  # not due yet: nothing runs
    assert flaky.calls == [21]

    make_due(second)
    before = timezone.now()
    work()
    third = rows()[2]
    assert rows()[1].status == TaskResultStatus.FAILED
    wait = third.run_after - before
    assert dt.timedelta(seconds=20) <= wait < dt.timedelta(seconds=25)  # doubled

    make_due(third)
    work()
    final = DBTaskResult.objects.get(pk=third.pk)
    assert final.status == TaskResultStatus.SUCCESSFUL
    assert final.return_value == 42
    assert flaky.calls == [21, 21, 21]


def test_a_job_that_keeps_failing_stops_after_the_last_attempt_and_stays_visible(
    queue: None,
) -> None:
    flaky.plan["failures_left"] = 99
    flaky.flaky.enqueue(1, organization_id=None)
    for _ in range(5):
        work()
        for row in DBTaskResult.objects.filter(status=TaskResultStatus.READY):
            make_due(row)
    assert [r.status for r in rows()] == [TaskResultStatus.FAILED] * 3
    assert [r.args_kwargs["kwargs"].get("attempt", 1) for r in rows()] == [1, 2, 3]
    assert len(flaky.calls) == 3


def test_a_job_left_running_by_a_dead_worker_runs_again_exactly_once(queue: None) -> None:
    flaky.flaky.enqueue(5, organization_id=None)
    row = rows()[0]
    # A worker claimed it and was killed before it recorded anything.
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=2),
        worker_ids=["dead-worker"],
    )
    work("worker-2")
    assert flaky.calls == []  # still "running": another worker does not take it

    assert runner.recover_stale() == 1
    work("worker-2")
    work("worker-3")
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["dead-worker", "worker-2"]
    assert flaky.calls == [5]


def test_a_recently_started_job_is_not_taken_from_its_worker(queue: None) -> None:
    flaky.flaky.enqueue(5, organization_id=None)
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    assert runner.recover_stale() == 0


def test_a_stored_response_queues_its_recompute_with_the_answers_and_the_worker_runs_it(
    queue: None, clinic: Any
) -> None:
    # With a worker, the job row is written in the answers' own transaction: no worker can see
    # it before the answers, and answers that are rolled back leave no job and no marker.
    class AnswersNotStored(Exception):
        pass

    with pytest.raises(AnswersNotStored), transaction.atomic():
        recompute.after_commit(clinic.episode)
        raise AnswersNotStored
    assert DBTaskResult.objects.count() == 0  # nothing is queued for answers never stored
    assert not PendingRecompute.objects.exists()
    with transaction.atomic():
        recompute.after_commit(clinic.episode)
    (row,) = rows()
    assert row.args_kwargs == {
        "args": [clinic.episode.pk],
        "kwargs": {"organization_id": clinic.org.pk},
    }
    assert PendingRecompute.objects.filter(episode=clinic.episode).exists()

    work()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "recomputed"
    assert not PendingRecompute.objects.filter(episode=clinic.episode).exists()


def test_a_failed_recompute_keeps_its_marker_and_its_job_is_retried(
    queue: None, clinic: Any, monkeypatch: Any
) -> None:
    from alliance.insights import services

    def broken(episode: Any) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(services, "recompute_episode", broken)
    with transaction.atomic():
        recompute.after_commit(clinic.episode)
    work()
    failed, retry = rows()
    assert failed.status == TaskResultStatus.FAILED
    assert "RecomputeFailed" in failed.traceback
    assert retry.status == TaskResultStatus.READY
    marker = PendingRecompute.objects.get(episode=clinic.episode)
    assert marker.attempts == 1 and "database is locked" in marker.last_error

    monkeypatch.undo()
    make_due(retry)
    work()
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL
    assert not PendingRecompute.objects.filter(episode=clinic.episode).exists()


def test_the_job_finds_nothing_to_do_when_the_marker_was_already_handled(
    queue: None, clinic: Any
) -> None:
    with transaction.atomic():
        recompute.after_commit(clinic.episode)
    pending.process(due_only=False)  # e.g. a retry after a request got there first
    work()
    assert rows()[0].return_value == "already done"


def test_a_request_leaves_a_fresh_marker_to_the_worker_and_picks_up_an_old_one(
    clinic: Any,
) -> None:
    """The retry after requests is for markers the worker did not handle in time."""
    pending.mark(clinic.episode.pk)
    assert pending.process(older_than=pending.WORKER_GRACE) == {"done": 0, "failed": 0}
    PendingRecompute.objects.update(requested_at=timezone.now() - dt.timedelta(minutes=2))
    assert pending.process(older_than=pending.WORKER_GRACE) == {"done": 1, "failed": 0}


def test_the_worker_outlives_a_database_that_stops_answering(
    queue: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A database restart made the worker's look at the queue fail, then the recording of a
    job it had run; the worker (and with it `alliance serve`'s web server) keeps going, and the
    job it could not record runs again once it is stale."""
    from django.db import OperationalError

    from alliance.jobs.worker import ScheduledWorker

    worker = ScheduledWorker(**worker_arguments(batch=False))
    looks: list[int] = []
    claim = worker.claim_next

    def look() -> DBTaskResult | None:
        looks.append(len(looks) + 1)
        if looks[-1] == 1:
            raise OperationalError("the database system is shutting down")
        if looks[-1] == 3:
            worker.running = False  # stop after the third look
            return None
        return claim()

    def unreachable(self: DBTaskResult, *args: Any, **kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(worker, "claim_next", look)
    monkeypatch.setattr(worker, "_pause", lambda seconds: None)
    monkeypatch.setattr(worker, "keep_time", lambda: None)  # no periodic slots in this test
    monkeypatch.setattr(DBTaskResult, "set_successful", unreachable)
    monkeypatch.setattr(DBTaskResult, "set_failed", unreachable)
    flaky.flaky.enqueue(21, organization_id=None)

    worker.run()
    assert looks == [1, 2, 3]
    assert flaky.calls == [21]  # it ran; its outcome could not be written
    assert caplog.text.count("the database did not answer") == 2
    (row,) = rows()
    assert row.status == TaskResultStatus.RUNNING

    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(days=1))
    assert runner.recover_stale() == 1
    work()
    (row,) = rows()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert flaky.calls == [21, 21]
