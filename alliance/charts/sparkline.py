"""The caseload's tiny trend line."""

from __future__ import annotations

from collections.abc import Sequence


def sparkline_points(
    values: Sequence[float], width: int = 80, height: int = 20, y_max: float = 10
) -> str:
    """SVG polyline points for the caseload's tiny trend line.

    A caseload of 100 rows cannot afford 100 Vega views; a polyline is all a sparkline is.
    """
    if not values:
        return ""
    step = width / max(len(values) - 1, 1)
    coords = [
        f"{i * step:.1f},{height - (min(max(v, 0), y_max) / y_max) * height:.1f}"
        for i, v in enumerate(values)
    ]
    return " ".join(coords)
