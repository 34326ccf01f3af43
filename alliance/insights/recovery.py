"""Expected recovery curves from a clinic's own history: fit, store as a version, read back.

The numbers are the pure `curves` module's; this module only gathers finished episodes' score
series from the database and keeps each fit as a `RecoveryCurveFit` row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from alliance.care.models import CLIENT_ROLES, EpisodeStatus
from alliance.checkins.models import Response

from .curves import NotEnoughEpisodes, RecoveryCurve, ScoreSeries, fit_recovery_curves
from .models import RecoveryCurveFit

MEASURES = ("phq-9", "gad-7")


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


@dataclass
class FitReport:
    fit: RecoveryCurveFit | None
    fitted: dict[str, RecoveryCurve] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # measure -> why not


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
    if report.fitted and save:
        report.fit = _store(organization, report.fitted)
    return report


def _store(organization: Any, curves: Mapping[str, RecoveryCurve]) -> RecoveryCurveFit:
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
            episodes=max(c.episodes for c in curves.values()),
            curves={m: c.to_dict() for m, c in curves.items()},
        )


def latest_curves(organization: Any) -> dict[str, RecoveryCurve]:
    """The organization's latest fitted curves (possibly none)."""
    fit = RecoveryCurveFit.objects.filter(organization=organization).order_by("-version").first()
    if fit is None:
        return {}
    return {m: RecoveryCurve.from_dict(d) for m, d in fit.curves.items()}
