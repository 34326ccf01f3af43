"""An outcome measure (PHQ-9, GAD-7, CORE-10…) over sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import layers
from .data import Band, Expected, Marker, Point, Spread
from .spec import remembered


@remembered
def outcome_scores(
    title: str,
    points: Sequence[Point],
    *,
    y_max: float,
    bands: Sequence[Band] = (),
    cutoff: float | None = None,
    reliable_change: float | None = None,
    markers: Sequence[Marker] = (),
    spreads: Sequence[Spread] = (),
    expected: Sequence[Expected] = (),
    expected_label: str = "Usual range for clients who started alike",
) -> dict[str, Any]:
    """An outcome measure with its severity bands, the caseness line and the band of change that
    would not count as reliable around the first score; with `expected`, the usual range of
    clients who started alike, session by session (the expected recovery curve).

    One line per person; the reliable-change band belongs to one line's first score, so it is
    drawn only when one person's scores (or a group's median) are shown."""
    found: list[layers.Layer] = []
    if bands:
        found.append(layers.bands(bands))
    people = {p.series for p in points}
    if reliable_change is not None and len(people) == 1:
        found.append(layers.reliable_change_band(points, reliable_change, y_max))
    if expected and len(people) == 1:
        found.append(layers.expected_band(expected, expected_label))
    if cutoff is not None:
        found.append(layers.cutoff(cutoff))
    if markers:
        found.append(layers.markers(markers))
    found += layers.person_layers(points, title, y_max, spreads)
    return layers.layered(found, title=title, height=240)
