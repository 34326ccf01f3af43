"""An alert's reason in words, said as of the day it is read.

An alert keeps the findings behind it ("facts": kind, numbers, the session and the moment they
come from). Its text is written from them when it is shown, so "today" appears only when the
numbers come from today's session; any other day says the date ("on 22 Oct, session 16"). The
stored `Alert.reason` (for the API and webhooks) always carries the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import get_language

from alliance import dates

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


# An alert's day in the clinic's date style (alliance/dates.py), the year only when it is not
# this year: (without the year, with it), Django date-format codes.
DAY_PATTERNS = {"dmy": ("j M", "j M Y"), "mdy": ("M j", "M j, Y"), "iso": ("Y-m-d", "Y-m-d")}


def _day_text(local: dt.date, with_year: bool, language: str | None) -> str:
    return _day_in_style(local, with_year, language, dates.current_style())


@lru_cache(maxsize=4096)
def _day_in_style(local: dt.date, with_year: bool, language: str | None, style: str) -> str:
    # date_format costs more than the rest of a reason together; an organization's recompute
    # writes tens of thousands of reasons over a few hundred distinct days.
    patterns = DAY_PATTERNS.get(style, DAY_PATTERNS["dmy"])
    return date_format(local, patterns[1] if with_year else patterns[0])


def day(moment: dt.datetime, today: dt.date | None = None) -> str:
    """'22 Oct', with the year when it is not this year."""
    local = timezone.localtime(moment).date()
    this_year = (today or timezone.localdate()).year
    return _day_text(local, local.year != this_year, get_language())


def when(
    moment: dt.datetime | None,
    session: int,
    today: dt.date | None,
    *,
    answer: bool = False,
    zone: dt.tzinfo | None = None,
    language: str | None = None,
    this_year: int | None = None,
) -> str:
    """When numbers were given, as the reason says it. `today` None means "always the date"
    (stored texts); an answer (a risk item) says the time it arrived too."""
    if moment is None:
        return f"at session {session}"
    local = moment.astimezone(zone or timezone.get_current_timezone())
    clock = f" at {local:%H:%M}" if answer else ""
    if today is not None and local.date() == today:
        return f"today{clock}, session {session}"
    if this_year is None:
        this_year = (today or _this_year_day(zone)).year
    text = _day_text(local.date(), local.year != this_year, language or get_language())
    return f"on {text}{clock}, session {session}"


def _this_year_day(zone: dt.tzinfo | None) -> dt.date:
    return timezone.now().astimezone(zone or timezone.get_current_timezone()).date()


def describe(
    facts: Sequence[Mapping[str, Any]],
    today: dt.date | None = None,
    *,
    zone: dt.tzinfo | None = None,
    language: str | None = None,
) -> str:
    """The reason for an alert's facts, as of `today` (None: dated, for stored texts)."""
    # Looked up once: each lookup of the current zone or language costs more than the text.
    zone = zone or timezone.get_current_timezone()
    language = language or get_language()
    this_year = today or _this_year_day(zone)
    return analysis.explain_together(
        [
            (
                finding_of(f),
                when(
                    moment_of(f),
                    f["session"],
                    today,
                    answer=f["kind"] in ("risk", "risk_unanswered"),
                    zone=zone,
                    language=language,
                    this_year=this_year.year,
                ),
            )
            for f in facts
        ]
    )
