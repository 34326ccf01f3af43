"""Expected recovery curves: the fit, the flag, and the clinic's own curves replacing the
default (docs/alert-rules.md, "Expected recovery curves")."""

from __future__ import annotations

import dataclasses
import itertools
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.care.models import EpisodeStatus
from alliance.checkins import services
from alliance.insights import analysis as A
from alliance.insights import recovery
from alliance.insights import services as insight_services
from alliance.insights.curves import (
    QUANTILES,
    NotEnoughEpisodes,
    RecoveryCurve,
    default_curves,
    fit_recovery_curves,
    smooth_changes,
)
from alliance.insights.models import RecoveryCurveFit
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_episode, make_session

# --------------------------------------------------------------------------- pure


def spread_series(intake: float, changes: list[float]) -> list[list[tuple[int, float]]]:
    """One episode per change: intake at session 1, intake + change at session 2."""
    return [[(1, intake), (2, intake + c)] for c in changes]


def test_fit_known_quantiles_of_change_by_band() -> None:
    eleven = [float(-c) for c in range(11)]  # 0, -1, ..., -10
    curve = fit_recovery_curves(
        {"phq-9": spread_series(16, eleven) + spread_series(5, [0.0] * 11)},
        min_episodes=22,
        min_per_cell=11,
        smoothing=1,
        bands={"phq-9": (0, 10)},
        last_session=2,
    )["phq-9"]
    assert curve.expected_change(16, 2, 0.5) == -5.0
    assert curve.expected_change(16, 2, 0.25) == -7.5
    assert curve.expected_change(16, 2, 0.75) == -2.5
    assert curve.expected_change(5, 2, 0.9) == 0.0
    assert curve.expected_change(16, 1, 0.5) == 0.0  # the intake itself
    assert curve.expected_change(16, 9, 0.5) == -5.0  # later sessions: the last row
    assert curve.band_label(16) == "10 or more" and curve.band_label(3) == "0-9"
    assert curve.episodes == 22 and curve.source == "clinic"
    assert RecoveryCurve.from_dict(curve.to_dict()) == curve


def test_fit_refuses_too_few_episodes_and_joins_thin_bands() -> None:
    changes = [float(-(c % 9)) for c in range(299)]
    with pytest.raises(NotEnoughEpisodes, match="299 finished episodes"):
        fit_recovery_curves({"phq-9": spread_series(16, changes)})
    # 300 episodes, all starting at 16: the other bands are too thin and join that one
    curve = fit_recovery_curves({"phq-9": spread_series(16, [*changes, -1.0])})["phq-9"]
    assert curve.episodes == 300 and curve.band_edges == (0.0,)
    spread = [s for b in (4, 10, 13, 16, 19, 22, 25) for s in spread_series(b, [-1.0] * 43)]
    assert fit_recovery_curves({"phq-9": spread})["phq-9"].band_edges == (0, 9, 12, 15, 18, 21, 24)


def phq(scores: list[float]) -> A.Observations:
    return A.Observations.from_rows(
        [(1, 1, "client", "phq-9", "total", i + 1, v) for i, v in enumerate(scores)]
    )


def off_track(scores: list[float], t: A.Thresholds) -> list[int]:
    return [f.session_number for f in A.outcomes(phq(scores), t) if f.kind == "not_on_track"]


# points above the median at each stored quantile: the 75th percentile is 2 above it
_ABOVE_MEDIAN = {0.1: -3, 0.25: -1, 0.5: 0, 0.6: 0.8, 0.65: 1.2, 0.7: 1.6, 0.75: 2, 0.8: 2.4,
                 0.85: 3, 0.9: 4}  # fmt: skip


def flat(measure: str = "phq-9") -> RecoveryCurve:
    """A curve whose median falls one point a session and whose 75th percentile is 2 above it."""
    rows = tuple(tuple(-(s - 1) + float(_ABOVE_MEDIAN[q]) for q in QUANTILES) for s in range(2, 13))
    return RecoveryCurve(measure, (0.0, 10.0, 20.0), tuple(range(2, 13)), QUANTILES, (rows,) * 3)


