"""Expected recovery curves for outcome measures (pure: no Django).

A curve says, for clients who started at a given severity, how far their score had usually moved
from intake by each session: quantiles of the change from the first measurement, per intake band
and session. `fit_recovery_curves` learns them from finished episodes; `default_curves` is the
documented starting point (docs/alert-rules.md) used until a clinic has enough history.

Bands rather than a smooth model: a clinician reads "clients who started at 18-20" directly, the
quantiles of a band need no distributional assumption, and 30 episodes per band and session are
enough for the 10th-90th percentiles (docs/decisions.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

QUANTILES: tuple[float, ...] = (0.1, 0.25, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
# (session number, score) pairs of one episode, session numbers counted from the episode's start
ScoreSeries = Sequence[tuple[int, float]]


@dataclass(frozen=True)
class RecoveryCurve:
    """Quantiles of the change from intake, by intake band and session.

    `change[b][j][k]` is the `quantiles[k]` quantile of (score at session `sessions[j]` minus the
    intake score) among clients whose intake was in band b = [band_edges[b], band_edges[b + 1]).
    Sessions are counted from the intake measurement (which is session 1); later sessions use the
    last row.
    """

    measure: str
    band_edges: tuple[float, ...]
    sessions: tuple[int, ...]
    quantiles: tuple[float, ...]
    change: tuple[tuple[tuple[float, ...], ...], ...]
    lower_is_better: bool = True
    source: str = "default"
    episodes: int = 0
    diagnostics: Mapping[str, float] = field(default_factory=dict)
    # the change judged at session s is a weighted mean of the changes measured in sessions
    # s - smoothing + 1 .. s (never the intake itself): one noisy score moves it less. The
    # change `lag` sessions back weighs `decay ** lag` (1.0: a plain mean)
    smoothing: int = 1
    decay: float = 1.0

    def band(self, intake: float) -> int:
        """Index of the intake band (the first or last band for scores outside the edges)."""
        i = int(np.searchsorted(self.band_edges, intake, side="right")) - 1
        return min(max(i, 0), len(self.band_edges) - 1)

    def band_label(self, intake: float) -> str:
        b = self.band(intake)
        lo = self.band_edges[b]
        hi = self.band_edges[b + 1] - 1 if b + 1 < len(self.band_edges) else None
        return f"{_n(lo)} or more" if hi is None else f"{_n(lo)}-{_n(hi)}"

    def expected_change(self, intake: float, session: int, quantile: float) -> float:
        """The `quantile` of change from intake by `session` for clients who started at `intake`
        (linear between the stored quantiles, held flat beyond the outermost ones)."""
        row = self._row(intake, session)
        return float(np.interp(quantile, self.quantiles, row))

    def expected_changes(
        self, intake: np.ndarray, session: np.ndarray, quantile: float
    ) -> np.ndarray:
        """Vectorised `expected_change` over arrays of intakes and sessions."""
        return self.expected_changes_at(intake, session, (quantile,))[0]

    def expected_changes_at(
        self, intake: np.ndarray, session: np.ndarray, quantiles: Sequence[float]
    ) -> list[np.ndarray]:
        """`expected_changes` for several quantiles, locating each row's cell once."""
        b = np.clip(np.searchsorted(self.band_edges, intake, side="right") - 1, 0, None)
        b = np.minimum(b, len(self.band_edges) - 1)
        j = np.clip(np.searchsorted(self.sessions, session, side="right") - 1, 0, None)
        cells = self._table[b, j]  # rows x stored quantiles
        at_intake = session <= 1
        qs = self.quantiles
        out = []
        for quantile in quantiles:
            k = int(np.clip(np.searchsorted(qs, quantile), 1, len(qs) - 1))
            w = float(np.clip((quantile - qs[k - 1]) / (qs[k] - qs[k - 1]), 0.0, 1.0))
            value = cells[:, k - 1] * (1.0 - w) + cells[:, k] * w
            out.append(np.where(at_intake, 0.0, value))
        return out

    @cached_property
    def _table(self) -> np.ndarray:
        return np.asarray(self.change, dtype=np.float64)

    def _row(self, intake: float, session: int) -> Sequence[float]:
        if session <= 1:
            return [0.0] * len(self.quantiles)
        j = int(np.searchsorted(self.sessions, session, side="right")) - 1
        return self.change[self.band(intake)][max(j, 0)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "band_edges": list(self.band_edges),
            "sessions": list(self.sessions),
            "quantiles": list(self.quantiles),
            "change": [[list(r) for r in band] for band in self.change],
            "lower_is_better": self.lower_is_better,
            "source": self.source,
            "episodes": self.episodes,
            "diagnostics": dict(self.diagnostics),
            "smoothing": self.smoothing,
            "decay": self.decay,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecoveryCurve:
        return cls(
            measure=str(data["measure"]),
            band_edges=tuple(float(x) for x in data["band_edges"]),
            sessions=tuple(int(x) for x in data["sessions"]),
            quantiles=tuple(float(x) for x in data["quantiles"]),
            change=tuple(
                tuple(tuple(float(v) for v in r) for r in band) for band in data["change"]
            ),
            lower_is_better=bool(data.get("lower_is_better", True)),
            source=str(data.get("source", "clinic")),
            episodes=int(data.get("episodes", 0)),
            diagnostics={k: float(v) for k, v in dict(data.get("diagnostics", {})).items()},
            smoothing=int(data.get("smoothing", 1)),
            decay=float(data.get("decay", 1.0)),
        )


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


# ----------------------------------------------------------------------------- fit

DEFAULT_BANDS: Mapping[str, tuple[float, ...]] = {
    # PHQ-9 0-27 and GAD-7 0-21 in three-point bands over the usual range of referrals
    "phq-9": (0, 9, 12, 15, 18, 21, 24),
    "gad-7": (0, 8, 11, 14, 17),
}


class NotEnoughEpisodes(ValueError):
    """Raised when a clinic's history is too small to fit curves it could trust."""


def fit_recovery_curves(
    episodes: Mapping[str, Sequence[ScoreSeries]],
    *,
    bands: Mapping[str, tuple[float, ...]] = DEFAULT_BANDS,
    last_session: int = 12,
    quantiles: tuple[float, ...] = QUANTILES,
    min_episodes: int = 300,
    min_per_cell: int = 30,
    lower_is_better: Mapping[str, bool] | None = None,
    smoothing: int = 3,
    decay: float = 0.4,
) -> dict[str, RecoveryCurve]:
    """Curves per measure from finished episodes' score series (session number, score).

    Session numbers are taken relative to each series' first measurement (= session 1). An
    intake band with fewer than `min_per_cell` episodes at session 2 is joined to its smaller
    neighbour; a later cell (band, session) with fewer borrows the previous session's row; the
    share of borrowed cells is a diagnostic. Raises `NotEnoughEpisodes` for a measure with
    fewer than `min_episodes` usable episodes.
    """
    out: dict[str, RecoveryCurve] = {}
    for measure, series in episodes.items():
        edges = bands.get(measure)
        if edges is None:
            raise ValueError(f"no intake bands for {measure}")
        better_low = True if lower_is_better is None else lower_is_better.get(measure, True)
        out[measure] = _fit_one(
            measure,
            series,
            edges,
            last_session,
            quantiles,
            (min_episodes, min_per_cell),
            better_low,
            (smoothing, decay),
        )
    return out


def _changes(
    series: Sequence[ScoreSeries], last_session: int, smoothing: int, decay: float
) -> tuple[np.ndarray, np.ndarray]:
    """Intake per episode, and a matrix episode x session (2..last) of the (smoothed) change,
    NaN where the session was not measured."""
    usable = [sorted(s) for s in series if len(s) >= 2]
    intake = np.array([s[0][1] for s in usable], dtype=np.float64)
    change = np.full((len(usable), last_session - 1), np.nan)
    for i, s in enumerate(usable):
        first_session = s[0][0]
        for session, score in s[1:]:
            j = session - first_session + 1  # relative session number, intake = 1
            if 2 <= j <= last_session:
                change[i, j - 2] = score - intake[i]
    return intake, smooth_changes(change, smoothing, decay)


def smooth_changes(change: np.ndarray, smoothing: int, decay: float = 1.0) -> np.ndarray:
    """Weighted mean of the measured changes in the last `smoothing` sessions (the one `lag`
    sessions back weighs `decay ** lag`), where today is measured."""
    if smoothing <= 1:
        return change
    total = np.zeros_like(change)
    count = np.zeros_like(change)
    for lag in range(smoothing):
        shifted = np.full_like(change, np.nan)
        shifted[:, lag:] = change[:, : change.shape[1] - lag]
        total += decay**lag * np.nan_to_num(shifted)
        count += decay**lag * ~np.isnan(shifted)
    with np.errstate(invalid="ignore"):
        out: np.ndarray = np.where(np.isnan(change), np.nan, total / np.maximum(count, 1))
    return out


def _fit_one(
    measure: str,
    series: Sequence[ScoreSeries],
    edges: tuple[float, ...],
    last_session: int,
    quantiles: tuple[float, ...],
    minimum: tuple[int, int],
    lower_is_better: bool,
    smoothing: tuple[int, float],
) -> RecoveryCurve:
    min_episodes, min_per_cell = minimum
    intake, change = _changes(series, last_session, *smoothing)
    if len(intake) < min_episodes:
        raise NotEnoughEpisodes(
            f"{measure}: {len(intake)} finished episodes with two or more scores, "
            f"{min_episodes} needed"
        )
    merged = _merge_thin_bands(edges, intake, change[:, 0], min_per_cell)
    if merged is None:
        raise NotEnoughEpisodes(
            f"{measure}: fewer than {min_per_cell} episodes with a score at session 2"
        )
    edges = merged
    band = np.clip(np.searchsorted(edges, intake, side="right") - 1, 0, len(edges) - 1)
    table = np.full((len(edges), last_session - 1, len(quantiles)), np.nan)
    counts = np.zeros((len(edges), last_session - 1), dtype=np.int64)
    for b in range(len(edges)):
        for j in range(last_session - 1):
            values = change[band == b, j]
            values = values[~np.isnan(values)]
            counts[b, j] = len(values)
            if len(values) >= min_per_cell:
                table[b, j] = np.quantile(values, quantiles)
    borrowed = _fill(table)
    p = quantiles.index(0.9) if 0.9 in quantiles else len(quantiles) - 1
    expected = table[band][:, :, p]
    seen = ~np.isnan(change)
    worse = change > expected if lower_is_better else change < expected
    diagnostics = {
        "episodes": float(len(intake)),
        "bands": float(len(edges)),
        "smallest_cell": float(counts[counts > 0].min()) if (counts > 0).any() else 0.0,
        "borrowed_cells": float(borrowed) / table[:, :, 0].size,
        # in-sample share beyond the 90th percentile curve: close to 0.10 when the fit is sound
        "beyond_p90": float(worse[seen].mean()) if seen.any() else math.nan,
    }
    return RecoveryCurve(
        measure=measure,
        band_edges=tuple(float(e) for e in edges),
        sessions=tuple(range(2, last_session + 1)),
        quantiles=quantiles,
        change=tuple(tuple(tuple(round(float(v), 3) for v in r) for r in b) for b in table),
        lower_is_better=lower_is_better,
        source="clinic",
        episodes=len(intake),
        diagnostics=diagnostics,
        smoothing=smoothing[0],
        decay=smoothing[1],
    )


def _merge_thin_bands(
    edges: tuple[float, ...], intake: np.ndarray, at_two: np.ndarray, min_per_cell: int
) -> tuple[float, ...] | None:
    """Join each intake band with fewer than `min_per_cell` episodes measured at session 2 to
    its smaller neighbour (a rare severity is judged with the nearest one), or None when even
    one band for everybody is too thin."""
    kept = list(edges)
    seen = intake[~np.isnan(at_two)]
    while True:
        band = np.clip(np.searchsorted(kept, seen, side="right") - 1, 0, len(kept) - 1)
        counts = np.bincount(band, minlength=len(kept))
        thin = int(np.argmin(counts))
        if counts[thin] >= min_per_cell:
            return tuple(kept)
        if len(kept) == 1:
            return None
        if thin == 0:
            del kept[1]
        elif thin == len(kept) - 1 or counts[thin - 1] <= counts[thin + 1]:
            del kept[thin]
        else:
            del kept[thin + 1]


def _fill(table: np.ndarray) -> int:
    """Fill thin cells in place: from the previous session, else from the nearest band."""
    borrowed = 0
    bands, sessions = table.shape[:2]
    for b in range(bands):
        for j in range(1, sessions):
            if np.isnan(table[b, j, 0]):
                table[b, j] = table[b, j - 1]
                borrowed += 1
    return borrowed


# -------------------------------------------------------------------- defaults


@dataclass(frozen=True)
class _Published:
    """The few published figures the default curves are built from (docs/alert-rules.md)."""

    share_of_excess: float  # median change by the end, as a share of (intake - floor)
    floor: float  # score that treatment moves clients toward
    pace: float  # sessions for about 63% of the change (rapid early response)
    sem: float  # standard error of measurement
    spread_end: float  # SD of true change between clients by the end


_PUBLISHED = {
    "phq-9": _Published(share_of_excess=0.5, floor=4.0, pace=4.0, sem=2.3, spread_end=5.0),
    "gad-7": _Published(share_of_excess=0.5, floor=3.0, pace=4.0, sem=1.9, spread_end=4.0),
}
_Z = {
    0.1: -1.2816,
    0.25: -0.6745,
    0.5: 0.0,
    0.6: 0.2533,
    0.65: 0.3853,
    0.7: 0.5244,
    0.75: 0.6745,
    0.8: 0.8416,
    0.85: 1.0364,
    0.9: 1.2816,
}


def default_curve(measure: str, last_session: int = 12) -> RecoveryCurve:
    """A starting-point curve from published figures, labelled `source="default"`."""
    f = _PUBLISHED[measure]
    edges = DEFAULT_BANDS[measure]
    top = 27.0 if measure == "phq-9" else 21.0
    rows = []
    for b, lo in enumerate(edges):
        hi = edges[b + 1] if b + 1 < len(edges) else top + 1
        centre = (lo + hi - 1) / 2
        band_rows = []
        for s in range(2, last_session + 1):
            progress = 1 - math.exp(-(s - 1) / f.pace)
            median = -f.share_of_excess * max(centre - f.floor, 0.0) * progress
            sd = math.sqrt(2 * f.sem**2 + (f.spread_end * progress) ** 2)
            band_rows.append(
                tuple(
                    round(min(max(median + _Z[q] * sd, -centre), top - centre), 3)
                    for q in QUANTILES
                )
            )
        rows.append(tuple(band_rows))
    return RecoveryCurve(
        measure=measure,
        band_edges=tuple(float(e) for e in edges),
        sessions=tuple(range(2, last_session + 1)),
        quantiles=QUANTILES,
        change=tuple(rows),
        source="default",
    )


def default_curves() -> dict[str, RecoveryCurve]:
    return {m: default_curve(m) for m in _PUBLISHED}


# ------------------------------------------------------------ typical early alliance

ALLIANCE_QUANTILES: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class TypicalAlliance:
    """What clients usually rate the alliance (mean of the items, 0-10) at each early session.

    `level[j][k]` is the `quantiles[k]` quantile of the client alliance mean at session
    `sessions[j]`, sessions counted from the client's first rating (= session 1). Later
    sessions use the last row. The "weak early alliance" finding compares a client with it.
    """

    sessions: tuple[int, ...]
    quantiles: tuple[float, ...]
    level: tuple[tuple[float, ...], ...]
    source: str = "default"
    episodes: int = 0
    diagnostics: Mapping[str, float] = field(default_factory=dict)

    def levels(self, session: np.ndarray, quantile: float) -> np.ndarray:
        """The `quantile` of the alliance at each session (linear between stored quantiles)."""
        j = np.clip(np.searchsorted(self.sessions, session, side="right") - 1, 0, None)
        table = np.asarray(self.level, dtype=np.float64)
        at_quantile = np.array([np.interp(quantile, self.quantiles, row) for row in table])
        out: np.ndarray = at_quantile[np.minimum(j, len(self.sessions) - 1)]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "typical_alliance",
            "sessions": list(self.sessions),
            "quantiles": list(self.quantiles),
            "level": [list(r) for r in self.level],
            "source": self.source,
            "episodes": self.episodes,
            "diagnostics": dict(self.diagnostics),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TypicalAlliance:
        return cls(
            sessions=tuple(int(x) for x in data["sessions"]),
            quantiles=tuple(float(x) for x in data["quantiles"]),
            level=tuple(tuple(float(v) for v in r) for r in data["level"]),
            source=str(data.get("source", "clinic")),
            episodes=int(data.get("episodes", 0)),
            diagnostics={k: float(v) for k, v in dict(data.get("diagnostics", {})).items()},
        )


def fit_typical_alliance(
    series: Sequence[ScoreSeries],
    *,
    last_session: int = 6,
    quantiles: tuple[float, ...] = ALLIANCE_QUANTILES,
    min_episodes: int = 300,
    min_per_cell: int = 30,
) -> TypicalAlliance:
    """The clinic's usual early alliance from its clients' (session number, alliance mean)
    series; a session with fewer than `min_per_cell` ratings uses the previous session's row.
    Raises `NotEnoughEpisodes` with fewer than `min_episodes` series or a thin first session."""
    usable = [sorted(s) for s in series if len(s) >= 1]
    if len(usable) < min_episodes:
        raise NotEnoughEpisodes(
            f"alliance: {len(usable)} clients with a rating, {min_episodes} needed"
        )
    by_session: list[list[float]] = [[] for _ in range(last_session)]
    for s in usable:
        first = s[0][0]
        for session, value in s:
            j = session - first  # 0 = the client's first rating
            if 0 <= j < last_session:
                by_session[j].append(float(value))
    if len(by_session[0]) < min_per_cell:
        raise NotEnoughEpisodes(f"alliance: fewer than {min_per_cell} first ratings")
    rows: list[tuple[float, ...]] = []
    borrowed = 0
    for values in by_session:
        if len(values) >= min_per_cell:
            rows.append(tuple(round(float(v), 3) for v in np.quantile(values, quantiles)))
        else:
            rows.append(rows[-1])
            borrowed += 1
    counts = [len(v) for v in by_session]
    return TypicalAlliance(
        sessions=tuple(range(1, last_session + 1)),
        quantiles=quantiles,
        level=tuple(rows),
        source="clinic",
        episodes=len(usable),
        diagnostics={
            "episodes": float(len(usable)),
            "smallest_cell": float(min(counts)),
            "borrowed_cells": borrowed / last_session,
        },
    )


# The starting point (docs/alert-rules.md): alliance ratings crowd the top of the scale; the
# vendor's "concern" level for the four-item Session Rating Scale is 36 of 40 (9.0 here), which
# most clients rate above. The lower quarter's edge sits a little under it and rises over the
# first sessions, as the alliance usually grows early on. A reasoned default, not a norm.
_DEFAULT_ALLIANCE = (
    (6.5, 8.0, 9.0, 9.75, 10.0),
    (6.75, 8.25, 9.0, 9.75, 10.0),
    (7.0, 8.5, 9.5, 10.0, 10.0),
    (7.0, 8.5, 9.5, 10.0, 10.0),
    (7.0, 8.5, 9.5, 10.0, 10.0),
)


def default_typical_alliance() -> TypicalAlliance:
    return TypicalAlliance(
        sessions=tuple(range(1, len(_DEFAULT_ALLIANCE) + 1)),
        quantiles=ALLIANCE_QUANTILES,
        level=_DEFAULT_ALLIANCE,
        source="default",
    )
