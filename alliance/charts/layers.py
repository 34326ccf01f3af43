"""The layers the session charts are made of: people's lines and their names, a group's range,
alert markers, severity bands, the caseness line, the reliable-change and expected bands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .colours import (
    ALERT_COLOUR,
    BAND_COLOURS,
    EXPECTED_COLOUR,
    SPREAD_COLOUR,
    colour_scale,
)
from .data import Band, Expected, Marker, Point, Spread
from .spec import FRAMELESS_VIEW, SCHEMA, inline, mark, nominal, quantitative

Layer = dict[str, Any]

LABEL_GAP = 0.07  # of the scale's top: about one line of 11-pixel text on the charts' height
LINE_NOTE_COLOUR = "#4f5963"  # the grey of the cut-off and no-change notes


def lines(points: Sequence[Point], y_title: str, y_max: float) -> Layer:
    """One line per person rating, with a point at each session."""
    rows = [{"session": p.session, "who": p.series, "value": p.value} for p in points]
    return {
        "data": inline(rows),
        "mark": mark("line", point=True),
        "encoding": {
            "color": nominal(
                "who",
                legend={"orient": "bottom"},
                scale=colour_scale([p.series for p in points]),
                title=None,
            ),
            "tooltip": [
                nominal("who", title="Rated by"),
                quantitative("session", title="Session"),
                quantitative("value", format=".1f", title=y_title),
            ],
            "x": quantitative("session", axis={"format": "d", "tickMinStep": 1}, title="Session"),
            "y": quantitative("value", scale={"domain": [0, y_max]}, title=y_title),
        },
    }


def label_positions(last_values: dict[str, float], gap: float) -> dict[str, float]:
    """Where each line's name is written: at its last value, moved down just enough that two
    lines ending at the same value (client and therapist both at 8) do not print over each
    other."""
    placed: dict[str, float] = {}
    below: float | None = None
    for who, value in sorted(last_values.items(), key=lambda item: -item[1]):
        at = value if below is None else min(value, below - gap)
        placed[who] = at
        below = at
    return placed


def end_labels(points: Sequence[Point]) -> Layer:
    """Each line's name written beside its last point, so a line is read without the legend."""
    last: dict[str, Point] = {}
    for p in sorted(points, key=lambda p: p.session):
        last[p.series] = p
    gap = LABEL_GAP * max([10.0, *(p.value for p in points)])
    placed = label_positions({who: p.value for who, p in last.items()}, gap)
    rows = [
        {"session": p.session, "who": who, "value": p.value, "label_at": placed[who]}
        for who, p in last.items()
    ]
    return {
        "data": inline(rows),
        "mark": mark("text", align="left", dx=6, fontSize=11),
        "encoding": {
            "color": nominal("who", legend=None, scale=colour_scale([p.series for p in points])),
            "text": nominal("who"),
            "x": quantitative("session"),
            "y": quantitative("label_at"),
        },
    }


def spread(spreads: Sequence[Spread]) -> Layer:
    """A group's lowest to highest score at each session, shaded around its median."""
    rows = [
        {"session": s.session, "low": s.low, "high": s.high, "label": "Range of members"}
        for s in spreads
    ]
    return {
        "data": inline(rows),
        "mark": mark("area", color=SPREAD_COLOUR, opacity=0.18),
        "encoding": {
            "tooltip": [
                quantitative("session", title="Session"),
                quantitative("low", format=".1f", title="Lowest"),
                quantitative("high", format=".1f", title="Highest"),
            ],
            "x": quantitative("session"),
            "y": quantitative("low"),
            "y2": {"field": "high"},
        },
    }


def person_layers(
    points: Sequence[Point], title: str, y_max: float, spreads: Sequence[Spread]
) -> list[Layer]:
    found: list[Layer] = []
    if spreads:
        found.append(spread(spreads))
    found.append(lines(points, title, y_max))
    if len({p.series for p in points}) > 1:
        found.append(end_labels(points))
    return found


def markers(found: Sequence[Marker]) -> Layer:
    """Alerts as dashed vertical lines at their session, named in the tooltip."""
    return {
        "data": inline([{"session": m.session, "label": m.label} for m in found]),
        "mark": mark("rule", color=ALERT_COLOUR, strokeDash=[4, 3]),
        "encoding": {"tooltip": [nominal("label", title="Alert")], "x": quantitative("session")},
    }


