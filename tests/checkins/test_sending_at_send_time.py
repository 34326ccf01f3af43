"""What is checked again when a link is about to go out: the clinic's clock for the quiet hours,
a client who left, a closed episode, a moment long past, the client's current channel, and a
text message with no gateway to carry it."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from typing import Any

from django.core import mail
from django.utils import timezone

from alliance.care.models import Session
from alliance.checkins import jobs, sending, services, sms
from alliance.checkins.models import ContactPreferences, ScheduledLink, SendState

from .test_scheduled_links import consenting, upcoming  # noqa: F401 - the fixture

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def queued_row(clinic: Any, capture: Any) -> ScheduledLink:
    """A session check-in due now, queued but its job not yet run."""
    upcoming(clinic, timezone.now() - dt.timedelta(minutes=55))
    with capture(execute=False):
        assert jobs.send_due_links(now=timezone.now()) == 1
    return ScheduledLink.objects.get()


def test_a_pulse_waits_for_quiet_hours_on_the_clinics_clock(consenting: Any) -> None:  # noqa: F811
    consenting.org.time_zone = "America/New_York"
    consenting.org.save()
    ContactPreferences.objects.filter(client=consenting.client).update(
        quiet_from=dt.time(21), quiet_until=dt.time(8)
    )
    row = services.episode_settings(consenting.episode)
    row.pulse_every_days = 7
    row.save()
    Session.objects.filter(pk=consenting.session.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=30)
    )
    tomorrow = timezone.now().astimezone(NEW_YORK).date() + dt.timedelta(days=1)
    # 03:00 in New York is 08:00 UTC: outside the quiet hours on the server's clock only
    due = dt.datetime.combine(tomorrow, dt.time(3), tzinfo=NEW_YORK)
    upcoming(consenting, due - dt.timedelta(days=7, minutes=50))
    sending._schedule_pulses(due + dt.timedelta(minutes=1), deliver_job=None)
    pulse = ScheduledLink.objects.get(purpose="pulse")
    assert pulse.send_at == dt.datetime.combine(tomorrow, dt.time(8), tzinfo=NEW_YORK)
    assert pulse.queued_at is None


def test_a_job_run_in_the_quiet_hours_waits_for_the_morning(
    consenting: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    row = queued_row(consenting, django_capture_on_commit_callbacks)
    now = timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/London"))
    start = (now - dt.timedelta(hours=1)).time().replace(microsecond=0)
    until = (now + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    ContactPreferences.objects.filter(client=consenting.client).update(
        quiet_from=start, quiet_until=until
    )
    assert "quiet hours" in sending.deliver(row.pk)
    row.refresh_from_db()
    assert mail.outbox == [] and row.state == SendState.WAITING
    assert row.send_at > timezone.now() and row.send_at.astimezone(now.tzinfo).time() == until


def test_a_client_who_left_is_not_sent_a_link(
    consenting: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    row = queued_row(consenting, django_capture_on_commit_callbacks)
    row.participant.left_on = timezone.localdate()
    row.participant.save()
    assert sending.deliver(row.pk) == SendState.HELD
    row.refresh_from_db()
    assert row.held_reason == "left" and mail.outbox == []
    [status] = sending.session_statuses(row.session)
    assert status.state == "held" and "has left" in status.detail


def test_a_closed_episode_sends_nothing(
    consenting: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    row = queued_row(consenting, django_capture_on_commit_callbacks)
    consenting.episode.status = "closed"
    consenting.episode.save()
    sending.deliver(row.pk)
    row.refresh_from_db()
    assert row.held_reason == "episode_closed" and mail.outbox == []


def test_a_job_run_long_after_its_moment_is_not_sent_late(
    consenting: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    row = queued_row(consenting, django_capture_on_commit_callbacks)
    ScheduledLink.objects.filter(pk=row.pk).update(send_at=timezone.now() - dt.timedelta(hours=13))
    sending.deliver(row.pk)
    row.refresh_from_db()
    assert row.state == SendState.HELD and row.held_reason == "stale" and mail.outbox == []
    [status] = sending.session_statuses(row.session)
    assert "too long ago" in status.detail


def test_the_reminder_goes_through_the_channel_the_client_chose_since(
    consenting: Any,  # noqa: F811
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SMS_BACKEND = "alliance.checkins.sms.MemorySmsBackend"
    sms.MemorySmsBackend.outbox.clear()
    ContactPreferences.objects.filter(client=consenting.client).update(channel="sms")
    row = queued_row(consenting, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.deliver(row.pk) == "sent"
    assert len(sms.MemorySmsBackend.outbox) == 1
    ContactPreferences.objects.filter(client=consenting.client).update(channel="email")
    assert sending.remind(row.pk) == "reminded"
    assert len(sms.MemorySmsBackend.outbox) == 1
    assert [m.to for m in mail.outbox] == [["alex@example.test"]]
    # and a consent withdrawn since stops the reminder
    ContactPreferences.objects.filter(client=consenting.client).update(consent=False)
    ScheduledLink.objects.filter(pk=row.pk).update(reminded_at=None)
    assert sending.remind(row.pk) == "held: no_consent"


def test_no_sms_gateway_in_production_holds_text_messages_and_says_why(
    consenting: Any,  # noqa: F811
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SMS_BACKEND = "alliance.checkins.sms.ConsoleSmsBackend"
    settings.ALLIANCE_ENV, settings.DEBUG = "production", False
    ContactPreferences.objects.filter(client=consenting.client).update(channel="sms")
    row = queued_row(consenting, django_capture_on_commit_callbacks)
    assert sending.deliver(row.pk) == SendState.HELD
    [status] = sending.session_statuses(row.session)
    assert status.state == "held" and "No SMS gateway is configured" in status.detail


def test_the_console_backend_masks_the_token_and_the_number(caplog: Any) -> None:
    token = "A" * 43
    with caplog.at_level(logging.WARNING):
        sms.ConsoleSmsBackend().send("+44 7700 900123", f"Your link: https://x.test/c/{token}/")
    assert token not in caplog.text and "900123" not in caplog.text
    assert "***123" in caplog.text
