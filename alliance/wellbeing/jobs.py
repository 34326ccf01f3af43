"""Wellbeing self-check reminders, sent by the worker on its own schedule (no cron line)."""

from __future__ import annotations

import datetime as dt

from alliance.jobs.runner import job
from alliance.jobs.schedule import periodic

from . import reminders


@periodic(every=dt.timedelta(hours=1))
def queue_wellbeing_reminders() -> str:
    """Wellbeing self-check reminders that are due, queued.

    Hourly, so a reminder goes out within the hour a check falls due in the clinic's time zone;
    each is its own job under the person's organization, so a failed email shows on that
    organization's Jobs page and is retried on its own."""
    due = reminders.reminders_to_send()
    for reminder in due:
        last = reminder.row.last_reminded_at
        send_wellbeing_reminder.enqueue(
            reminder.row.pk,
            reminded_before=last.isoformat() if last else None,
            organization_id=reminders.organization_of(reminder.row.person),
        )
    return f"{len(due)} reminder(s) queued"


@job
def send_wellbeing_reminder(
    settings_id: int, *, reminded_before: str | None, organization_id: int | None
) -> str:
    """Email one wellbeing self-check reminder, once."""
    before = dt.datetime.fromisoformat(reminded_before) if reminded_before else None
    return "sent" if reminders.send_for(settings_id, before) else "already sent or no longer due"
