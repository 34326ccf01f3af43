"""What the episode page shows of the insights: alerts with prompts, charts, the data table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from alliance import charts
from alliance.care.models import CLIENT_ROLES, CareEpisode, EpisodeFormat, Participant
from alliance.care.panels import Page
from alliance.checkins.models import Response
from alliance.checkins.panels import episode_responses
from alliance.converters import parse_id

from . import analysis, priority
from .models import AlertKind
from .prompts import prompts_by_kind
from .services import thresholds_for

ALLIANCE_DIMENSIONS = [
    ("alliance", "Alliance (mean)"),
    ("bond", "Bond"),
    ("goals", "Goals"),
    ("tasks", "Tasks"),
    ("overall", "Overall"),
    ("together", "Together"),
]
OUTCOME_SCALE = "total"


GROUP_VIEWS = ("each", "median")


@dataclass
class ChartPanel:
    name: str
    title: str
    spec: dict[str, Any]
    description: str
    tab: str = "alliance"  # which tab of the chart area: alliance, outcomes or goals
    has_band: bool = False  # a usual range (expected band) is drawn


@dataclass
class EpisodeInsights:
    active_alerts: list[Any] = field(default_factory=list)
    why_first: str = ""  # why the first active alert is first (priority.py)
    order_rule: str = str(priority.RULE)
    past_alerts: list[Any] = field(default_factory=list)
    charts: list[ChartPanel] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[list[Any]] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)
    markers: list[charts.Marker] = field(default_factory=list)
    group_view: bool = False  # the chart area offers "each member" or "median and range"

    def tab(self, name: str) -> list[ChartPanel]:
        return [p for p in self.charts if p.tab == name]

    @property
    def alliance_charts(self) -> list[ChartPanel]:
        return self.tab("alliance")

    @property
    def outcome_charts(self) -> list[ChartPanel]:
        return self.tab("outcomes")

    @property
    def alliance_band(self) -> bool:
        """The alliance chart shows the usual early alliance of the clinic's clients."""
        return any(p.has_band for p in self.alliance_charts)


def series_name(participant: Participant, clients: int) -> str:
    if participant.client_id is not None:
        return "Client" if clients == 1 else participant.client.display_name
    if participant.role == "interpreter":
        return "Interpreter"
    return "Therapist" if participant.role == "therapist" else participant.user.display_name


def _responses(episode: CareEpisode) -> list[Any]:
    # The few questionnaires come in a query of their own: joined, each of a hundred responses
    # would carry (and decode) its questionnaire's whole definition again.
    return list(
        Response.objects.filter(session__episode=episode)
        .select_related("session", "participant__client", "participant__user")
        .prefetch_related("instrument")
        .order_by("session__number", "participant_id")
    )


def _markers(alerts: Any) -> list[charts.Marker]:
    """Alerts drawn on the charts as dashed lines at their session (risk answers are not: they
    belong to no scale of the charts), sorted for the legend."""
    found = {
        (a.session_number, a.get_kind_display())
        for a in alerts
        if a.session_number and a.kind != AlertKind.RISK
    }
    return [charts.Marker(n, label) for n, label in sorted(found)]


def _members(episode: CareEpisode, clients: int) -> list[str]:
    return [
        series_name(p, clients)
        for p in episode.participants.all()
        if p.role in CLIENT_ROLES and p.client_id is not None
    ]


def chart_panels(
    episode: CareEpisode,
    responses: list[Any] | None = None,
    view: str = "each",
    alerts: list[Any] | None = None,
) -> list[ChartPanel]:
    """The episode's charts. For a group, `view` "median" draws the members as one median line
    with their range instead of one line per member. The episode page passes the responses and
    alerts it has already read."""
    responses = _responses(episode) if responses is None else responses
    clients = sum(1 for p in episode.participants.all() if p.role in CLIENT_ROLES)
    markers = _markers(episode.alerts.all() if alerts is None else alerts)
    members = _members(episode, clients) if view == "median" and clients > 1 else []
    thresholds = _read_once(episode.organization)
    panels = _alliance_panels(responses, clients, markers, members, thresholds)
    panels += _outcome_panels(responses, clients, markers, members, thresholds)
    return panels


# The organization's thresholds, read when a chart first needs them and then kept for the rest
# of the drawing: every chart of the page asks, and each reading costs queries and parsing.
ReadThresholds = Callable[[], analysis.Thresholds] | None


