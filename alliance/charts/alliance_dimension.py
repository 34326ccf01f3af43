"""One alliance dimension (bond, goals, tasks, overall) over sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import layers
from .data import Expected, Marker, Point, Spread
from .spec import remembered


@remembered
def alliance_dimension(
    title: str,
    points: Sequence[Point],
    markers: Sequence[Marker] = (),
    y_max: float = 10,
    spreads: Sequence[Spread] = (),
    expected: Sequence[Expected] = (),
    expected_label: str = "Usual early alliance in this clinic",
) -> dict[str, Any]:
    """One line per rater; for a group summary, the members' median with their range as a
    shaded band; with `expected`, the usual range of the clinic's clients at each early
    session. Alerts are dashed lines at their session, drawn first so the lines sit on top."""
    found = layers.person_layers(points, title, y_max, spreads)
    if expected:
        found.insert(0, layers.expected_band(expected, expected_label, fmt=".1f"))
    if markers:
        found.insert(0, layers.markers(markers))
    return layers.layered(found, title=title, height=220)
