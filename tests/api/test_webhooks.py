"""Alert webhooks against a local HTTP server on 127.0.0.1: queued by the worker's scan, signed,
sent and retried by the worker, posted once however often a job runs, recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.api import jobs as api_jobs
from alliance.api import webhooks
from alliance.api.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from alliance.insights.models import Alert
from alliance.jobs import effects
from tests.conftest import Clinic
from tests.jobs.conftest import make_due, rows, use_database_queue, work

pytestmark = pytest.mark.django_db
SECRET = "k" * 64


class Receiver:
    def __init__(self) -> None:
        self.statuses: list[int] = []  # what to answer, in order; then 200
        self.received: list[tuple[dict[str, str], bytes]] = []


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def queue(settings, transactional_db) -> None:
    """Jobs wait in the database for `work()`, as they would for `alliance worker`."""
    use_database_queue(settings)


@pytest.fixture
def loopback_allowed(settings) -> None:
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1


def due_now(job: DBTaskResult) -> None:
    """As if the delivery's wait had passed: its job and its own time."""
    make_due(job)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())


def raise_alert(clinic: Clinic, fingerprint: str = "risk:1") -> Alert:
    return Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        kind="risk",
        severity="risk",
        reason="PHQ-9 item 9 answered 1",
        fingerprint=fingerprint,
    )


def endpoint(clinic: Clinic, url: str, org=None) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(organization=org or clinic.org, url=url, secret=SECRET)


def test_a_new_alert_is_posted_signed_by_the_worker_once(
    queue: None, clinic: Clinic, receiver, loopback_allowed
) -> None:
    state, url = receiver
    endpoint(clinic, url)
    alert = raise_alert(clinic)
    assert api_jobs.find_alerts_for_webhooks() == "1 new deliveries, 0 overdue queued again"
    assert state.received == []  # queued, not sent by the scan
    work()
    headers, body = state.received[0]
    # The timestamp is signed with the body (issue 14, finding 3): "<timestamp>." + body.
    stamp = headers["X-Alliance-Timestamp"]
    assert abs(int(stamp) - time.time()) < 60
    signed = stamp.encode() + b"." + body
    expected = "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Alliance-Signature"] == expected
    unsigned_time = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Alliance-Signature"] != unsigned_time
    data = json.loads(body)
    assert data["alert"]["id"] == alert.pk and data["alert"]["client_codes"] == ["C-0001"]
    assert "Alex" not in body.decode()
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Alliance-Delivery"] == str(delivery.pk)  # the receiver's idempotency key
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.tries.get().status_code == 200

    assert webhooks.queue_new_deliveries() == 0  # a second scan finds nothing new
    (job,) = rows()
    assert job.return_value == "delivered"
    DBTaskResult.objects.filter(pk=job.pk).update(status=TaskResultStatus.READY)
    work()  # the same job again (a retry by hand, a recovered job)
    assert len(state.received) == 1  # never sent twice
    assert DBTaskResult.objects.get(pk=job.pk).return_value == "already delivered"


def test_a_delivery_another_worker_is_posting_is_not_posted_again(
    queue: None, clinic: Clinic, receiver, loopback_allowed
) -> None:
    state, url = receiver
    endpoint(clinic, url)
    raise_alert(clinic)
    with transaction.atomic():
        webhooks.queue_new_deliveries()
        delivery = WebhookDelivery.objects.get()
        effects.claim(f"webhook-delivery:{delivery.pk}")  # as if a live worker were posting it
    with pytest.raises(effects.EffectBusy):
        webhooks.deliver(delivery.pk)
    assert state.received == []


