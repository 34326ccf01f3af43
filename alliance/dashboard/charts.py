"""Chart specifications: plain data in, a Vega-Lite spec (a dict) out. No Django here.

The browser draws a spec with the vendored vega-embed; the server renders the very same spec to
SVG (vl-convert) for print and for browsers without JavaScript. Cut-offs, severity bands and the
reliable-change band are layers of the spec, so a test can assert on them as data.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable, Sequence
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


@dataclass(frozen=True)
class Spread:
    """The lowest and highest score of a group at one session, drawn around its median."""

    session: int
    low: float
    high: float


@dataclass(frozen=True)
class Expected:
    """Where a client would usually be at a session if they followed clients who started like
    them (an expected recovery curve's 25th-75th percentile)."""

    session: int
    low: float
    high: float


MEDIAN_SERIES = "Group median"

# Specs already built, by everything they are built from. A spec is a pure function of its
# inputs, so a remembered one can never be out of date: a new rating or alert changes the
# inputs and so the key. Building one with Altair costs tens of milliseconds (deep copies of the
# data on every layer), and an episode page shows up to eight; reopening an unchanged episode,
# the common case, costs nothing. About 30 KB each, so a few MB per worker process.
REMEMBERED_SPECS = 256


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def _remembered(build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """`build`, remembering its last REMEMBERED_SPECS results. The spec returned is shared:
    read it, copy it before changing it (render_svg does)."""
    cached = functools.lru_cache(maxsize=REMEMBERED_SPECS)(
        lambda args, kwargs: build(*args, **dict(kwargs))
    )

    @functools.wraps(build)
    def remembered(*args: Any, **kwargs: Any) -> dict[str, Any]:
        key_args = tuple(_hashable(a) for a in args)
        key_kwargs = tuple(sorted((k, _hashable(v)) for k, v in kwargs.items()))
        return cached(key_args, key_kwargs)  # type: ignore[no-any-return]

    remembered.cache_info = cached.cache_info  # type: ignore[attr-defined]
    remembered.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return remembered


def median_with_range(
    points: Sequence[Point], members: Sequence[str]
) -> tuple[list[Point], list[Spread]]:
    """The members' lines as one median line with the range of their scores, per session.

    Series not among `members` (the therapist's own view) are kept as they are. A session where
    one member answered has a median equal to that answer and no spread to speak of.
    """
    chosen = set(members)
    by_session: dict[int, list[float]] = {}
    kept = [p for p in points if p.series not in chosen]
    for p in points:
        if p.series in chosen:
            by_session.setdefault(p.session, []).append(p.value)
    medians = [
        Point(n, MEDIAN_SERIES, statistics.median(values))
        for n, values in sorted(by_session.items())
    ]
    spreads = [Spread(n, min(v), max(v)) for n, v in sorted(by_session.items())]
    return medians + kept, spreads


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


LABEL_GAP = 0.07  # of the scale's top: about one line of 11-pixel text on the charts' height


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


def _end_labels(points: Sequence[Point]) -> alt.Chart:
    """Each line's name written beside its last point, so a line is read without the legend."""
    last: dict[str, Point] = {}
    for p in sorted(points, key=lambda p: p.session):
        last[p.series] = p
    gap = LABEL_GAP * max([10.0, *(p.value for p in points)])
    placed = label_positions({who: p.value for who, p in last.items()}, gap)
    data = alt.Data(
        values=[
            {"session": p.session, "who": who, "value": p.value, "label_at": placed[who]}
            for who, p in last.items()
        ]
    )
    return (
        alt.Chart(data)
        .mark_text(align="left", dx=6, fontSize=11)
        .encode(
            x="session:Q",
            y="label_at:Q",
            text="who:N",
            color=alt.Color("who:N", scale=_colour_scale([p.series for p in points]), legend=None),
        )
    )


def _spread(spreads: Sequence[Spread]) -> alt.Chart:
    data = alt.Data(
        values=[
            {"session": s.session, "low": s.low, "high": s.high, "label": "Range of members"}
            for s in spreads
        ]
    )
    return (
        alt.Chart(data)
        .mark_area(color="#009E73", opacity=0.18)
        .encode(
            x="session:Q",
            y="low:Q",
            y2="high:Q",
            tooltip=[
                alt.Tooltip("session:Q", title="Session"),
                alt.Tooltip("low:Q", title="Lowest", format=".1f"),
                alt.Tooltip("high:Q", title="Highest", format=".1f"),
            ],
        )
    )


def _person_layers(points: Sequence[Point], title: str, y_max: float, spreads: Sequence[Spread]):
    layers: list[alt.Chart] = []
    if spreads:
        layers.append(_spread(spreads))
    layers.append(_lines(points, title, y_max))
    if len({p.series for p in points}) > 1:
        layers.append(_end_labels(points))
    return layers


def _markers(markers: Sequence[Marker]) -> alt.Chart:
    data = alt.Data(values=[{"session": m.session, "label": m.label} for m in markers])
    return (
        alt.Chart(data)
        .mark_rule(strokeDash=[4, 3], color="#a4161a")
        .encode(x="session:Q", tooltip=[alt.Tooltip("label:N", title="Alert")])
    )


@_remembered
def alliance_dimension(
    title: str,
    points: Sequence[Point],
    markers: Sequence[Marker] = (),
    y_max: float = 10,
    spreads: Sequence[Spread] = (),
    expected: Sequence[Expected] = (),
    expected_label: str = "Usual early alliance in this clinic",
) -> dict[str, Any]:
    """One alliance dimension (bond, goals, tasks, overall) over sessions, one line per rater;
    for a group summary, the members' median with their range as a shaded band; with
    `expected`, the usual range of the clinic's clients at each early session."""
    layers: list[alt.Chart] = _person_layers(points, title, y_max, spreads)
    if expected:
        layers.insert(0, _expected_band(expected, expected_label, fmt=".1f"))
    if markers:
        layers.insert(0, _markers(markers))
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(title=title, width="container", height=220)
    )
    return _finish(chart)


@_remembered
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
    layers: list[alt.Chart] = []
    if bands:
        layers.append(_bands(bands))
    people = {p.series for p in points}
    if reliable_change is not None and len(people) == 1:
        layers.append(_reliable_change_band(points, reliable_change, y_max))
    if expected and len(people) == 1:
        layers.append(_expected_band(expected, expected_label))
    if cutoff is not None:
        layers.append(_cutoff(cutoff))
    if markers:
        layers.append(_markers(markers))
    layers += _person_layers(points, title, y_max, spreads)
    # The bands' colours are a scale of their own, not more series of the line.
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(title=title, width="container", height=240)
    )
    return _finish(chart)