CURVE = A.Thresholds(
    recovery_curves={"phq-9": flat()},
    on_track_percentile=0.75,
    on_track_early_percentile=0.75,
    on_track_first_percentile=0.75,
)


def test_client_exactly_on_the_median_curve_is_never_flagged() -> None:
    assert off_track([16, 15, 14, 13, 12, 11, 10, 9], CURVE) == []


def test_client_exactly_at_the_percentile_is_on_the_boundary() -> None:
    at = [16.0] + [16 - (s - 1) + 2.0 for s in range(2, 9)]  # the 75th percentile every session
    assert off_track(at, CURVE) == []
    assert off_track([*at[:-1], at[-1] + 0.5], CURVE) == [8]


def test_reliable_deterioration_is_flagged_at_once_whatever_the_curve() -> None:
    found = A.outcomes(phq([10, 16]), CURVE)
    assert [(f.kind, f.severity) for f in found if f.kind == "not_on_track"] == [
        ("not_on_track", "high")
    ]


def test_alert_says_where_clients_who_started_alike_usually_are() -> None:
    t = A.Thresholds(recovery_curves={"phq-9": default_curves()["phq-9"]})
    found = [f for f in A.outcomes(phq([19, 19, 20]), t) if f.kind == "not_on_track"]
    text = A.explain(found[-1])
    assert text.startswith("PHQ-9 20 at session 3; clients who started at 18-20 are usually at")
    x = found[-1].numbers
    assert f"usually at {round(x['expected_low'])}-{round(x['expected_high'])} by now" in text


def test_measures_without_a_curve_keep_the_session_6_rule() -> None:
    t = A.Thresholds(recovery_curves={})
    assert off_track([16, 15, 15, 15, 15, 15], t) == [6]


@settings(deadline=None, max_examples=60)
@given(
    scores=st.lists(st.integers(0, 27), min_size=2, max_size=10),
    at=st.integers(1, 9),
    lower_by=st.integers(1, 10),
)
def test_a_better_later_score_never_puts_a_client_off_track(
    scores: list[int], at: int, lower_by: int
) -> None:
    """Lower is better on the PHQ-9: improving one later score can only help, at every session."""
    at = min(at, len(scores) - 1)
    better = [*scores]
    better[at] = max(0, scores[at] - lower_by)
    t = A.Thresholds()
    assert set(off_track(better, t)) <= set(off_track(scores, t))


def test_default_curves_are_labelled_and_widen_with_time() -> None:
    curve = default_curves()["phq-9"]
    assert curve.source == "default"
    early = curve.expected_change(18, 2, 0.75) - curve.expected_change(18, 2, 0.25)
    late = curve.expected_change(18, 10, 0.75) - curve.expected_change(18, 10, 0.25)
    assert 0 < early < late
    assert curve.expected_change(22, 8, 0.5) < curve.expected_change(10, 8, 0.5) < 0


# ------------------------------------------------------------------ the clinic's own

_keys = itertools.count()


def _phq_answers(total: int) -> dict[str, str]:
    """PHQ-9 answers whose items 1-8 add up to `total` (item 9 stays 0)."""
    items = [min(3, max(0, total - 3 * i)) for i in range(8)]
    return {f"phq9-{i + 1}": str(v) for i, v in enumerate(items)} | {"phq9-9": "0"}


def _finished_episode(clinic: Clinic, scores: list[int]) -> None:
    episode = make_episode(clinic.org, clinic.therapist, [clinic.client])
    participant = episode.participants.get(client__isnull=False)
    for number, total in enumerate(scores, start=1):
        services.save_response(
            session=make_session(episode, number),
            participant=participant,
            instrument=current_instrument("phq-9"),
            answers=_phq_answers(total),
            idempotency_key=f"fit{next(_keys)}",
            channel="link",
        )
    episode.status = EpisodeStatus.CLOSED
    episode.save(update_fields=["status"])


