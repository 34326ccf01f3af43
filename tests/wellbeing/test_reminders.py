"""`alliance wellbeing remind`: one email per due date, through a real SMTP server."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from alliance.accounts.models import Role
from alliance.audit.models import AuditEvent
from alliance.wellbeing import services
from alliance.wellbeing.models import SelfCheck, WellbeingSettings
from tests.conftest import Clinic, free_port, make_user
from tests.wellbeing.helpers import check


def remind(*args: str) -> str:
    out = StringIO()
    call_command("wellbeing", "remind", *args, stdout=out)
    return out.getvalue()


def test_a_due_reminder_is_emailed_once(clinic: Clinic, mailbox: list[Any]) -> None:
    services.set_reminder(clinic.therapist, "weekly")
    check(clinic.therapist, 3, 3, 3, 3, 3, 3, 3, 1, days_ago=8)
    assert "1 reminder(s) sent" in remind()
    assert len(mailbox) == 1
    message = mailbox[0]
    assert message["To"] == "tess@northside.test"
    assert "self-check is due" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert "http://127.0.0.1:8000/me/wellbeing/" in body and "Tess" in body
    # The email carries no answers or scores.
    assert "Exhaustion" not in body and "3" not in body.replace("127.0.0.1", "")
    assert WellbeingSettings.objects.get(person=clinic.therapist).last_reminded_at is not None
    assert AuditEvent.objects.filter(action="send", object_type="wellbeing.WellbeingSettings")

    assert "0 reminder(s) sent" in remind()  # the same day: nothing more
    assert len(mailbox) == 1


def test_an_undone_check_is_reminded_once_per_interval(clinic: Clinic, mailbox: list[Any]) -> None:
    services.set_reminder(clinic.therapist, "weekly")
    check(clinic.therapist, 3, 3, 3, 3, 3, 3, 3, 1, days_ago=20)
    remind()
    row = WellbeingSettings.objects.get(person=clinic.therapist)
    for days_since_reminder, expected in ((6, 1), (7, 2)):
        row.refresh_from_db()
        row.last_reminded_at = timezone.now() - dt.timedelta(days=days_since_reminder)
        row.save(update_fields=["last_reminded_at"])
        remind()
        assert len(mailbox) == expected


def test_a_new_check_moves_the_due_date_and_the_next_reminder_follows(
    clinic: Clinic, mailbox: list[Any]
) -> None:
    services.set_reminder(clinic.therapist, "weekly")
    remind()
    assert len(mailbox) == 1  # never checked: due from the day reminders were switched on
    made = check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3)
    remind()
    assert len(mailbox) == 1  # just checked: next due in a week
    made.checked_at = timezone.now() - dt.timedelta(days=7)
    made.save(update_fields=["checked_at"])
    row = WellbeingSettings.objects.get(person=clinic.therapist)
    row.last_reminded_at = timezone.now() - dt.timedelta(days=8)
    row.save(update_fields=["last_reminded_at"])
    remind()
    assert len(mailbox) == 2


def test_dry_run_lists_and_sends_nothing(clinic: Clinic, mailbox: list[Any]) -> None:
    services.set_reminder(clinic.therapist, "fortnightly")
    out = remind("--dry-run")
    assert "would remind tess@northside.test" in out and "nothing was sent" in out
    assert mailbox == []
    assert WellbeingSettings.objects.get(person=clinic.therapist).last_reminded_at is None


def test_not_due_off_or_not_staff_gets_nothing(clinic: Clinic, mailbox: list[Any]) -> None:
    services.set_reminder(clinic.therapist, "monthly")
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=29)  # due tomorrow
    services.set_reminder(clinic.colleague, "off")
    admin_only = make_user("ann@northside.test", clinic.org, Role.ADMIN)
    services.set_reminder(admin_only, "weekly")
    left = make_user("lou@northside.test", clinic.org, Role.THERAPIST)
    services.set_reminder(left, "weekly")
    left.is_active = False
    left.save()
    assert "0 reminder(s) sent" in remind()
    assert mailbox == []
    assert SelfCheck.objects.count() == 1


def test_a_failed_send_is_reported_and_tried_again(clinic: Clinic, settings: Any) -> None:
    services.set_reminder(clinic.therapist, "weekly")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_USE_TLS = False
    err = StringIO()
    with pytest.raises(CommandError, match="could not be sent"):
        call_command("wellbeing", "remind", stdout=StringIO(), stderr=err)
    assert "could not email tess@northside.test" in err.getvalue()
    assert WellbeingSettings.objects.get(person=clinic.therapist).last_reminded_at is None
