"""Ordering by need: severity and recency together, with the reason a page can show.

Risk answers come first, newest first: an unanswered risk answer never sinks below anything
else. Every other alert weighs its severity by how recent its numbers are, halving every two
weeks, so a fresh very low rating outranks an old moderate outcome change, while a high alert
stays above a medium one of the same age. An alert the therapist has already discussed with the
client counts half until the next rating arrives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

WEIGHT = {"high": 3.0, "medium": 2.0, "low": 1.0}
HALF_LIFE_DAYS = 14.0

RULE = gettext_lazy(
    "Ordered by need: risk answers first, newest first; then each alert by its severity and how "
    "recent its numbers are (an alert counts half as much after two weeks, and half again once "
    "discussed with the client)."
)


def _evidence_at(alert: Any) -> dt.datetime:
    return alert.numbers_at or alert.raised_at or alert.opened_at or timezone.now()


def age_days(alert: Any, now: dt.datetime | None = None) -> float:
    delta = (now or timezone.now()) - _evidence_at(alert)
    return max(delta.total_seconds() / 86400.0, 0.0)


def weight(alert: Any, now: dt.datetime | None = None) -> float:
    """How much a non-risk alert needs attention now."""
    value: float = WEIGHT.get(alert.severity, 1.0) * 0.5 ** (age_days(alert, now) / HALF_LIFE_DAYS)
    return value / 2 if alert.state == "discussed" else value


def sort_key(alert: Any, now: dt.datetime | None = None) -> tuple[int, float]:
    """Smaller first."""
    if alert.kind == "risk":
        return (0, -_evidence_at(alert).timestamp())
    return (1, -weight(alert, now))


def ordered(alerts: list[Any], now: dt.datetime | None = None) -> list[Any]:
    now = now or timezone.now()
    return sorted(alerts, key=lambda a: sort_key(a, now))


def _ago(alert: Any, now: dt.datetime | None) -> str:
    days = int(age_days(alert, now))
    if days == 0:
        return _("today")
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}


def why_first(alert: Any, now: dt.datetime | None = None) -> str:
    """A short answer to "why is this first?" for the alert at the top of a list."""
    if alert.kind == "risk":
        return _("A risk answer, given %(ago)s: risk answers always come first.") % {
            "ago": _ago(alert, now)
        }
    return _("%(severity)s severity, latest numbers %(ago)s.") % {
        "severity": alert.get_severity_display(),
        "ago": _ago(alert, now),
    }
