"""The check-in app's background work (run by `alliance worker`, see alliance/jobs).

Two periodic functions find what is due on their own (a slot missed while no worker ran is run
once, late, and finds the same work), and one job per link sends it. Both are safe to run twice:
the rows they write are unique per participant and slot, and each job locks its row.
"""

from __future__ import annotations

import datetime as dt

from alliance.jobs.runner import job
from alliance.jobs.schedule import periodic

from . import sending


@periodic(every=dt.timedelta(minutes=1))
def send_due_links(now: dt.datetime | None = None) -> int:
    """Pre-session links, session check-ins and pulses that are due: one job each."""
    return sending.schedule_due(deliver_scheduled_link, now)


@periodic(every=dt.timedelta(minutes=5))
def send_due_reminders(now: dt.datetime | None = None) -> int:
    """One reminder for each link still unanswered after the organization's reminder time."""
    return sending.schedule_reminders(remind_scheduled_link, now)


@job
def deliver_scheduled_link(scheduled_id: int, *, organization_id: int | None) -> str:
    """Make and send one scheduled link (email or SMS), or record why it was not sent."""
    return sending.deliver(scheduled_id)


@job
def remind_scheduled_link(scheduled_id: int, *, organization_id: int | None) -> str:
    return sending.remind(scheduled_id)