@pytest.mark.django_db
def test_clinic_curves_replace_the_default_once_there_are_enough_episodes(clinic: Clinic) -> None:
    rng = np.random.default_rng(3)
    for _ in range(12):
        start = int(rng.integers(12, 20))
        _finished_episode(clinic, [start, start - 1, start - 3])
    out = StringIO()
    call_command("insights", "fit-curves", "--organization", "northside", stdout=out)
    assert "phq-9 keeps its curve: phq-9: 12 finished episodes" in out.getvalue()
    assert not RecoveryCurveFit.objects.exists()
    assert insight_services.thresholds_for(clinic.org).recovery_curves["phq-9"].source == "default"

    call_command(
        "insights", "fit-curves", "--min-episodes", "12", "--min-per-cell", "1", stdout=out
    )
    fit = RecoveryCurveFit.objects.get(organization=clinic.org)
    assert (fit.version, fit.episodes) == (1, 12)
    assert "stored as version 1" in out.getvalue()
    curve = insight_services.thresholds_for(clinic.org).recovery_curves["phq-9"]
    assert curve.source == "clinic" and curve.episodes == 12
    assert (
        insight_services.thresholds_for(clinic.other_org).recovery_curves["phq-9"].source
        == "default"
    )
    # every client had improved by session 2: one who stays level is off track from there
    assert recovery.latest_curves(clinic.org)["phq-9"].expected_change(16, 3, 0.9) < 0
    t = insight_services.thresholds_for(clinic.org)
    assert off_track([16, 16, 16], t) == [2, 3]
    # the default curves still expect little change by the first score after intake
    assert off_track([16, 16], A.Thresholds()) == []


def band_name(layer: dict) -> str:
    return layer["data"]["name"] if "name" in layer.get("data", {}) else ""


@pytest.mark.django_db
def test_outcome_chart_shows_where_clients_who_started_alike_usually_are(clinic: Clinic) -> None:
    from alliance.insights.panels import chart_panels

    participant = clinic.episode.participants.get(client__isnull=False)
    for number, total in enumerate([19, 18, 20], start=1):
        services.save_response(
            session=make_session(clinic.episode, number) if number > 1 else clinic.session,
            participant=participant,
            instrument=current_instrument("phq-9"),
            answers=_phq_answers(total),
            idempotency_key=f"chart{next(_keys)}",
            channel="link",
        )
    panel = next(p for p in chart_panels(clinic.episode) if p.name == "phq-9")
    band = next(
        part
        for layer in panel.spec["layer"]
        for part in layer.get("layer", [layer])
        if part.get("mark", {}).get("type") == "area"
    )
    values = (band.get("data") or panel.spec["datasets"][band_name(band)])["values"]
    assert values[0]["label"].startswith("Usual range for clients who started at 18-20")
    assert [v["session"] for v in values] == [1, 2, 3, 4, 5]  # two sessions past the last score
    curve = default_curves()["phq-9"]
    assert values[2]["low"] == pytest.approx(19 + curve.expected_change(19, 3, 0.25))
    assert values[2]["high"] == pytest.approx(19 + curve.expected_change(19, 3, 0.75))
    assert values[0]["low"] == values[0]["high"] == 19  # at intake the range is the intake


def test_the_first_score_after_intake_has_its_own_percentile() -> None:
    t = dataclasses.replace(CURVE, on_track_first_percentile=0.9)
    # session 2: the 90th percentile is 4 above the median (-1): +3 is exactly at it
    assert off_track([16, 19], t) == []
    assert off_track([16, 19.5], t) == [2]
    # session 3 uses the early percentile again (75th: 2 above the median of -2, so 0)
    assert off_track([16, 15, 16.0], t) == []
    assert off_track([16, 15, 16.5], t) == [3]


def test_recent_changes_are_weighted_toward_today() -> None:
    change = np.array([[-2.0, -4.0, -6.0, np.nan]])
    smoothed = smooth_changes(change, 3, 0.4)
    assert smoothed[0, :3] == pytest.approx([-2.0, (-4 - 0.8) / 1.4, (-6 - 1.6 - 0.32) / 1.56])
    assert np.isnan(smoothed[0, 3])  # a session not measured is not judged
    assert smooth_changes(change, 2)[0, 1] == -3.0  # decay 1: the plain mean
