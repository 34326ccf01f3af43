"""A real worker is killed (SIGKILL) in the middle of sending a check-in email, or of posting an
alert webhook; a second worker takes the job over once it is stale, and the effect happens once:
one email at a real SMTP server, one acknowledged delivery at a real HTTP receiver.

Real processes (`alliance worker`) against the test database, so PostgreSQL only: the SQLite
test database lives in this process's memory, where another process cannot reach it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.api import webhooks
from alliance.api.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from alliance.checkins import jobs as checkin_jobs
from alliance.checkins.models import CheckinRequest
from alliance.insights.models import Alert
from alliance.jobs.models import Effect
from tests.checkins.helpers import issue

BIN = Path(sys.executable).parent
STALE_SECONDS = 3

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: the worker processes must reach the test database",
)


class Inbox:
    """An SMTP server's mailbox that holds the first conversation at RCPT until released, so
    the test knows the worker is in the middle of the job when it kills it."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.in_the_middle = threading.Event()
        self.released = False
        self.held = False

    async def handle_RCPT(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if not self.held:
            self.held = True
            self.in_the_middle.set()
            while not self.released:
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 Message accepted for delivery"


def free_port() -> int:
    for port in range(8150, 8200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8150-8199")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    inbox.released = True
    controller.stop()


def worker_environment(port: int) -> dict[str, str]:
    database = connection.settings_dict
    url = (
        f"postgresql://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    return {
        **os.environ,
        "ALLIANCE_ENV": "test",
        "ALLIANCE_JOBS_AT_ONCE": "false",
        "DATABASE_URL": url,
        "ALLIANCE_SECRET_KEY": django_settings.SECRET_KEY,  # to open the sealed token
        "ALLIANCE_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "ALLIANCE_EMAIL_HOST": "127.0.0.1",
        "ALLIANCE_EMAIL_PORT": str(port),
        "ALLIANCE_JOB_STALE_SECONDS": str(STALE_SECONDS),
        "ALLIANCE_JOB_RETRY_BASE_SECONDS": "1",
    }


def start_worker(name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [BIN / "alliance", "worker", "--interval", "0.2", "--worker-id", name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def email_job() -> DBTaskResult:
    return DBTaskResult.objects.get(task_path__endswith="send_link_email")


def test_a_worker_killed_mid_email_is_replaced_and_the_email_arrives_once(
    queue: None, clinic: Any, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    checkin, token = issue(clinic)
    checkin_jobs.queue_link_email(checkin, token, asked_by=clinic.therapist)  # committed
    env = worker_environment(port)

    first = start_worker("first", env)
    try:
        assert inbox.in_the_middle.wait(20), "the first worker never reached the mail server"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    left = email_job()
    assert left.status == TaskResultStatus.RUNNING  # left behind by the dead worker
    assert inbox.messages == []
    # Not yet stale when the second worker starts: it is the worker's look every second or so,
    # not the one at its start, that takes the job over.
    assert timezone.now() - left.started_at < dt.timedelta(seconds=STALE_SECONDS)

    second = start_worker("second", env)
    try:
        assert wait_for(lambda: email_job().status == TaskResultStatus.SUCCESSFUL, 20)
        time.sleep(1)  # time for a second, wrong, email to arrive
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert len(inbox.messages) == 1
    assert f"/c/{token}/" in inbox.messages[0]
    job = email_job()
    assert job.worker_ids == ["first", "second"] and job.return_value == "sent"
    assert Effect.objects.get().done_at is not None
    assert CheckinRequest.objects.get(pk=checkin.pk).email_sent_at is not None


class Receiver:
    """An HTTP receiver that reads the first POST and never answers it (the worker is killed
    while it waits), then answers every later one with 200."""

    def __init__(self) -> None:
        self.seen: list[str] = []  # X-Alliance-Delivery of every POST that arrived
        self.acknowledged: list[str] = []  # … of those answered 2xx
        self.in_the_middle = threading.Event()
        self.released = threading.Event()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            delivery = self.headers["X-Alliance-Delivery"]
            state.seen.append(delivery)
            if len(state.seen) == 1:
                state.in_the_middle.set()
                state.released.wait(30)
                return  # no answer: the sender is gone
            self.send_response(200)
            self.end_headers()
            state.acknowledged.append(delivery)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_port}/hook"
    state.released.set()
    server.shutdown()
    server.server_close()


def test_a_worker_killed_mid_webhook_is_replaced_and_the_delivery_is_acknowledged_once(
    queue: None, clinic: Any, receiver: tuple[Receiver, str], settings: Any
) -> None:
    state, url = receiver
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = True
    WebhookEndpoint.objects.create(organization=clinic.org, url=url, secret="k" * 64)
    Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        # Not a risk answer: that would also raise its own content-free risk event, and this
        # test follows one delivery.
        kind="low_alliance",
        severity="high",
        reason="Alliance 5 today, below the cutoff of 7.",
        fingerprint="low_alliance:1",
    )
    assert webhooks.queue_new_deliveries() == 1  # the delivery and its job, committed
    env = {
        **worker_environment(free_port()),
        "ALLIANCE_WEBHOOK_ALLOW_LOOPBACK_HTTP": "true",
        "ALLIANCE_WEBHOOKS_ALLOW_PRIVATE": "true",
    }

    first = start_worker("first", env)
    try:
        assert state.in_the_middle.wait(20), "the first worker never posted"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
        state.released.set()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 0

    second = start_worker("second", env)
    try:
        assert wait_for(lambda: WebhookDelivery.objects.get().state == DeliveryState.DELIVERED, 20)
        time.sleep(1)  # time for a wrong third post
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    delivery.refresh_from_db()
    assert state.acknowledged == [str(delivery.pk)]  # one delivery, acknowledged once
    # The receiver saw the unanswered first post too, under the same delivery id: what it
    # de-duplicates on (docs/api.md).
    assert state.seen == [str(delivery.pk)] * 2
    assert delivery.attempts == 1 and [t.status_code for t in delivery.tries.all()] == [200]
