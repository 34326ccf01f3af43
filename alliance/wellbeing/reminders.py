"""When the next self-check is due, the home page's banner, and the reminder email.

The email says only that a self-check is due and where to do it: no scores, no trend, nothing a
shared mailbox or a mail server should hold. One reminder per due date, then one per interval
while the check stays undone (scoring.reminder_needed); `last_reminded_at` records each send, so
a second run on the same day sends nothing. The worker looks every hour (wellbeing/jobs.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import Role
from alliance.audit import trail
from alliance.audit.models import Action
from alliance.jobs import effects

from . import scoring
from .models import ReminderInterval, SelfCheck, WellbeingSettings

MEMBER_ROLES = (Role.THERAPIST, Role.SUPERVISOR)


@dataclass(frozen=True)
class Due:
    interval: str
    due_on: dt.date | None
    is_due: bool


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def due_for(row: WellbeingSettings, last_checked_at: dt.datetime | None, today: dt.date) -> Due:
    due_on = scoring.next_due(
        row.reminder, _local_date(last_checked_at), row.reminders_since or today
    )
    return Due(row.reminder, due_on, scoring.is_due(today, due_on))


def status(person: Any) -> Due:
    row = WellbeingSettings.objects.filter(person=person).first()
    if row is None or row.reminder == ReminderInterval.OFF:
        return Due(ReminderInterval.OFF, None, False)
    last = SelfCheck.objects.filter(person=person).aggregate(last=Max("checked_at"))["last"]
    return due_for(row, last, timezone.localdate())


@dataclass(frozen=True)
class Reminder:
    row: WellbeingSettings
    due_on: dt.date


def reminders_to_send(today: dt.date | None = None) -> list[Reminder]:
    """Active members of staff with reminders on, due, and not yet reminded for this due date."""
    today = today or timezone.localdate()
    rows = (
        WellbeingSettings.objects.exclude(reminder=ReminderInterval.OFF)
        .filter(person__is_active=True, person__memberships__role__in=MEMBER_ROLES)
        .distinct()
        .select_related("person")
        .annotate(last_checked_at=Max("person__wellbeing_checks__checked_at"))
        .order_by("pk")
    )
    out = []
    for row in rows:
        due = due_for(row, row.last_checked_at, today)  # type: ignore[attr-defined]
        last = _local_date(row.last_reminded_at)
        if scoring.reminder_needed(today, due.due_on, last, row.reminder):
            out.append(Reminder(row, due.due_on))  # type: ignore[arg-type]
    return out


def send(reminder: Reminder) -> bool:
    """Send one reminder unless another run already did; True when an email went out."""
    return send_for(reminder.row.pk, reminder.row.last_reminded_at)


def send_for(settings_id: int, reminded_before: dt.datetime | None) -> bool:
    """Send the reminder decided on when the last one was `reminded_before`. The pair names the
    email (jobs/effects.py): two runs that saw the same state send one email between them, and
    a run that finds a newer reminder already sent sends nothing. No lock is held while the mail
    server answers."""
    stamp = reminded_before.isoformat() if reminded_before else "never"
    key = f"wellbeing-reminder:{settings_id}:{stamp}"
    if not effects.claim(key):
        return False
    row = WellbeingSettings.objects.select_related("person").filter(pk=settings_id).first()
    if row is None or row.last_reminded_at != reminded_before or row.reminder == "off":
        effects.release(key)
        return False
    try:
        send_mail(_subject(), _body(row.person), None, [row.person.email])
    except Exception:
        effects.release(key)
        raise
    with transaction.atomic():
        effects.done(key)
        before = trail.snapshot(row)
        row.last_reminded_at = timezone.now()
        row.save(update_fields=["last_reminded_at"])
        trail.record_update(row, before)
        trail.record(Action.SEND, row, actor=None, after={"channel": "email", "what": "reminder"})
    return True


def organization_of(person: Any) -> int | None:
    """The organization whose Jobs page shows this person's reminder."""
    return (
        person.memberships.filter(role__in=MEMBER_ROLES)
        .order_by("pk")
        .values_list("organization_id", flat=True)
        .first()
    )


def _subject() -> str:
    return _("Alliance: your wellbeing self-check is due")


def _body(person: Any) -> str:
    return _(
        "Hello %(name)s,\n\n"
        "You asked Alliance to remind you of your wellbeing self-check. It takes two minutes, "
        "and only you see the answers:\n\n"
        "%(link)s\n\n"
        "To change how often you are reminded, or to stop, use the setting on the same page.\n"
    ) % {"name": person.first_name or person.email, "link": f"{settings.SITE_URL}/me/wellbeing/"}
