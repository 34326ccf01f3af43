"""What the episode page shows of the insights: alerts with prompts, charts, the data table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from alliance.care.models import CLIENT_ROLES, CareEpisode, Participant
from alliance.dashboard import charts

from . import priority
from .models import AlertKind
from .views import prompts_for

ALLIANCE_DIMENSIONS = [
    ("alliance", "Alliance (mean)"),
    ("bond", "Bond"),
    ("goals", "Goals"),
    ("tasks", "Tasks"),
    ("overall", "Overall"),
    ("together", "Together"),
]
OUTCOME_SCALE = "total"


@dataclass
class ChartPanel:
    name: str
    title: str
    spec: dict[str, Any]
    description: str


@dataclass
class EpisodeInsights:
    active_alerts: list[Any] = field(default_factory=list)
    why_first: str = ""  # why the first active alert is first (priority.py)
    order_rule: str = str(priority.RULE)
    past_alerts: list[Any] = field(default_factory=list)
    charts: list[ChartPanel] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[list[Any]] = field(default_factory=list)


def series_name(participant: Participant, clients: int) -> str:
    if participant.client_id is not None:
        return "Client" if clients == 1 else participant.client.display_name
    if participant.role == "interpreter":
        return "Interpreter"
    return "Therapist" if participant.role == "therapist" else participant.user.display_name


def _responses(episode: CareEpisode) -> list[Any]:
    from alliance.checkins.models import Response

    return list(
        Response.objects.filter(session__episode=episode)
        .select_related("session", "participant__client", "participant__user", "instrument")
        .order_by("session__number", "participant_id")
    )


def chart_panels(episode: CareEpisode, responses: list[Any] | None = None) -> list[ChartPanel]:
    responses = _responses(episode) if responses is None else responses
    clients = sum(1 for p in episode.participants.all() if p.role in CLIENT_ROLES)
    markers = [
        charts.Marker(a.session_number, a.get_kind_display())
        for a in episode.alerts.all()
        if a.session_number and a.kind != AlertKind.RISK
    ]
    panels = _alliance_panels(responses, clients, markers)
    panels += _outcome_panels(responses, markers)
    return panels


def _alliance_panels(
    responses: list[Any], clients: int, markers: list[charts.Marker]
) -> list[ChartPanel]:
    points: dict[str, list[charts.Point]] = defaultdict(list)
    for r in responses:
        if r.instrument.kind != "alliance":
            continue
        who = series_name(r.participant, clients)
        for scale, value in (r.scores.get("scales") or {}).items():
            if value is not None:
                points[scale].append(charts.Point(r.session.number, who, float(value)))
    return [
        ChartPanel(
            name,
            title,
            charts.alliance_dimension(title, points[name], markers),
            f"{title} rated 0 to 10 after each session, one line per person rating.",
        )
        for name, title in ALLIANCE_DIMENSIONS
        if points.get(name)
    ]


def _outcome_panels(responses: list[Any], markers: list[charts.Marker]) -> list[ChartPanel]:
    by_instrument: dict[str, list[Any]] = defaultdict(list)
    for r in responses:
        if r.instrument.kind == "outcome":
            by_instrument[r.instrument_key].append(r)
    panels = []
    for key, rows in by_instrument.items():
        parsed = rows[-1].instrument.parsed()
        scale = next((s for s in parsed.scales if s.key == OUTCOME_SCALE), parsed.scales[0])
        points = [
            charts.Point(r.session.number, "Client", float(r.scores["scales"][scale.key]))
            for r in rows
            if (r.scores.get("scales") or {}).get(scale.key) is not None
        ]
        if not points:
            continue
        spec = charts.outcome_scores(
            parsed.title,
            points,
            y_max=scale.max,
            bands=[
                charts.Band(b.min, b.max + 1 if b.max < scale.max else b.max, b.label)
                for b in scale.bands
            ],
            cutoff=scale.cutoff.value if scale.cutoff else None,
            reliable_change=scale.reliable_change.value if scale.reliable_change else None,
            markers=markers,
        )
        panels.append(
            ChartPanel(
                key,
                parsed.title,
                spec,
                f"{parsed.title} total with severity bands, the caseness line "
                "and the band of change too small to be reliable.",
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
) -> EpisodeInsights:
    alerts = priority.ordered(
        list(episode.alerts.select_related("participant__client").prefetch_related("events__by"))
    )
    for alert in alerts:
        alert.prompts = prompts_for(episode.organization, alert.kind)
        alert.error = (alert_errors or {}).get(alert.pk)
        alert.form_data = (alert_form_data or {}).get(alert.pk, {})
    responses = _responses(episode)
    clients = sum(1 for p in episode.participants.all() if p.role in CLIENT_ROLES)
    columns, rows = data_table(responses, clients)
    active = [a for a in alerts if a.is_active]
    return EpisodeInsights(
        active_alerts=active,
        why_first=priority.why_first(active[0]) if active else "",
        past_alerts=[a for a in alerts if not a.is_active],
        charts=chart_panels(episode, responses),
        table_columns=columns,
        table_rows=rows,
    )
