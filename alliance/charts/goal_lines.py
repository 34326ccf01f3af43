"""The goals a client rates at reviews, one line per goal over sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .colours import OTHER_COLOURS
from .spec import SCHEMA, VIEW, field, inline, mark, nominal, quantitative


@dataclass(frozen=True)
class GoalPoint:
    session: int
    goal: str  # a short label, "1. Sleep through most nights"
    value: int


def goal_lines(points: Sequence[GoalPoint], title: str) -> dict[str, Any]:
    """One line per goal over sessions, on a fixed 0–10 scale; sessions as steps, not a
    continuous axis (a review happens at some sessions only)."""
    names = list(dict.fromkeys(p.goal for p in points))
    rows = [{"session": p.session, "goal": p.goal, "value": p.value} for p in points]
    return {
        "config": {"view": dict(VIEW)},
        "data": inline(rows),
        "mark": mark("line", point=True),
        "encoding": {
            "color": nominal(
                "goal",
                legend={"columns": 1, "labelLimit": 320, "orient": "bottom"},
                scale={"domain": names, "range": (OTHER_COLOURS * 4)[: len(names)]},
                title="Goal",
            ),
            "tooltip": [nominal("goal"), field("session", "ordinal"), quantitative("value")],
            "x": field("session", "ordinal", axis={"labelAngle": 0}, title="Session"),
            "y": quantitative("value", scale={"domain": [0, 10]}, title="0–10"),
        },
        "height": 180,
        "title": title,
        "width": 400,
        "$schema": SCHEMA,
    }
