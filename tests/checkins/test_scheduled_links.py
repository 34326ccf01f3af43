"""Links that go out by themselves: the plan decides what and when, the client's consent,
channel and quiet hours decide whether and how, and each link is sent once however often the
periodic function runs. The periodic functions are called directly with a given `now`."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from alliance.audit.models import AuditEvent
from alliance.care.models import Session
from alliance.checkins import jobs, sending, sms
from alliance.checkins.models import (
    CheckinRequest,
    ContactPreferences,
    ScheduledLink,
    SendingSettings,
    SendState,
)
from alliance.jobs.schedule import PERIODIC, autodiscover

LONDON = zoneinfo.ZoneInfo("Europe/London")
NO_QUIET = dt.time(0)  # quiet from 00:00 until 00:00: none
LINK = re.compile(r"/c/([A-Za-z0-9_-]{40,64})/")


def older_session_only(clinic: Any) -> None:
    """The clinic's own session took place two days ago: nothing of it is due any more."""
    Session.objects.filter(pk=clinic.session.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=2)
    )


@pytest.fixture
def consenting(clinic: Any) -> Any:
    older_session_only(clinic)
    clinic.org.time_zone = "Europe/London"
    clinic.org.save()
    clinic.client.email = "alex@example.test"
    clinic.client.phone = "+44 7700 900123"
    clinic.client.save()
    # No quiet hours unless a test sets them: the tests run at any hour of the day.
    ContactPreferences.objects.create(
        client=clinic.client, consent=True, quiet_from=NO_QUIET, quiet_until=NO_QUIET
    )
    return clinic


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def upcoming(clinic: Any, start: dt.datetime, minutes: int = 50) -> Session:
    return Session.objects.create(
        episode=clinic.episode,
        number=clinic.episode.next_session_number(),
        starts_at=start,
        duration_minutes=minutes,
        status="scheduled",
    )


def run(now: dt.datetime, capture: Any) -> int:
    """One periodic run, with the jobs it queues run at once (the immediate backend)."""
    with capture(execute=True):
        return jobs.send_due_links(now=now)


def tokens(message: Any) -> list[str]:
    return LINK.findall(message.body)


def test_the_periodic_functions_are_registered() -> None:
    autodiscover()
    assert "alliance.checkins.jobs.send_due_links" in PERIODIC
    assert PERIODIC["alliance.checkins.jobs.send_due_reminders"].every == dt.timedelta(minutes=5)


