"""An alert's reason in words, said as of the day it is read.

An alert keeps the findings behind it ("facts": kind, numbers, the session and the moment they
come from). Its text is written from them when it is shown, so "today" appears only when the
numbers come from today's session; any other day says the date ("on 22 Oct, session 16"). The
stored `Alert.reason` (for the API and webhooks) always carries the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

from . import analysis


def fact(finding: analysis.Finding, at: dt.datetime | None) -> dict[str, Any]:
    """A finding as stored with its alert, with the moment its numbers were given."""
    return {
        "kind": finding.kind,
        "severity": finding.severity,
        "participant": finding.participant,
        "instrument": finding.instrument,
        "scale": finding.scale,
        "session": finding.session_number,
        "at": at.isoformat() if at else None,
        "numbers": dict(finding.numbers),
    }


def finding_of(stored: Mapping[str, Any]) -> analysis.Finding:
    return analysis.Finding(
        kind=stored["kind"],
        severity=stored["severity"],
        episode=0,
        participant=stored.get("participant", -1),
        instrument=stored.get("instrument", ""),
        scale=stored.get("scale", ""),
        session_number=stored["session"],
        numbers=stored["numbers"],
    )


def moment_of(stored: Mapping[str, Any]) -> dt.datetime | None:
    return parse_datetime(stored["at"]) if stored.get("at") else None


def day(moment: dt.datetime, today: dt.date | None = None) -> str:
    """'22 Oct', with the year when it is not this year."""
    local = timezone.localtime(moment).date()
    this_year = (today or timezone.localdate()).year
    return date_format(local, "j M" if local.year == this_year else "j M Y")


def when(
    moment: dt.datetime | None, session: int, today: dt.date | None, *, answer: bool = False
) -> str:
    """When numbers were given, as the reason says it. `today` None means "always the date"
    (stored texts); an answer (a risk item) says the time it arrived too."""
    if moment is None:
        return f"at session {session}"
    local = timezone.localtime(moment)
    clock = f" at {date_format(local, 'H:i')}" if answer else ""
    if today is not None and local.date() == today:
        return f"today{clock}, session {session}"
    return f"on {day(moment, today)}{clock}, session {session}"


def describe(facts: Sequence[Mapping[str, Any]], today: dt.date | None = None) -> str:
    """The reason for an alert's facts, as of `today` (None: dated, for stored texts)."""
    return analysis.explain_together(
        [
            (
                finding_of(f),
                when(moment_of(f), f["session"], today, answer=f["kind"] == "risk"),
            )
            for f in facts
        ]
    )