def test_failures_are_retried_with_backoff_and_recorded(
    queue: None,
    clinic: Clinic,
    receiver,
    loopback_allowed,
    settings,
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    state, url = receiver
    state.statuses = [500, 503]
    endpoint(clinic, url)
    raise_alert(clinic)
    webhooks.queue_new_deliveries()
    work()
    delivery = WebhookDelivery.objects.get()
    first_wait = delivery.next_attempt_at - timezone.now()
    assert delivery.state == "pending" and first_wait > dt.timedelta(seconds=20)
    failed, retry = rows()
    assert failed.status == TaskResultStatus.FAILED
    assert (
        "HTTP 500 from" in failed.traceback and "attempt 1 of 3, will try again" in failed.traceback
    )
    assert retry.status == TaskResultStatus.READY and retry.run_after == delivery.next_attempt_at
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    work()
    assert len(state.received) == 1  # not yet due

    due_now(retry)
    work()
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - timezone.now() > first_wait  # waits longer each time
    due_now(rows()[-1])
    work()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert [t.status_code for t in delivery.tries.all()] == [500, 503, 200]
    assert [r.status for r in rows()] == ["FAILED", "FAILED", "SUCCESSFUL"]


def test_unreachable_endpoint_gives_up_after_the_limit_and_a_retry_by_hand_tries_again(
    queue: None, clinic: Clinic, receiver, loopback_allowed, settings
) -> None:
    state, url_of_receiver = receiver
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    endpoint(clinic, "http://127.0.0.1:9/nothing-listens")
    raise_alert(clinic)
    webhooks.queue_new_deliveries()
    work()
    due_now(rows()[-1])
    work()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 2
    assert all(t.error and t.status_code is None for t in delivery.tries.all())
    assert "gave up" in rows()[-1].traceback
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()

    # The admin fixes the address and presses "Retry now" on the Jobs page: one more attempt.
    WebhookEndpoint.objects.update(url=url_of_receiver)
    response = clinic.login("admin").post(f"/org/jobs/{rows()[-1].pk}/retry/")
    assert response.status_code == 302
    assert rows()[-1].args_kwargs["kwargs"]["by_hand"] is True
    work()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 3
    assert len(state.received) == 1


def test_a_delivery_whose_job_was_lost_is_queued_again(
    queue: None, clinic: Clinic, receiver, loopback_allowed
) -> None:
    state, url = receiver
    endpoint(clinic, url)
    raise_alert(clinic)
    webhooks.queue_new_deliveries()
    DBTaskResult.objects.all().delete()  # e.g. removed by hand
    assert webhooks.queue_overdue() == 0  # not late enough to tell
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(hours=1))
    assert webhooks.queue_overdue() == 1
    assert webhooks.queue_overdue() == 0  # not again while its job waits
    work()
    assert len(state.received) == 1


def test_plain_http_is_refused_without_the_setting(clinic: Clinic, receiver) -> None:
    state, url = receiver
    endpoint(clinic, url)
    raise_alert(clinic)
    webhooks.queue_new_deliveries()  # the immediate backend runs the delivery at once
    assert not state.received
    assert "https://" in WebhookDelivery.objects.get().tries.get().error


def test_other_organizations_alerts_and_old_alerts_are_not_sent(
    clinic: Clinic, receiver, loopback_allowed
) -> None:
    state, url = receiver
    raise_alert(clinic, "before-registration")
    Alert.objects.filter(fingerprint="before-registration").update(
        opened_at=timezone.now() - dt.timedelta(hours=1)
    )
    endpoint(clinic, url, org=clinic.other_org)
    raise_alert(clinic, "ours")
    assert webhooks.queue_new_deliveries() == 0
    ours = endpoint(clinic, url)
    assert webhooks.queue_new_deliveries() == 0  # the alert predates the endpoint
    raise_alert(clinic, "new")
    assert webhooks.queue_new_deliveries() == 1
    assert WebhookDelivery.objects.get().endpoint == ours


def test_admin_sees_each_attempt(clinic: Clinic, receiver, loopback_allowed) -> None:
    state, url = receiver
    state.statuses = [502]
    endpoint(clinic, url)
    raise_alert(clinic)
    webhooks.queue_new_deliveries()
    page = clinic.login("admin").get("/org/integrations/").content.decode()
    assert "HTTP 502" in page and url in page
