"""Goal charts: plain data in, a Vega-Lite spec out (no Django), drawn the same way as the
insights charts (alliance.dashboard.charts) and rendered to SVG on the server for screen,
print and PDF alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt

from alliance.dashboard.charts import OTHER_COLOURS, render_svg


@dataclass(frozen=True)
class GoalPoint:
    session: int
    goal: str  # a short label, "1. Sleep through most nights"
    value: int


def goal_lines(points: Sequence[GoalPoint], title: str) -> dict[str, Any]:
    """One line per goal over sessions, on a fixed 0–10 scale."""
    names = list(dict.fromkeys(p.goal for p in points))
    data = alt.Data(
        values=[{"session": p.session, "goal": p.goal, "value": p.value} for p in points]
    )
    chart = (
        alt.Chart(data, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("session:O", title="Session", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title="0–10", scale=alt.Scale(domain=[0, 10])),
            color=alt.Color(
                "goal:N",
                title="Goal",
                scale=alt.Scale(domain=names, range=(OTHER_COLOURS * 4)[: len(names)]),
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
            ),
            tooltip=["goal:N", "session:O", "value:Q"],
        )
        .properties(width=400, height=180)
    )
    return chart.to_dict()


def svg(spec: dict[str, Any]) -> str:
    return render_svg(spec)