def bands(found: Sequence[Band]) -> Layer:
    """An outcome measure's severity bands, each named inside the chart at its left edge: the
    words matter more than the colours."""
    rows = [{"low": b.low, "high": b.high, "band": b.label} for b in found]
    rects = {
        "mark": mark("rect", opacity=0.9),
        "encoding": {
            "color": nominal(
                "band",
                legend=None,
                scale={
                    "domain": [b.label for b in found],
                    "range": BAND_COLOURS[: len(found)] or BAND_COLOURS,
                },
                title="Severity",
            ),
            "tooltip": [nominal("band", title="Band")],
            "y": quantitative("low"),
            "y2": {"field": "high"},
        },
    }
    names = {
        "mark": mark("text", align="left", baseline="middle", color="#5b6570", dx=4, fontSize=10),
        "encoding": {"text": nominal("band"), "x": {"value": 0}, "y": quantitative("middle")},
        "transform": [{"calculate": "(datum.low + datum.high) / 2", "as": "middle"}],
    }
    return {"layer": [rects, names], "data": inline(rows)}


def reliable_change_band(points: Sequence[Point], change: float, y_max: float) -> Layer:
    """Around the first score, the change too small to count as reliable."""
    first = min(points, key=lambda p: p.session)
    low, high = max(0.0, first.value - change), min(y_max, first.value + change)
    rows = [{"low": low, "high": high, "label": f"No reliable change (±{change:g})"}]
    band = {
        "mark": mark("rect", color="#9aa5b1", opacity=0.25),
        "encoding": {
            "tooltip": [nominal("label", title="Band")],
            "y": quantitative("low"),
            "y2": {"field": "high"},
        },
    }
    name = {
        "mark": mark(
            "text", align="right", baseline="top", color=LINE_NOTE_COLOUR, dy=2, fontSize=10
        ),
        "encoding": {
            "text": nominal("label"),
            "x": {"value": "width"},
            "y": quantitative("high"),
        },
    }
    return {"layer": [band, name], "data": inline(rows)}


def expected_band(found: Sequence[Expected], label: str, fmt: str = ".0f") -> Layer:
    """The usual range at each session, shaded, with dashed edges: the band stays readable where
    it crosses the grey no-change band (unfilled areas with a line on top, so they are never
    read as a person's line)."""
    rows = [{"session": e.session, "low": e.low, "high": e.high, "label": label} for e in found]
    area = {
        "data": inline(rows),
        "mark": mark("area", color=EXPECTED_COLOUR, interpolate="monotone", opacity=0.18),
        "encoding": {
            "tooltip": [
                nominal("label", title="Band"),
                quantitative("session", title="Session"),
                quantitative("low", format=fmt, title="From"),
                quantitative("high", format=fmt, title="To"),
            ],
            "x": quantitative("session"),
            "y": quantitative("low"),
            "y2": {"field": "high"},
        },
    }
    edges = [
        {
            "data": inline(rows),
            "mark": mark(
                "area",
                fillOpacity=0,
                interpolate="monotone",
                line={"color": EXPECTED_COLOUR, "strokeDash": [4, 3], "strokeWidth": 1},
            ),
            "encoding": {"x": quantitative("session"), "y": quantitative(edge)},
        }
        for edge in ("low", "high")
    ]
    last = found[-1]
    name = {
        "data": inline([{"session": last.session, "high": last.high, "name": "Usual range"}]),
        "mark": mark("text", align="right", baseline="bottom", color="#005a8c", dy=-3, fontSize=10),
        "encoding": {
            "text": nominal("name"),
            "x": quantitative("session"),
            "y": quantitative("high"),
        },
    }
    return {"layer": [area, *edges, name]}


def cutoff(value: float) -> Layer:
    """The caseness line, named at its right end."""
    rows = [{"cutoff": value, "label": f"Caseness cut-off ({value:g})"}]
    line = {
        "mark": mark("rule", color=LINE_NOTE_COLOUR, strokeDash=[6, 4]),
        "encoding": {"tooltip": [nominal("label", title="Line")], "y": quantitative("cutoff")},
    }
    name = {
        "mark": mark(
            "text", align="right", baseline="bottom", color=LINE_NOTE_COLOUR, dy=-2, fontSize=10
        ),
        "encoding": {
            "text": nominal("label"),
            "x": {"value": "width"},
            "y": quantitative("cutoff"),
        },
    }
    return {"layer": [line, name], "data": inline(rows)}


def layered(
    found: list[Layer], *, title: str, height: int, width: int | str = "container"
) -> dict[str, Any]:
    """The layers as one chart; the bands' colours are a scale of their own, not more series
    of the line. Data every layer shares (a chart of one line) is written once, for them all."""
    chart: dict[str, Any] = {"config": {"view": dict(FRAMELESS_VIEW)}, "layer": found}
    shared = found[0].get("data") if found else None
    if shared is not None and all(layer.get("data") == shared for layer in found):
        chart["layer"] = [{k: v for k, v in layer.items() if k != "data"} for layer in found]
        chart["data"] = shared
    chart.update(
        {
            "height": height,
            "resolve": {"scale": {"color": "independent"}},
            "title": title,
            "width": width,
            "$schema": SCHEMA,
        }
    )
    return chart
