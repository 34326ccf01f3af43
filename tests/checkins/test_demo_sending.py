"""On a fresh demo, today's demo session sends its check-in by itself shortly after its start."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail
from django.utils import timezone

from alliance import demo
from alliance.care.models import Session
from alliance.checkins import jobs, sending


def test_the_demo_session_of_today_sends_its_checkin_shortly_after_the_start(
    db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    demo.load_demo()
    today = Session.objects.filter(
        episode__organization__slug=demo.DEMO_SLUG,
        starts_at__gt=timezone.now(),
        starts_at__lte=timezone.now() + dt.timedelta(minutes=2),
    ).get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.send_due_links(now=today.starts_at + dt.timedelta(minutes=1))
    sent_for_today = [m for m in mail.outbox if "how was your session" in m.subject]
    assert sent_for_today == []
    with django_capture_on_commit_callbacks(execute=True):
        jobs.send_due_links(now=today.starts_at + dt.timedelta(minutes=2, seconds=5))
    [message] = [m for m in mail.outbox if "how was your session" in m.subject]
    assert message.to[0].endswith("@clients.example.org")
    assert [s.state for s in sending.session_statuses(today)] == ["sent"]