def test_the_plan_sends_before_questions_the_evening_before_and_the_checkin_at_the_end(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Two days ahead: the link the job sends lives CHECKIN_LINK_HOURS (72) from the real clock,
    # so it is still valid at the session's end whatever the hour the suite runs at.
    day = timezone.localdate() + dt.timedelta(days=2)
    session = upcoming(consenting, local(day, 14))
    evening = local(day - dt.timedelta(days=1), 18, 5)

    assert run(evening - dt.timedelta(minutes=10), django_capture_on_commit_callbacks) == 0
    assert run(evening, django_capture_on_commit_callbacks) == 1
    assert run(evening + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1
    first = mail.outbox[0]
    assert first.to == ["alex@example.test"]
    assert "a few questions before your session" in first.subject
    pre = CheckinRequest.objects.get(session=session)
    assert [i.key for i in pre.instruments()] == ["phq-9", "gad-7"]

    end = local(day, 14, 51)
    assert run(end, django_capture_on_commit_callbacks) == 1
    assert run(end + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2
    assert "how was your session?" in mail.outbox[1].subject
    after = CheckinRequest.objects.filter(session=session, state="pending").get()
    # one link, one flow: what is still open (the unanswered before-questions) comes along
    assert [i.key for i in after.instruments()] == ["phq-9", "gad-7", "alliance-checkin-client"]
    pre.refresh_from_db()
    assert pre.state == "cancelled"
    states = [s.state for s in sending.session_statuses(session, now=end)]
    assert states == ["replaced", "sent"]
    # the token is in the message only, never in the audit trail
    assert all(tokens(first)[0] not in str(e.after) for e in AuditEvent.objects.all())


def test_nothing_is_sent_without_consent_and_the_therapist_sees_why(
    clinic: Any, django_capture_on_commit_callbacks: Any
) -> None:
    older_session_only(clinic)
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    tomorrow = upcoming(clinic, timezone.now() + dt.timedelta(days=1))
    page = clinic.login("therapist").get(f"/sessions/{tomorrow.pk}/").content.decode()
    assert "scheduled" in page and "has not agreed to receive check-in messages" in page
    tomorrow.delete()
    session = upcoming(clinic, timezone.now() - dt.timedelta(minutes=55))
    run(timezone.now(), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    row = ScheduledLink.objects.get(session=session)
    assert (row.state, row.held_reason) == (SendState.HELD, "no_consent")
    page = clinic.login("therapist").get(f"/sessions/{session.pk}/").content.decode()
    assert "not sent" in page and "has not agreed to receive check-in messages" in page

    # consent recorded later the same day: the next run sends it
    ContactPreferences.objects.create(
        client=clinic.client, consent=True, quiet_from=NO_QUIET, quiet_until=NO_QUIET
    )
    run(timezone.now(), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.state == SendState.SENT


def test_a_link_due_in_quiet_hours_waits_until_they_end(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ContactPreferences.objects.filter(client=consenting.client).update(
        quiet_from=dt.time(21), quiet_until=dt.time(8)
    )
    day = timezone.localdate() + dt.timedelta(days=2)
    session = upcoming(consenting, local(day, 20, 40))  # ends 21:30, quiet from 21:00
    run(local(day, 21, 31), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    status = sending.session_statuses(session, now=local(day, 21, 31))[-1]
    assert status.state == "waiting" and "quiet hours" in status.detail
    assert status.when == local(day + dt.timedelta(days=1), 8)
    run(local(day + dt.timedelta(days=1), 7, 59), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    run(local(day + dt.timedelta(days=1), 8, 1), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_an_old_session_is_not_sent_late(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upcoming(consenting, timezone.now() - dt.timedelta(days=1))
    assert run(timezone.now(), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_link_given_in_person_is_not_replaced(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from alliance.checkins import services

    session = upcoming(consenting, timezone.now() - dt.timedelta(minutes=55))
    participant = session.episode.participants.get(client=consenting.client)
    services.issue_link(session, participant, by=consenting.therapist)  # the QR in the room
    run(timezone.now(), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert ScheduledLink.objects.get().held_reason == "link_given"
    assert CheckinRequest.objects.filter(state="pending").count() == 1
    # the client left without answering and staff cancelled that link: the email goes out
    services.cancel(CheckinRequest.objects.get(state="pending"))
    run(timezone.now(), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_a_job_run_twice_sends_once(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upcoming(consenting, timezone.now() - dt.timedelta(minutes=55))
    run(timezone.now(), django_capture_on_commit_callbacks)
    row = ScheduledLink.objects.get()
    assert sending.deliver(row.pk) == "nothing to do"
    assert len(mail.outbox) == 1


def test_one_reminder_when_unanswered_with_a_second_working_link(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upcoming(consenting, timezone.now() - dt.timedelta(minutes=55))
    run(timezone.now(), django_capture_on_commit_callbacks)
    first = tokens(mail.outbox[0])[0]
    later = timezone.now() + dt.timedelta(hours=23)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_reminders(now=later) == 0
    # 25 hours later, at 10:00 on the clinic's clock (outside quiet hours)
    later = local(timezone.localdate() + dt.timedelta(days=2), 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_reminders(now=later) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_reminders(now=later + dt.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 2
    assert "A reminder:" in mail.outbox[1].body
    second = tokens(mail.outbox[1])[0]
    assert second != first
    http = consenting.login("anonymous")
    assert http.get(f"/c/{first}/").status_code == 200
    assert http.get(f"/c/{second}/").status_code == 200
    session = ScheduledLink.objects.get().session
    assert [s.state for s in sending.session_statuses(session)] == ["opened"]


def test_no_reminder_when_the_organization_turned_them_off(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    SendingSettings.objects.create(organization=consenting.org, reminder_hours=0)
    upcoming(consenting, timezone.now() - dt.timedelta(minutes=55))
    run(timezone.now(), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_reminders(now=timezone.now() + dt.timedelta(days=2)) == 0


def test_a_text_message_through_the_sms_backend(
    consenting: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_BACKEND = "alliance.checkins.sms.MemorySmsBackend"
    sms.MemorySmsBackend.outbox.clear()
    ContactPreferences.objects.filter(client=consenting.client).update(channel="sms")
    upcoming(consenting, timezone.now() - dt.timedelta(minutes=55))
    run(timezone.now(), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    [message] = sms.MemorySmsBackend.outbox
    assert message["to"] == "+44 7700 900123"
    assert "Northside Clinic" in message["text"] and LINK.search(message["text"])
    sent = AuditEvent.objects.filter(action="send").get()
    assert sent.after == {"channel": "sms", "to": "***123"}


def test_the_demo_offset_sends_the_checkin_minutes_after_the_start(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    SendingSettings.objects.create(organization=consenting.org, send_after_start_minutes=2)
    start = timezone.now() - dt.timedelta(minutes=1)
    upcoming(consenting, start)
    assert run(start + dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert run(start + dt.timedelta(minutes=2), django_capture_on_commit_callbacks) == 1


class RefusingGateway:
    def send(self, to: str, text: str) -> str:
        raise sms.SmsError("gateway down")


def test_a_refused_message_leaves_the_link_unsent_for_the_retry(
    consenting: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_BACKEND = f"{__name__}.RefusingGateway"
    ContactPreferences.objects.filter(client=consenting.client).update(channel="sms")
    upcoming(consenting, timezone.now() - dt.timedelta(minutes=55))
    run(timezone.now(), django_capture_on_commit_callbacks)  # the job fails (and is retried)
    row = ScheduledLink.objects.get()
    assert row.state == SendState.WAITING and row.request is None
    # the link made for the refused message is closed: nobody holds it
    assert CheckinRequest.objects.get(session=row.session).state == "cancelled"
    settings.SMS_BACKEND = "alliance.checkins.sms.MemorySmsBackend"
    sms.MemorySmsBackend.outbox.clear()
    with pytest.raises(sms.SmsError):
        settings.SMS_BACKEND = f"{__name__}.RefusingGateway"
        sending.deliver(row.pk)
    settings.SMS_BACKEND = "alliance.checkins.sms.MemorySmsBackend"
    assert sending.deliver(row.pk) == "sent"  # what the job's retry does
    assert len(sms.MemorySmsBackend.outbox) == 1


def test_a_reminder_due_at_night_waits_for_the_morning(
    consenting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ContactPreferences.objects.filter(client=consenting.client).update(
        quiet_from=dt.time(21), quiet_until=dt.time(8)
    )
    # Today's session and tomorrow night: the link, valid 72 hours from the real clock, is still
    # open the morning after, whatever the hour the suite runs at.
    upcoming(consenting, local(timezone.localdate(), 12))
    run(local(timezone.localdate(), 12, 51), django_capture_on_commit_callbacks)
    row = ScheduledLink.objects.get()
    night = local(timezone.localdate() + dt.timedelta(days=1), 23)
    ScheduledLink.objects.filter(pk=row.pk).update(sent_at=night - dt.timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_reminders(now=night) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_reminders(now=night + dt.timedelta(hours=9, minutes=1)) == 1
    assert len(mail.outbox) == 2 and "A reminder:" in mail.outbox[1].body
