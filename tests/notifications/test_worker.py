"""Through the real worker (database backend, real commits): a client's risk answer through
their link ends as a line for the therapist and exactly one email, however often the worker
runs, including the alert's own path and the sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from alliance.insights.models import AlertEvent
from alliance.jobs import clock
from alliance.notifications import jobs
from alliance.notifications.models import Notification, Policy, RiskWatch
from tests.checkins.helpers import form_key, issue
from tests.conftest import Clinic
from tests.jobs.conftest import queue, work  # noqa: F401 - queue is the fixture

pytestmark = pytest.mark.usefixtures("queue")


def test_a_risk_answer_through_the_worker_is_one_line_and_one_email(
    clinic: Clinic, mailbox: list[Any]
) -> None:
    _request, token = issue(clinic, only=("phq-9",))
    http = HttpClient()
    key = form_key(http.get(f"/c/{token}/").content.decode())
    data = {"idempotency_key": key, "send_with_gaps": "1"}
    data |= {f"q1-phq9-{i}": "1" for i in range(1, 9)} | {"q1-phq9-9": "3"}
    assert http.post(f"/c/{token}/", data).status_code == 302
    assert not Notification.objects.exists()  # the request only queued the work
    work()  # the recompute, the notification and, queued by it, the email
    work()
    jobs.notify_missed_risk_alerts()
    work()
    kinds = sorted(
        Notification.objects.filter(recipient=clinic.therapist).values_list("kind", flat=True)
    )
    assert kinds == ["checkin", "risk"]
    assert len(mailbox) == 1 and mailbox[0]["X-RcptTo"] == "tess@northside.test"
    assert RiskWatch.objects.get().notice_sent_at is not None


def test_the_workers_own_clock_escalates_an_unacknowledged_risk_answer(
    clinic: Clinic, mailbox: list[Any]
) -> None:
    """No cron line: the worker's schedule starts the escalation like any periodic work."""
    Policy.objects.create(organization=clinic.org, escalate_after_hours=1)
    _request, token = issue(clinic, only=("phq-9",))
    http = HttpClient()
    key = form_key(http.get(f"/c/{token}/").content.decode())
    data = {"idempotency_key": key, "send_with_gaps": "1"}
    data |= {f"q1-phq9-{i}": "1" for i in range(1, 9)} | {"q1-phq9-9": "2"}
    http.post(f"/c/{token}/", data)
    work()
    work()
    RiskWatch.objects.update(raised_at=timezone.now() - dt.timedelta(hours=2))
    mailbox.clear()
    assert "alliance.notifications.jobs.escalate_unacknowledged_risk" in clock.start_due()
    work()
    assert AlertEvent.objects.filter(note__startswith="Escalated to Sam").count() == 1
    assert [m["X-RcptTo"] for m in mailbox] == ["sam@northside.test"]
