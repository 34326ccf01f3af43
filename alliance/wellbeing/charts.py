"""The self-checks as the data of their trend chart (alliance.charts.wellbeing_trend draws it).

Drawn in the browser by the vendored vega-embed (static/js/charts.js) and rendered to SVG on the
server for browsers without JavaScript, as the episode charts are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from alliance import charts

from .scoring import AREAS, SCALE_MAX, Reading


def trend_spec(points: Sequence[tuple[dt.datetime, Reading]]) -> dict[str, Any]:
    """One line per area over the dates of the checks, each area in its own colour."""
    scores = [
        charts.AreaScore(when, area.name, area.score)
        for when, result in points
        for area in result.areas
    ]
    return charts.trend_spec(scores, [a.name for a in AREAS], SCALE_MAX)
