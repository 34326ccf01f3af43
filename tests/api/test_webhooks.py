"""Alert webhooks against a local HTTP server on 127.0.0.1: signed, retried, recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from alliance.api import webhooks
from alliance.api.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from alliance.insights.models import Alert
from tests.conftest import Clinic

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
        def do_POST(self) -> None:  # noqa: N802
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
def loopback_allowed(settings) -> None:  # noqa: ANN001
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1


def raise_alert(clinic: Clinic, fingerprint: str = "risk:1") -> Alert:
    return Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        kind="risk",
        severity="risk",
        reason="PHQ-9 item 9 answered 1",
        fingerprint=fingerprint,
    )


def endpoint(clinic: Clinic, url: str, org=None) -> WebhookEndpoint:  # noqa: ANN001
    return WebhookEndpoint.objects.create(organization=org or clinic.org, url=url, secret=SECRET)


def test_a_new_alert_is_posted_signed(clinic: Clinic, receiver, loopback_allowed) -> None:  # noqa: ANN001
    state, url = receiver
    endpoint(clinic, url)
    alert = raise_alert(clinic)
    out = io.StringIO()
    call_command("webhooks", "deliver", "--once", stdout=out)
    assert "queued 1, attempted 1" in out.getvalue()
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
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.tries.get().status_code == 200
    call_command("webhooks", "deliver", "--once", stdout=io.StringIO())
    assert len(state.received) == 1  # never sent twice


def test_failures_are_retried_with_backoff_and_recorded(
    clinic: Clinic,
    receiver,
    loopback_allowed,
    settings,  # noqa: ANN001
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    state, url = receiver
    state.statuses = [500, 503]
    endpoint(clinic, url)
    raise_alert(clinic)
    webhooks.enqueue_new_alerts()
    assert webhooks.deliver_due() == 1
    delivery = WebhookDelivery.objects.get()
    first_wait = delivery.next_attempt_at - timezone.now()
    assert delivery.state == "pending" and first_wait > dt.timedelta(seconds=20)
    assert webhooks.deliver_due() == 0  # not yet due
    later = timezone.now() + dt.timedelta(hours=1)
    webhooks.deliver_due(now=later)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - timezone.now() > first_wait  # waits longer each time
    webhooks.deliver_due(now=later + dt.timedelta(hours=2))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert [t.status_code for t in delivery.tries.all()] == [500, 503, 200]


def test_unreachable_endpoint_gives_up_after_the_limit(
    clinic: Clinic, loopback_allowed, settings
) -> None:  # noqa: ANN001
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    endpoint(clinic, "http://127.0.0.1:9/nothing-listens")
    raise_alert(clinic)
    webhooks.enqueue_new_alerts()
    far = timezone.now() + dt.timedelta(days=1)
    webhooks.deliver_due(now=far)
    webhooks.deliver_due(now=far + dt.timedelta(days=1))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 2
    assert all(t.error and t.status_code is None for t in delivery.tries.all())


def test_plain_http_is_refused_without_the_setting(clinic: Clinic, receiver) -> None:  # noqa: ANN001
    state, url = receiver
    endpoint(clinic, url)
    raise_alert(clinic)
    webhooks.enqueue_new_alerts()
    webhooks.deliver_due()
    assert not state.received
    assert "https://" in WebhookDelivery.objects.get().tries.get().error


def test_other_organizations_alerts_and_old_alerts_are_not_sent(
    clinic: Clinic, receiver, loopback_allowed
) -> None:  # noqa: ANN001
    state, url = receiver
    raise_alert(clinic, "before-registration")
    Alert.objects.filter(fingerprint="before-registration").update(
        opened_at=timezone.now() - dt.timedelta(hours=1)
    )
    endpoint(clinic, url, org=clinic.other_org)
    raise_alert(clinic, "ours")
    assert webhooks.enqueue_new_alerts() == 0
    ours = endpoint(clinic, url)
    assert webhooks.enqueue_new_alerts() == 0  # the alert predates the endpoint
    raise_alert(clinic, "new")
    assert webhooks.enqueue_new_alerts() == 1
    assert WebhookDelivery.objects.get().endpoint == ours


def test_admin_sees_each_attempt(clinic: Clinic, receiver, loopback_allowed) -> None:  # noqa: ANN001
    state, url = receiver
    state.statuses = [502]
    endpoint(clinic, url)
    raise_alert(clinic)
    webhooks.enqueue_new_alerts()
    webhooks.deliver_due()
    page = clinic.login("admin").get("/org/integrations/").content.decode()
    assert "HTTP 502" in page and url in page
