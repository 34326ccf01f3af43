"""The admin's job page: own organization only, the error shown, retry queues the job again."""

from __future__ import annotations

from typing import Any

from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.jobs import flaky
from tests.jobs.conftest import work


def failed_job(organization_id: int, message: str) -> DBTaskResult:
    flaky.plan["failures_left"] = 1
    flaky.flaky.enqueue(3, organization_id=organization_id, attempt=3)
    work()
    row = DBTaskResult.objects.get(
        status=TaskResultStatus.FAILED, args_kwargs__kwargs__organization_id=organization_id
    )
    DBTaskResult.objects.filter(pk=row.pk).update(traceback=f"RuntimeError: {message}")
    return row


def test_admin_sees_own_failed_jobs_with_their_error_and_retries_one(
    queue: None, clinic: Any
) -> None:
    own = failed_job(clinic.org.pk, "own clinic mail server down")
    failed_job(clinic.other_org.pk, "other clinic secret error")

    http = clinic.login("admin")
    page = http.get("/org/jobs/").content.decode()
    assert "own clinic mail server down" in page
    assert "other clinic secret error" not in page
    assert "flaky" in page and "Retry now" in page

    response = http.post(f"/org/jobs/{own.pk}/retry/")
    assert response.status_code == 302
    queued = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert queued.args_kwargs == {"args": [3], "kwargs": {"organization_id": clinic.org.pk}}
    work()
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL


def test_therapist_may_not_see_the_job_page(clinic: Any) -> None:
    assert clinic.login("therapist").get("/org/jobs/").status_code == 403


def test_a_failed_job_whose_code_is_gone_is_shown_and_cannot_be_retried(
    queue: None, clinic: Any
) -> None:
    from django.utils import timezone

    gone = DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED,
        args_kwargs={"args": [], "kwargs": {"organization_id": clinic.org.pk}},
        task_path="alliance.removed_app.jobs.old_job",
        backend_name="default",
        run_after=timezone.now(),
        traceback="ImportError: gone",
    )
    http = clinic.login("admin")
    assert "old job" in http.get("/org/jobs/").content.decode()
    response = http.post(f"/org/jobs/{gone.pk}/retry/", follow=True)
    assert "no longer exists" in response.content.decode()
    assert DBTaskResult.objects.count() == 1


def test_a_retry_by_hand_is_in_the_audit_trail(queue: None, clinic: Any) -> None:
    from alliance.audit.models import AuditEvent

    own = failed_job(clinic.org.pk, "mail server down")
    clinic.login("admin").post(f"/org/jobs/{own.pk}/retry/")
    event = AuditEvent.objects.get(object_type="jobs.TaskResult")
    assert event.actor == clinic.admin and event.organization == clinic.org
    assert event.object_id == str(own.pk) and "flaky" in event.after["job"]
