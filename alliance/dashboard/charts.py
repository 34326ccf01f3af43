"""Chart specifications: plain data in, a Vega-Lite spec (a dict) out. No Django here.

The browser draws a spec with the vendored vega-embed; the server renders the very same spec to
SVG (vl-convert) for print and for browsers without JavaScript. Cut-offs, severity bands and the
reliable-change band are layers of the spec, so a test can assert on them as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
from altair.utils.schemapi import disable_debug_mode

# Altair validates every schema object against the Vega-Lite JSON schema as it is built; on the
# episode page that was a fifth of the time, for specs this module builds the same way each time.
# tests/dashboard/test_chart_specs.py validates each kind of spec against the schema instead.
disable_debug_mode()

# Colour-blind-safe pair (Okabe-Ito) for the two views of the same session.
CLIENT_COLOUR = "#0072B2"
THERAPIST_COLOUR = "#D55E00"
OTHER_COLOURS = ["#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
BAND_COLOURS = ["#f2f7f2", "#fbf6e6", "#fcefe0", "#fbe5e0", "#f8dcdc"]


@dataclass(frozen=True)
class Point:
    session: int
    series: str  # who rated: "Client", "Therapist", a partner's name…
    value: float


@dataclass(frozen=True)
class Marker:
    session: int
    label: str  # e.g. "Goals drop", shown as a tooltip and in the table


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


def _colour_scale(series: Sequence[str]) -> alt.Scale:
    names = list(dict.fromkeys(series))
    colours = []
    others = iter(OTHER_COLOURS * 4)
    for name in names:
        if name == "Client":
            colours.append(CLIENT_COLOUR)
        elif name == "Therapist":
            colours.append(THERAPIST_COLOUR)
        else:
            colours.append(next(others))
    return alt.Scale(domain=names, range=colours)


def _lines(points: Sequence[Point], y_title: str, y_max: float) -> alt.Chart:
    data = alt.Data(
        values=[{"session": p.session, "who": p.series, "value": p.value} for p in points]
    )
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("session:Q", title="Session", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("value:Q", title=y_title, scale=alt.Scale(domain=[0, y_max])),
            color=alt.Color(
                "who:N",
                title=None,
                scale=_colour_scale([p.series for p in points]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("who:N", title="Rated by"),
                alt.Tooltip("session:Q", title="Session"),
                alt.Tooltip("value:Q", title=y_title, format=".1f"),
            ],
        )
    )


def _markers(markers: Sequence[Marker]) -> alt.Chart:
    data = alt.Data(values=[{"session": m.session, "label": m.label} for m in markers])
    return (
        alt.Chart(data)
        .mark_rule(strokeDash=[4, 3], color="#a4161a")
        .encode(x="session:Q", tooltip=[alt.Tooltip("label:N", title="Alert")])
    )


def alliance_dimension(
    title: str, points: Sequence[Point], markers: Sequence[Marker] = (), y_max: float = 10
) -> dict[str, Any]:
    """One alliance dimension (bond, goals, tasks, overall) over sessions, one line per rater."""
    layers: list[alt.Chart] = [_lines(points, title, y_max)]
    if markers:
        layers.insert(0, _markers(markers))
    chart = alt.layer(*layers).properties(title=title, width="container", height=160)
    return _finish(chart)


def outcome_scores(
    title: str,
    points: Sequence[Point],
    *,
    y_max: float,
    bands: Sequence[Band] = (),
    cutoff: float | None = None,
    reliable_change: float | None = None,
    markers: Sequence[Marker] = (),
) -> dict[str, Any]:
    """An outcome measure with its severity bands, the caseness line and the band of change that
    would not count as reliable around the first score."""
    layers: list[alt.Chart] = []
    if bands:
        layers.append(_bands(bands))
    if reliable_change is not None and points:
        layers.append(_reliable_change_band(points, reliable_change, y_max))
    if cutoff is not None:
        layers.append(_cutoff(cutoff))
    if markers:
        layers.append(_markers(markers))
    layers.append(_lines(points, title, y_max))
    # The bands' colours are a scale of their own, not more series of the line.
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(title=title, width="container", height=180)
    )
    return _finish(chart)


def _bands(bands: Sequence[Band]) -> alt.Chart:
    data = alt.Data(values=[{"low": b.low, "high": b.high, "band": b.label} for b in bands])
    return (
        alt.Chart(data)
        .mark_rect(opacity=0.9)
        .encode(
            y="low:Q",
            y2="high:Q",
            color=alt.Color(
                "band:N",
                title="Severity",
                legend=None,
                scale=alt.Scale(
                    domain=[b.label for b in bands],
                    range=BAND_COLOURS[: len(bands)] or BAND_COLOURS,
                ),
            ),
            tooltip=[alt.Tooltip("band:N", title="Band")],
        )
    )


def _reliable_change_band(points: Sequence[Point], change: float, y_max: float) -> alt.Chart:
    first = min(points, key=lambda p: p.session)
    low, high = max(0.0, first.value - change), min(y_max, first.value + change)
    data = alt.Data(values=[{"low": low, "high": high, "label": "No reliable change"}])
    return (
        alt.Chart(data)
        .mark_rect(color="#9aa5b1", opacity=0.25)
        .encode(y="low:Q", y2="high:Q", tooltip=[alt.Tooltip("label:N", title="Band")])
    )


def _cutoff(value: float) -> alt.Chart:
    data = alt.Data(values=[{"cutoff": value, "label": f"Caseness cut-off ({value:g})"}])
    return (
        alt.Chart(data)
        .mark_rule(color="#4f5963", strokeDash=[6, 4])
        .encode(y="cutoff:Q", tooltip=[alt.Tooltip("label:N", title="Line")])
    )


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    # The specs are built here from known parts; validating them against the schema on every
    # page view costs more than drawing them.
    spec: dict[str, Any] = chart.configure_view(stroke=None).to_dict(validate=False)
    return spec


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


def render_svg(spec: dict[str, Any]) -> str:
    """The same spec as an SVG document, for print and for browsers without JavaScript."""
    import vl_convert

    fixed = dict(spec)
    fixed["width"] = 560  # "container" has no meaning without a page around it
    svg: str = vl_convert.vegalite_to_svg(fixed)
    return svg