def _bands(bands: Sequence[Band]) -> alt.LayerChart:
    data = alt.Data(values=[{"low": b.low, "high": b.high, "band": b.label} for b in bands])
    rects = (
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
    # Each band named inside the chart at its left edge: the words matter more than the colours.
    names = (
        alt.Chart(data)
        .transform_calculate(middle="(datum.low + datum.high) / 2")
        .mark_text(align="left", baseline="middle", dx=4, fontSize=10, color="#5b6570")
        .encode(x=alt.value(0), y="middle:Q", text="band:N")
    )
    return alt.layer(rects, names)


def _reliable_change_band(points: Sequence[Point], change: float, y_max: float) -> alt.LayerChart:
    first = min(points, key=lambda p: p.session)
    low, high = max(0.0, first.value - change), min(y_max, first.value + change)
    data = alt.Data(
        values=[{"low": low, "high": high, "label": f"No reliable change (±{change:g})"}]
    )
    band = (
        alt.Chart(data)
        .mark_rect(color="#9aa5b1", opacity=0.25)
        .encode(y="low:Q", y2="high:Q", tooltip=[alt.Tooltip("label:N", title="Band")])
    )
    name = (
        alt.Chart(data)
        .mark_text(align="right", baseline="top", dy=2, fontSize=10, color="#4f5963")
        .encode(x=alt.value("width"), y="high:Q", text="label:N")
    )
    return alt.layer(band, name)


def _expected_band(expected: Sequence[Expected], label: str, fmt: str = ".0f") -> alt.LayerChart:
    data = alt.Data(
        values=[
            {"session": e.session, "low": e.low, "high": e.high, "label": label} for e in expected
        ]
    )
    tooltip = [
        alt.Tooltip("label:N", title="Band"),
        alt.Tooltip("session:Q", title="Session"),
        alt.Tooltip("low:Q", title="From", format=fmt),
        alt.Tooltip("high:Q", title="To", format=fmt),
    ]
    base = alt.Chart(data)
    area = base.mark_area(color="#0072B2", opacity=0.18, interpolate="monotone").encode(
        x="session:Q", y="low:Q", y2="high:Q", tooltip=tooltip
    )
    # dashed edges: the band stays readable where it crosses the grey no-change band
    # (unfilled areas with a line on top, so they are never read as a person's line)
    edges = [
        base.mark_area(
            fillOpacity=0,
            interpolate="monotone",
            line={"color": "#0072B2", "strokeDash": [4, 3], "strokeWidth": 1},
        ).encode(x="session:Q", y=f"{edge}:Q")
        for edge in ("low", "high")
    ]
    last = expected[-1]
    name = (
        alt.Chart(
            alt.Data(values=[{"session": last.session, "high": last.high, "name": "Usual range"}])
        )
        .mark_text(align="right", baseline="bottom", dy=-3, fontSize=10, color="#005a8c")
        .encode(x="session:Q", y="high:Q", text="name:N")
    )
    return alt.layer(area, *edges, name)


def _cutoff(value: float) -> alt.LayerChart:
    data = alt.Data(values=[{"cutoff": value, "label": f"Caseness cut-off ({value:g})"}])
    line = (
        alt.Chart(data)
        .mark_rule(color="#4f5963", strokeDash=[6, 4])
        .encode(y="cutoff:Q", tooltip=[alt.Tooltip("label:N", title="Line")])
    )
    name = (
        alt.Chart(data)
        .mark_text(align="right", baseline="bottom", dy=-2, fontSize=10, color="#4f5963")
        .encode(x=alt.value("width"), y="cutoff:Q", text="label:N")
    )
    return alt.layer(line, name)


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
