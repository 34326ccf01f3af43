"""A therapist's own self-checks over time, one line per area of the self-check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .colours import OTHER_COLOURS, THERAPIST_COLOUR
from .spec import FRAMELESS_VIEW, SCHEMA, field, inline, mark, nominal, quantitative

# Okabe-Ito colours, one per area, in the order the self-check lists its areas.
AREA_COLOURS = [THERAPIST_COLOUR, *OTHER_COLOURS[:4]]


@dataclass(frozen=True)
class AreaScore:
    when: dt.datetime
    area: str
    score: float


def trend_spec(scores: Sequence[AreaScore], areas: Sequence[str], scale_max: int) -> dict[str, Any]:
    """One line per area over the dates of the checks, each area in its own colour; `areas` in
    the self-check's order, so an area keeps its colour whichever areas were answered."""
    rows = [
        {"date": s.when.isoformat(), "area": s.area, "score": round(s.score, 2)} for s in scores
    ]
    temporal = "temporal"
    return {
        "config": {"view": dict(FRAMELESS_VIEW)},
        "data": inline(rows),
        "mark": mark("line", point=True),
        "encoding": {
            "color": nominal(
                "area",
                legend={"columns": 2, "labelLimit": 260, "orient": "bottom"},
                scale={"domain": list(areas), "range": AREA_COLOURS},
                title=None,
            ),
            "tooltip": [
                nominal("area", title="Area"),
                field("date", temporal, format="%Y-%m-%d", title="Date"),
                quantitative("score", format=".2f", title=f"Score (0-{scale_max})"),
            ],
            "x": field(
                "date", temporal, axis={"format": "%d %b", "tickCount": 6}, title="Self-check"
            ),
            "y": quantitative(
                "score", scale={"domain": [0, scale_max]}, title="0 not at all – 4 very much"
            ),
        },
        "height": 200,
        "title": "My self-checks over time",
        "width": "container",
        "$schema": SCHEMA,
    }
