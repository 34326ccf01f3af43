"""The plain data the charts are drawn from."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    session: int
    series: str  # who rated: "Client", "Therapist", a partner's name…
    value: float


@dataclass(frozen=True)
class Marker:
    session: int
    label: str  # e.g. "Goals drop", shown as a tooltip and in the table


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Spread:
    """The lowest and highest score of a group at one session, drawn around its median."""

    session: int
    low: float
    high: float


@dataclass(frozen=True)
class Expected:
    """Where a client would usually be at a session if they followed clients who started like
    them (an expected recovery curve's 25th-75th percentile)."""

    session: int
    low: float
    high: float


MEDIAN_SERIES = "Group median"


def median_with_range(
    points: Sequence[Point], members: Sequence[str]
) -> tuple[list[Point], list[Spread]]:
    """The members' lines as one median line with the range of their scores, per session.

    Series not among `members` (the therapist's own view) are kept as they are. A session where
    one member answered has a median equal to that answer and no spread to speak of.
    """
    chosen = set(members)
    by_session: dict[int, list[float]] = {}
    kept = [p for p in points if p.series not in chosen]
    for p in points:
        if p.series in chosen:
            by_session.setdefault(p.session, []).append(p.value)
    medians = [
        Point(n, MEDIAN_SERIES, statistics.median(values))
        for n, values in sorted(by_session.items())
    ]
    spreads = [Spread(n, min(v), max(v)) for n, v in sorted(by_session.items())]
    return medians + kept, spreads
