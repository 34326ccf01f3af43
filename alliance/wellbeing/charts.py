"""The self-check trend as a Vega-Lite spec: plain data in, a dict out (no Django here).

Drawn in the browser by the vendored vega-embed (static/js/charts.js) and rendered to SVG on the
server for browsers without JavaScript, as the episode charts are (alliance.dashboard.charts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import altair as alt

from alliance.dashboard.charts import OTHER_COLOURS, THERAPIST_COLOUR

from .scoring import AREAS, SCALE_MAX, Reading

# Okabe-Ito colours, one per area, in the order of scoring.AREAS.
AREA_COLOURS = [THERAPIST_COLOUR, *OTHER_COLOURS[:4]]


def trend_spec(points: Sequence[tuple[dt.datetime, Reading]]) -> dict[str, Any]:
    """One line per area over the dates of the checks, each area in its own direction."""
    values = [
        {"date": when.isoformat(), "area": area.name, "score": round(area.score, 2)}
        for when, result in points
        for area in result.areas
    ]
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Self-check", axis=alt.Axis(format="%d %b", tickCount=6)),
            y=alt.Y("score:Q", title="0 not at all – 4 very much", scale=alt.Scale(domain=[0, 4])),
            color=alt.Color(
                "area:N",
                title=None,
                scale=alt.Scale(domain=[a.name for a in AREAS], range=AREA_COLOURS),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=260),
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("date:T", title="Date", format="%Y-%m-%d"),
                alt.Tooltip("score:Q", title=f"Score (0-{SCALE_MAX})", format=".2f"),
            ],
        )
        .properties(title="My self-checks over time", width="container", height=200)
    )
    spec: dict[str, Any] = chart.configure_view(stroke=None).to_dict(validate=False)
    return spec
