"""Check-in emails go out from the worker, once per "send", never inside the page's request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.audit.models import AuditEvent
from alliance.checkins import jobs as checkin_jobs
from alliance.checkins.models import CheckinRequest, CheckinState
from alliance.jobs.models import Effect
from tests.checkins.helpers import issue
from tests.jobs.conftest import make_due, rows, work


def _post_send(clinic: Any, checkin: CheckinRequest, token: str) -> Any:
    return clinic.login("therapist").post(
        f"/sessions/{clinic.session.pk}/checkins/{checkin.pk}/email/", {"token": token}
    )


def test_the_page_queues_the_email_and_the_worker_sends_it_once(queue: None, clinic: Any) -> None:
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    checkin, token = issue(clinic)
    response = _post_send(clinic, checkin, token)
    assert response.status_code == 302
    assert mail.outbox == []  # nothing was sent inside the request
    (row,) = rows()
    assert token not in str(row.args_kwargs)  # the token travels sealed
    assert row.args_kwargs["kwargs"]["organization_id"] == clinic.org.pk

    work()
    assert len(mail.outbox) == 1 and f"/c/{token}/" in mail.outbox[0].body
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == "sent"

    # The same job again (an admin's retry, a recovered job): no second email.
    DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.READY)
    work()
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get(pk=row.pk).return_value == "already sent"
    assert AuditEvent.objects.filter(action="send").count() == 1

    # A second click is a second email, by request.
    _post_send(clinic, checkin, token)
    work()
    assert len(mail.outbox) == 2


def test_a_mail_server_failure_is_retried_and_then_sends_once(
    queue: None, clinic: Any, settings: Any
) -> None:
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    checkin, token = issue(clinic)
    _post_send(clinic, checkin, token)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    work()
    failed, retry = rows()
    assert failed.status == TaskResultStatus.FAILED
    assert "Connection refused" in failed.traceback or "Errno" in failed.traceback
    assert not Effect.objects.exists()  # released: the retry need not wait for it to go stale

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due(retry)
    work()
    assert len(mail.outbox) == 1
    checkin.refresh_from_db()
    assert checkin.email_sent_at is not None


def test_a_link_answered_or_cancelled_before_the_worker_gets_to_it_is_not_sent(
    queue: None, clinic: Any
) -> None:
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    checkin, token = issue(clinic)
    _post_send(clinic, checkin, token)
    CheckinRequest.objects.filter(pk=checkin.pk).update(state=CheckinState.CANCELLED)
    work()
    assert mail.outbox == []
    assert "cancelled" in rows()[0].return_value


def test_overdue_links_are_marked_expired_with_an_audit_record(queue: None, clinic: Any) -> None:
    overdue, _ = issue(clinic)
    assert checkin_jobs.expire_overdue_links() == "0 link(s) expired"  # not yet
    CheckinRequest.objects.filter(pk=overdue.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert checkin_jobs.expire_overdue_links() == "1 link(s) expired"
    overdue.refresh_from_db()
    assert overdue.state == CheckinState.EXPIRED
    event = AuditEvent.objects.filter(object_id=str(overdue.pk), action="update").last()
    assert event.after["state"] == "expired" and event.actor_label == "background task"
    assert checkin_jobs.expire_overdue_links() == "0 link(s) expired"  # safe to run again


def test_a_job_whose_sealed_link_cannot_be_opened_fails_once_with_a_clear_error(
    queue: None, clinic: Any, settings: Any
) -> None:
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    checkin, token = issue(clinic)
    _post_send(clinic, checkin, token)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40  # rotated without the old one
    work()
    (row,) = rows()  # no retry: it would fail the same way
    assert row.status == TaskResultStatus.FAILED
    assert "can no longer be opened" in row.traceback
    assert mail.outbox == []
