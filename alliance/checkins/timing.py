"""When a link that goes out by itself is due (pure: datetimes in, datetimes out; no Django).

Every moment here is an aware datetime in the organization's time zone, because "the evening
before" and "quiet hours" are about the clinic's clock, not the server's.
See docs/checkins.md ("Links that go out by themselves") for the reasons behind each rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# The questions asked before a session (the plan's "before" measures, and with them the agenda)
# go out at this hour on the evening before: time to answer calmly, fresh in the mind.
EVENING_HOUR = 18
# A pre-session link made later than this before the start is not sent: the client is on their
# way, and the questions come with the session's own check-in instead.
PRE_SESSION_MIN_LEAD = dt.timedelta(hours=2)
# A session check-in whose moment passed longer ago than this (the worker was down, automatic
# sending was just switched on for an old episode) is not sent late: a rating of a session a
# day old says little, and a flood of old links would confuse the client.
CATCH_UP = dt.timedelta(hours=12)
# A pulse due this close before the next session is skipped: the session asks anyway.
PULSE_SKIP_BEFORE_SESSION = dt.timedelta(hours=24)


@dataclass(frozen=True)
class QuietHours:
    start: dt.time  # e.g. 21:00
    end: dt.time  # e.g. 08:00 (the next morning when end < start)

    def contains(self, moment: dt.datetime) -> bool:
        clock = moment.timetz().replace(tzinfo=None)
        if self.start == self.end:
            return False  # no quiet hours
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def after(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself, or the end of the quiet hours it falls in (same time zone)."""
        if not self.contains(moment):
            return moment
        day = moment.date()
        clock = moment.timetz().replace(tzinfo=None)
        if self.start > self.end and clock >= self.start:
            day += dt.timedelta(days=1)  # late evening: quiet until tomorrow morning
        ends = dt.datetime.combine(day, self.end)
        return _local(ends, moment.tzinfo)


def _local(naive: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    # zoneinfo zones resolve a wall time with `fold`; replace() keeps that behaviour.
    return naive.replace(tzinfo=zone)


def evening_before(start: dt.datetime) -> dt.datetime:
    """18:00 on the day before the session, on the clinic's clock."""
    day = start.date() - dt.timedelta(days=1)
    return _local(dt.datetime.combine(day, dt.time(EVENING_HOUR)), start.tzinfo)


def pre_session_due(start: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """When the pre-session link goes out, or None when it is too late to send it now."""
    if now > start - PRE_SESSION_MIN_LEAD:
        return None
    return evening_before(start)


def session_checkin_due(
    start: dt.datetime, minutes: int, after_start_minutes: int | None = None
) -> dt.datetime:
    """At the end of the session's time; or a set number of minutes after its start."""
    if after_start_minutes is not None:
        return start + dt.timedelta(minutes=after_start_minutes)
    return start + dt.timedelta(minutes=minutes)


def is_recent(due: dt.datetime, now: dt.datetime, window: dt.timedelta = CATCH_UP) -> bool:
    """Due now or a little while ago: still worth sending."""
    return due <= now and now - due <= window


@dataclass(frozen=True)
class PulseSlot:
    number: int  # 1 for the first pulse after the session, 2 for the next, …
    due: dt.datetime


def pulse_due(
    last_session_end: dt.datetime,
    every_days: int,
    now: dt.datetime,
    next_session_start: dt.datetime | None,
) -> PulseSlot | None:
    """The pulse due now after the last session, if any: every `every_days` days after it ends,
    only the latest slot (a missed pulse is not sent late), never just before the next one."""
    if every_days <= 0 or now < last_session_end:
        return None
    step = dt.timedelta(days=every_days)
    number = int((now - last_session_end) / step)
    if number < 1:
        return None
    due = last_session_end + number * step
    if not is_recent(due, now):
        return None
    if next_session_start is not None and next_session_start - due < PULSE_SKIP_BEFORE_SESSION:
        return None
    return PulseSlot(number, due)


def next_pulse(
    last_session_end: dt.datetime, every_days: int, now: dt.datetime
) -> dt.datetime | None:
    """When the next pulse is planned (for the episode page)."""
    if every_days <= 0:
        return None
    step = dt.timedelta(days=every_days)
    number = max(int((now - last_session_end) / step), 0) + 1
    return last_session_end + number * step
