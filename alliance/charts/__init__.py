"""Chart specifications, one module per chart: plain data in, a Vega-Lite spec (a dict) out.

No Django here (an import contract in `make lint` holds it to that). The browser draws a spec with
the vendored vega-embed; `render.render_svg` draws the very same spec as SVG on the server for
print, PDF and browsers without JavaScript. Cut-offs, severity bands and the reliable-change band
are layers of the spec (`layers.py`), so a test can assert on them as data.

The specs are written as plain dicts, not built with a chart library: a spec is a few dozen
small dicts, and building it by hand costs microseconds where the library's objects and their
deep copies cost tens of milliseconds a chart (docs/decisions.md, 2026-12-01).
"""

from __future__ import annotations

from .alliance_dimension import alliance_dimension
from .colours import BAND_COLOURS, CLIENT_COLOUR, OTHER_COLOURS, THERAPIST_COLOUR
from .data import MEDIAN_SERIES, Band, Expected, Marker, Point, Spread, median_with_range
from .goal_lines import GoalPoint, goal_lines
from .layers import LABEL_GAP, label_positions
from .outcome_scores import outcome_scores
from .sparkline import sparkline_points
from .spec import REMEMBERED_SPECS
from .wellbeing_trend import AreaScore, trend_spec

__all__ = [
    "BAND_COLOURS",
    "CLIENT_COLOUR",
    "LABEL_GAP",
    "MEDIAN_SERIES",
    "OTHER_COLOURS",
    "REMEMBERED_SPECS",
    "THERAPIST_COLOUR",
    "AreaScore",
    "Band",
    "Expected",
    "GoalPoint",
    "Marker",
    "Point",
    "Spread",
    "alliance_dimension",
    "goal_lines",
    "label_positions",
    "median_with_range",
    "outcome_scores",
    "sparkline_points",
    "trend_spec",
]