def _read_once(organization: Any) -> ReadThresholds:
    if organization is None:
        return None

    @cache
    def thresholds() -> analysis.Thresholds:
        return thresholds_for(organization)

    return thresholds


def _summarised(
    points: list[charts.Point], members: list[str]
) -> tuple[list[charts.Point], list[charts.Spread]]:
    if not members:
        return points, []
    return charts.median_with_range(points, members)


def _alliance_panels(
    responses: list[Any],
    clients: int,
    markers: list[charts.Marker],
    members: list[str],
    thresholds: ReadThresholds = None,
) -> list[ChartPanel]:
    points: dict[str, list[charts.Point]] = defaultdict(list)
    for r in responses:
        if r.instrument.kind != "alliance":
            continue
        who = series_name(r.participant, clients)
        for scale, value in (r.scores.get("scales") or {}).items():
            if value is not None:
                points[scale].append(charts.Point(r.session.number, who, float(value)))
    panels = []
    for name, title in ALLIANCE_DIMENSIONS:
        if not points.get(name):
            continue
        shown, spreads = _summarised(points[name], members)
        typical = _typical_early(shown, thresholds) if name == "alliance" else ([], "")
        panels.append(
            ChartPanel(
                name,
                title,
                charts.alliance_dimension(
                    title,
                    shown,
                    markers,
                    spreads=spreads,
                    expected=typical[0],
                    expected_label=typical[1] or "Usual early alliance",
                ),
                f"{title} rated 0 to 10 after each session, one line per person rating"
                + (
                    ", and the usual range of the clinic's clients in the first sessions."
                    if typical[0]
                    else "."
                ),
                has_band=bool(typical[0]),
            )
        )
    return panels


def _typical_early(points: list[charts.Point], read: ReadThresholds) -> tuple[list[Any], str]:
    """The usual alliance of the clinic's clients (25th-75th percentile) at each of one client's
    first sessions, the comparison the weak early alliance finding makes."""
    # an individual episode's client only ("Client": series_name); a couple's or a group's
    # members are judged one by one in the alert, and their lines would share one band
    own = [p.session for p in points if p.series == "Client"]
    if read is None or not own:
        return [], ""
    thresholds = read()
    typical = thresholds.typical_alliance
    first = min(own)
    band = [
        charts.Expected(
            first + i,
            float(typical.levels(np.array([i + 1]), 0.25)[0]),
            float(typical.levels(np.array([i + 1]), 0.75)[0]),
        )
        for i in range(max(thresholds.weak_early_sessions, 0))
    ]
    source = "this clinic's clients" if typical.source == "clinic" else "a starting point"
    return band, f"Usual early alliance (25th-75th percentile, {source})"


def _expected(
    key: str, points: list[charts.Point], top: float, read: ReadThresholds
) -> tuple[list[charts.Expected], str]:
    """The expected recovery band for one person's scores: from their first score, the 25th-75th
    percentile of clients who started in the same band, through two sessions past the last."""
    people = {p.series for p in points}
    # one client's own scores only: a group's median did not start anywhere in particular
    if read is None or len(people) != 1 or charts.MEDIAN_SERIES in people:
        return [], ""
    curve = read().recovery_curves.get(key)
    if curve is None:
        return [], ""
    first = min(points, key=lambda p: p.session)
    last = max(p.session for p in points)
    sessions = range(first.session, last + 3)
    # every session's change at once (curves.expected_changes_at), not one lookup each
    at = np.array([s - first.session + 1 for s in sessions])
    lows, highs = curve.expected_changes_at(np.full(len(at), first.value), at, (0.25, 0.75))
    band = [
        charts.Expected(
            s,
            min(max(first.value + float(low), 0.0), top),
            min(max(first.value + float(high), 0.0), top),
        )
        for s, low, high in zip(sessions, lows, highs, strict=True)
    ]
    source = "this clinic's clients" if curve.source == "clinic" else "published figures"
    label = (
        f"Usual range for clients who started at {curve.band_label(first.value)} "
        f"(25th-75th percentile, {source})"
    )
    return band, label


