"""A real worker is killed (SIGKILL) in the middle of sending a check-in email; a second worker
takes the job over once it is stale, and exactly one email arrives at a real SMTP server.

Real processes (`alliance worker`) against the test database, so PostgreSQL only: the SQLite
test database lives in this process's memory, where another process cannot reach it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.checkins import jobs as checkin_jobs
from alliance.checkins.models import CheckinRequest
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

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if not self.held:
            self.held = True
            self.in_the_middle.set()
            while not self.released:
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
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
    assert email_job().status == TaskResultStatus.RUNNING  # left behind by the dead worker
    assert inbox.messages == []

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
