"""Expected recovery curves, and the typical early alliance, from a clinic's own history:
fit, store as a version, read back.

The numbers are the pure `curves` module's; this module only gathers finished episodes' score
series from the database and keeps each fit as a `RecoveryCurveFit` row (the typical alliance
under the key `alliance`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from alliance.care.models import CLIENT_ROLES, EpisodeStatus
from alliance.checkins.models import Response

from .analysis import DEFAULT_THRESHOLDS
from .curves import (
    NotEnoughEpisodes,
    RecoveryCurve,
    ScoreSeries,
    TypicalAlliance,
    fit_recovery_curves,
    fit_typical_alliance,
)
from .models import RecoveryCurveFit

MEASURES = ("phq-9", "gad-7")
ALLIANCE = "alliance"  # the key of the typical early alliance in a stored fit


def finished_series(organization: Any) -> dict[str, list[ScoreSeries]]:
    """Per measure, each client's (session number, total) series in the organization's closed
    episodes, in session order."""
    rows = (
        Response.objects.filter(
            session__episode__organization=organization,
            session__episode__status=EpisodeStatus.CLOSED,
            participant__role__in=list(CLIENT_ROLES),
            instrument_key__in=MEASURES,
        )
        .order_by()
        .values_list(
            "instrument_key", "session__episode_id", "participant_id", "session__number", "scores"
        )
    )
    series: dict[tuple[str, int, int], dict[int, float]] = defaultdict(dict)
    for key, episode, participant, number, scores in rows.iterator(chunk_size=20_000):
        total = ((scores or {}).get("scales") or {}).get("total")
        if isinstance(total, int | float):
            series[(key, episode, participant)][number] = float(total)
    out: dict[str, list[ScoreSeries]] = {m: [] for m in MEASURES}
    for (key, _, _), by_session in series.items():
        out[key].append(sorted(by_session.items()))
    return out


def early_alliance_series(organization: Any) -> list[ScoreSeries]:
    """Each client's (session number, alliance mean) series in the organization's closed
    episodes, per form (a client who rated two forms gives two series)."""
    rows = (
        Response.objects.filter(
            session__episode__organization=organization,
            session__episode__status=EpisodeStatus.CLOSED,
            participant__role__in=list(CLIENT_ROLES),
            instrument_key__in=list(DEFAULT_THRESHOLDS.alliance_instruments),
        )
        .order_by()
        .values_list("instrument_key", "participant_id", "session__number", "scores")
    )
    series: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
    scale = DEFAULT_THRESHOLDS.alliance_scale
    for key, participant, number, scores in rows.iterator(chunk_size=20_000):
        value = ((scores or {}).get("scales") or {}).get(scale)
        if isinstance(value, int | float):
            series[(key, participant)][number] = float(value)
    return [sorted(by_session.items()) for by_session in series.values()]


@dataclass
class FitReport:
    fit: RecoveryCurveFit | None
    fitted: dict[str, RecoveryCurve] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # measure -> why not
    alliance: TypicalAlliance | None = None


def fit_organization(
    organization: Any, *, min_episodes: int = 300, min_per_cell: int = 30, save: bool = True
) -> FitReport:
    """Fit each measure that has enough finished episodes; store them as the next version."""
    report = FitReport(fit=None)
    for measure, series in finished_series(organization).items():
        try:
            report.fitted |= fit_recovery_curves(
                {measure: series}, min_episodes=min_episodes, min_per_cell=min_per_cell
            )
        except NotEnoughEpisodes as refusal:
            report.refused[measure] = str(refusal)
    try:
        report.alliance = fit_typical_alliance(
            early_alliance_series(organization),
            min_episodes=min_episodes,
            min_per_cell=min_per_cell,
        )
    except NotEnoughEpisodes as refusal:
        report.refused[ALLIANCE] = str(refusal)
    if (report.fitted or report.alliance) and save:
        report.fit = _store(organization, report.fitted, report.alliance)
    return report


def _store(
    organization: Any, curves: Mapping[str, RecoveryCurve], alliance: TypicalAlliance | None
) -> RecoveryCurveFit:
    stored: dict[str, Any] = {m: c.to_dict() for m, c in curves.items()}
    if alliance is not None:
        stored[ALLIANCE] = alliance.to_dict()
    with transaction.atomic():
        last = (
            RecoveryCurveFit.objects.select_for_update()
            .filter(organization=organization)
            .order_by("-version")
            .first()
        )
        return RecoveryCurveFit.objects.create(
            organization=organization,
            version=(last.version + 1) if last else 1,
            episodes=max(
                [c.episodes for c in curves.values()] + [alliance.episodes if alliance else 0]
            ),
            curves=stored,
        )


def latest_curves(organization: Any) -> dict[str, RecoveryCurve]:
    """The organization's latest fitted curve of each measure (possibly none)."""
    return latest_fits(organization)[0]


def latest_typical_alliance(organization: Any) -> TypicalAlliance | None:
    """The organization's typical early alliance from its latest fit that has one."""
    return latest_fits(organization)[1]


def latest_fits(
    organization: Any,
) -> tuple[dict[str, RecoveryCurve], TypicalAlliance | None]:
    """Both of the above from one reading of the organization's fits."""
    found: dict[str, RecoveryCurve] = {}
    typical: TypicalAlliance | None = None
    for fit in _newest_first(organization):
        for measure, data in fit.curves.items():
            if measure == ALLIANCE:
                if typical is None:
                    typical = TypicalAlliance.from_dict(data)
            elif measure not in found:
                found[measure] = RecoveryCurve.from_dict(data)
    return found, typical


def _newest_first(organization: Any) -> Any:
    return RecoveryCurveFit.objects.filter(organization=organization).order_by("-version")