def _outcome_panels(
    responses: list[Any],
    clients: int,
    markers: list[charts.Marker],
    members: list[str],
    thresholds: ReadThresholds = None,
) -> list[ChartPanel]:
    by_instrument: dict[str, list[Any]] = defaultdict(list)
    for r in responses:
        if r.instrument.kind == "outcome":
            by_instrument[r.instrument_key].append(r)
    panels = []
    for key, rows in by_instrument.items():
        parsed = rows[-1].instrument.parsed()
        scale = next((s for s in parsed.scales if s.key == OUTCOME_SCALE), parsed.scales[0])
        # One line per person: a couple's or a group's scores never join into one zig-zag.
        points = [
            charts.Point(
                r.session.number,
                series_name(r.participant, clients),
                float(r.scores["scales"][scale.key]),
            )
            for r in rows
            if (r.scores.get("scales") or {}).get(scale.key) is not None
        ]
        if not points:
            continue
        shown, spreads = _summarised(points, members)
        expected, expected_label = _expected(key, shown, scale.max, thresholds)
        spec = charts.outcome_scores(
            parsed.title,
            shown,
            y_max=scale.max,
            bands=[
                charts.Band(b.min, b.max + 1 if b.max < scale.max else b.max, b.label)
                for b in scale.bands
            ],
            cutoff=scale.cutoff.value if scale.cutoff else None,
            reliable_change=scale.reliable_change.value if scale.reliable_change else None,
            markers=markers,
            spreads=spreads,
            expected=expected,
            expected_label=expected_label,
        )
        panels.append(
            ChartPanel(
                key,
                parsed.title,
                spec,
                f"{parsed.title} total with severity bands, the caseness line, "
                "the band of change too small to be reliable"
                + (" and the usual range of clients who started alike." if expected else "."),
                tab="outcomes",
            )
        )
    return panels


def data_table(responses: list[Any], clients: int) -> tuple[list[str], list[list[Any]]]:
    """The same numbers as the charts, as a table for screen readers and for checking."""
    columns: list[str] = []
    cells: dict[int, dict[str, Any]] = defaultdict(dict)
    for r in responses:
        who = series_name(r.participant, clients)
        for scale, value in (r.scores.get("scales") or {}).items():
            if value is None or (
                r.instrument.kind == "alliance"
                and scale != "alliance"
                and scale not in ("bond", "goals", "tasks", "overall")
            ):
                continue
            column = (
                f"{r.instrument.title if r.instrument.kind == 'outcome' else scale.title()} ({who})"
            )
            if column not in columns:
                columns.append(column)
            cell: Any = round(float(value), 1)
            if scale == OUTCOME_SCALE and r.scores.get("risk_unanswered"):
                cell = f"{cell} (risk item not answered)"
            cells[r.session.number][column] = cell
    rows = [[number, *[cells[number].get(c, "—") for c in columns]] for number in sorted(cells)]
    return columns, rows


def episode_insights(
    viewer: Any,
    episode: CareEpisode,
    *,
    alert_errors: dict | None = None,
    alert_form_data: dict | None = None,
    view: str = "each",
    responses: list[Any] | None = None,
) -> EpisodeInsights:
    alerts = priority.ordered(
        list(episode.alerts.select_related("participant__client").prefetch_related("events__by"))
    )
    prompts = prompts_by_kind(episode.organization, {alert.kind for alert in alerts})
    for alert in alerts:
        alert.prompts = prompts[alert.kind]
        alert.error = (alert_errors or {}).get(alert.pk)
        alert.form_data = (alert_form_data or {}).get(alert.pk, {})
    responses = _responses(episode) if responses is None else responses
    clients = sum(1 for p in episode.participants.all() if p.role in CLIENT_ROLES)
    columns, rows = data_table(responses, clients)
    active = [a for a in alerts if a.is_active]
    return EpisodeInsights(
        active_alerts=active,
        why_first=priority.why_first(active[0]) if active else "",
        past_alerts=[a for a in alerts if not a.is_active],
        charts=chart_panels(episode, responses, view=view, alerts=alerts),
        table_columns=columns,
        table_rows=rows,
        responses=responses,
        markers=_markers(alerts),
        group_view=clients > 2,
    )


def episode_panel(page: Page) -> dict[str, Any]:
    """The episode page's alerts, charts and data table (registered in InsightsConfig.ready)."""
    episode = page.subject
    # A group's members read best as their median and range; each line is one click away.
    view = page.request.GET.get(
        "view", "median" if episode.format == EpisodeFormat.GROUP else "each"
    )
    insights = episode_insights(
        page.viewer,
        episode,
        alert_errors=page.options.get("alert_errors"),
        alert_form_data=page.options.get("alert_form_data"),
        view=view if view in GROUP_VIEWS else "each",
        responses=episode_responses(page),
    )
    return {
        "insights": insights,
        "chart_view": view,
        "open_alert": parse_id(page.request.GET.get("open")),
    }
