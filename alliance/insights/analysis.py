"""Alliance and outcome analysis over many care episodes at once (pure: no Django).

Input is a long table (`Observations`): one row per scored scale of one response, i.e.
(episode, participant, role, instrument, scale, session number, value, risk flag). Output is a
sorted list of `Finding`s, each carrying the numbers needed to say in plain words why it was raised
(`explain`). Every rule is vectorised with NumPy over the whole table, so an organisation with a
million responses is recomputed in seconds, and the same functions answer for one episode.

The row order of the input never changes a result: rows are sorted into series first, and
duplicate rows for the same participant, scale and session are averaged.
See docs/alert-rules.md for the rules, their defaults and their sources.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from alliance.insights.curves import (
    NotEnoughEpisodes,
    RecoveryCurve,
    TypicalAlliance,
    default_curves,
    default_typical_alliance,
    fit_recovery_curves,
    fit_typical_alliance,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Finding",
    "NotEnoughEpisodes",
    "Observations",
    "OutcomeRule",
    "RecoveryCurve",
    "Thresholds",
    "TypicalAlliance",
    "analyse",
    "explain",
    "fit_recovery_curves",
    "fit_typical_alliance",
]

Severity = Literal["risk", "high", "medium", "low"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ROLES: tuple[str, ...] = ("client", "therapist", "interpreter")
CLIENT, THERAPIST, INTERPRETER = 0, 1, 2
INSTRUMENTS: tuple[str, ...] = (
    "alliance-checkin-client",
    "alliance-checkin-therapist",
    "alliance-checkin-conjoint",
    "alliance-checkin-interpreter",
    "phq-9",
    "gad-7",
)
SCALES: tuple[str, ...] = (
    "alliance",
    "bond",
    "goals",
    "tasks",
    "overall",
    "together",
    "understood",
    "flow",
    "total",
)
KINDS: tuple[str, ...] = (
    "risk",
    "risk_unanswered",
    "alliance_drop",
    "subscale_drop",
    "rupture_unrepaired",
    "rupture_repaired",
    "low_alliance",
    "weak_early_alliance",
    "therapist_overestimation",
    "split_alliance",
    "reliable_deterioration",
    "not_on_track",
    "reliable_improvement",
    "recovery",
    "caseness",
)
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
_SEVERITY_ORDER = {"risk": 0, "high": 1, "medium": 2, "low": 3}


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Observations:
    """Long-format table of equal-length arrays; codes index `ROLES`, `instruments`, `scales`."""

    episode: IntArray
    participant: IntArray
    role: npt.NDArray[np.int8]
    instrument: npt.NDArray[np.int16]
    scale: npt.NDArray[np.int16]
    session_number: npt.NDArray[np.int32]
    value: FloatArray
    risk: BoolArray
    instruments: tuple[str, ...] = INSTRUMENTS
    scales: tuple[str, ...] = SCALES

    def __post_init__(self) -> None:
        n = len(self.value)
        for name in ("episode", "participant", "role", "instrument", "scale", "session_number"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name} has {len(getattr(self, name))} rows, not {n}")
        if len(self.risk) != n:
            raise ValueError("column risk has the wrong length")

    def __len__(self) -> int:
        return len(self.value)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[
            tuple[int, int, str, str, str, int, float]
            | tuple[int, int, str, str, str, int, float, bool]
        ],
        *,
        instruments: tuple[str, ...] = INSTRUMENTS,
        scales: tuple[str, ...] = SCALES,
    ) -> Observations:
        """Build from (episode, participant, role, instrument, scale, session, value[, risk])."""
        cols: list[list[int | float | bool]] = [[] for _ in range(8)]
        inst_code = {k: i for i, k in enumerate(instruments)}
        scale_code = {k: i for i, k in enumerate(scales)}
        for row in rows:
            cols[0].append(row[0])
            cols[1].append(row[1])
            cols[2].append(ROLES.index(row[2]))
            cols[3].append(inst_code[row[3]])
            cols[4].append(scale_code[row[4]])
            cols[5].append(row[5])
            cols[6].append(row[6])
            cols[7].append(bool(row[7]) if len(row) > 7 else False)
        return cls.from_columns(*cols, instruments=instruments, scales=scales)

    @classmethod
    def from_columns(
        cls,
        episode: Sequence[Any],
        participant: Sequence[Any],
        role: Sequence[Any],
        instrument: Sequence[Any],
        scale: Sequence[Any],
        session_number: Sequence[Any],
        value: Sequence[Any],
        risk: Sequence[Any],
        *,
        instruments: tuple[str, ...] = INSTRUMENTS,
        scales: tuple[str, ...] = SCALES,
    ) -> Observations:
        """Build from equal-length columns of codes and values, in the table's own dtypes."""
        return cls(
            episode=np.asarray(episode, dtype=np.int64),
            participant=np.asarray(participant, dtype=np.int64),
            role=np.asarray(role, dtype=np.int8),
            instrument=np.asarray(instrument, dtype=np.int16),
            scale=np.asarray(scale, dtype=np.int16),
            session_number=np.asarray(session_number, dtype=np.int32),
            value=np.asarray(value, dtype=np.float64),
            risk=np.asarray(risk, dtype=np.bool_),
            instruments=instruments,
            scales=scales,
        )

    @classmethod
    def concat(cls, parts: Sequence[Observations]) -> Observations:
        """Join tables that share the same code lists."""
        if not parts:
            return cls.from_rows([])
        first = parts[0]
        if any(p.instruments != first.instruments or p.scales != first.scales for p in parts):
            raise ValueError("tables use different code lists")
        return cls(
            episode=np.concatenate([p.episode for p in parts]),
            participant=np.concatenate([p.participant for p in parts]),
            role=np.concatenate([p.role for p in parts]),
            instrument=np.concatenate([p.instrument for p in parts]),
            scale=np.concatenate([p.scale for p in parts]),
            session_number=np.concatenate([p.session_number for p in parts]),
            value=np.concatenate([p.value for p in parts]),
            risk=np.concatenate([p.risk for p in parts]),
            instruments=first.instruments,
            scales=first.scales,
        )


@dataclass(frozen=True)
class OutcomeRule:
    """How one outcome measure is judged; lower scores are better unless said otherwise."""

    caseness: float
    reliable_change: float
    scale: str = "total"
    sd: float | None = None
    reliability: float | None = None
    lower_is_better: bool = True

    def reliable_threshold(self) -> float:
        """Points of change that count as reliable: from SD and reliability when both given."""
        if self.sd is not None and self.reliability is not None:
            return 1.96 * reliable_change_sdiff(self.sd, self.reliability)
        return self.reliable_change


def _default_outcomes() -> dict[str, OutcomeRule]:
    # NHS Talking Therapies conventions (secondary source: keep configurable).
    return {
        "phq-9": OutcomeRule(caseness=10, reliable_change=6),
        "gad-7": OutcomeRule(caseness=8, reliable_change=4),
    }


def _default_risk_items() -> dict[str, tuple[str, int]]:
    return {"phq-9": ("phq9-9", 0)}


@dataclass(frozen=True)
class Thresholds:
    """Every number the rules use; an organisation may override any of them."""

    # alliance drop relative to the participant's own baseline, item by item (see
    # docs/alert-rules.md): robust baseline (median) of the last `drop_window` sessions, noise
    # from the median absolute deviation shrunk toward `drop_typical_noise`, z-scores per item
    drop_window: int = 8
    drop_min_baseline: int = 3
    drop_k_sd: float = 1.9  # whole relationship: z of the mean of the items today
    drop_item_z: float = 2.5  # one aspect: z of a single item today
    drop_two_session_z: float = 2.0  # whole relationship: two smaller drops in a row
    drop_item_two_session_z: float = 2.75  # one aspect: two smaller drops in a row
    drop_typical_noise: float = 1.0  # the clinic's usual item noise (points, 0-10 items)
    drop_noise_prior_sessions: float = 12.0  # weight of the typical noise, in sessions
    drop_sd_floor: float = 0.3  # smallest noise an item is credited with
    drop_min_points: float = 0.5  # smallest fall of the alliance mean that can count
    # ceiling: items that never moved in the window (e.g. always 10) falling a point together
    drop_steady_items: int = 2
    drop_high_points: float = 3.0
    # repair: back within this many points of the baseline mean at onset
    repair_margin: float = 0.5
    # absolute low alliance on the 0-10 alliance mean
    low_alliance_cutoff: float = 7.0
    low_alliance_by_instrument: Mapping[str, float] = field(default_factory=dict)
    # weak early alliance: in the client's first `weak_early_sessions` sessions, below the
    # `weak_early_percentile` of what the clinic's clients rate at that session
    # (`typical_alliance`), in each of the last `weak_early_run` rated sessions
    typical_alliance: TypicalAlliance = field(default_factory=default_typical_alliance)
    weak_early_percentile: float = 0.25
    weak_early_sessions: int = 5
    weak_early_run: int = 2
    # therapist above client
    overestimation_gap: float = 1.5
    overestimation_sessions: int = 3
    # split alliance between participants of one episode
    split_gap: float = 2.0
    split_persistent_sessions: int = 2
    # outcomes: not on track when the change from intake is worse than this percentile of
    # clients who started in the same band (expected recovery curves), or reliably worse
    recovery_curves: Mapping[str, RecoveryCurve] = field(default_factory=default_curves)
    # (chosen on a validation seed of the simulation, not the one reported: docs/alert-rules.md)
    on_track_percentile: float = 0.65
    on_track_early_percentile: float = 0.65  # up to session `on_track_early_sessions`
    on_track_early_sessions: int = 3
    # the first score after intake: one noisy change, judged most strictly
    on_track_first_percentile: float = 0.90
    # measures without a curve: reliable improvement expected by this session
    not_on_track_session: int = 6
    outcomes: Mapping[str, OutcomeRule] = field(default_factory=_default_outcomes)
    # what the rules look at
    alliance_instruments: tuple[str, ...] = (
        "alliance-checkin-client",
        "alliance-checkin-therapist",
        "alliance-checkin-conjoint",
        "alliance-checkin-interpreter",
    )
    alliance_scale: str = "alliance"
    drop_roles: tuple[str, ...] = ("client",)
    # instrument -> (item key, highest safe answer): an answer above it is a risk answer
    risk_items: Mapping[str, tuple[str, int]] = field(default_factory=_default_risk_items)

    def low_cutoff(self, instrument: str) -> float:
        return self.low_alliance_by_instrument.get(instrument, self.low_alliance_cutoff)


DEFAULT_THRESHOLDS = Thresholds()


def is_risk_answer(
    instrument: str, answers: Mapping[str, object], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> bool:
    """True when a response holds a risk answer (PHQ-9 item 9 above 0 by default)."""
    rule = thresholds.risk_items.get(instrument)
    if rule is None:
        return False
    answer = answers.get(rule[0])
    return isinstance(answer, int | float) and answer > rule[1]


# -------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Finding:
    """One thing worth telling the therapist, with the numbers behind it."""

    kind: str
    severity: Severity
    episode: int
    participant: int  # -1 when the finding is about the whole episode
    instrument: str
    scale: str
    session_number: int
    numbers: Mapping[str, float]

    def sort_key(self) -> tuple[int, int, int, int, str, str]:
        return (
            self.episode,
            self.session_number,
            self.participant,
            _KIND_ORDER.get(self.kind, len(KINDS)),
            self.instrument,
            self.scale,
        )


@dataclass(frozen=True)
class Trajectories:
    """Per episode and session: client mean, therapist value and the gap (therapist - client)."""

    episode: IntArray
    session_number: npt.NDArray[np.int32]
    client_mean: FloatArray
    client_count: IntArray
    therapist_value: FloatArray
    gap: FloatArray


# ------------------------------------------------------------------ sorted series


@dataclass(frozen=True)
class _Series:
    """Rows sorted by (episode, participant, instrument, scale, session), duplicates averaged."""

    episode: IntArray
    participant: IntArray
    role: npt.NDArray[np.int8]
    instrument: npt.NDArray[np.int16]
    scale: npt.NDArray[np.int16]
    session: npt.NDArray[np.int32]
    value: FloatArray
    risk: BoolArray
    group: IntArray  # contiguous id of (episode, participant, instrument, scale)
    instruments: tuple[str, ...]
    scales: tuple[str, ...]

    def take(self, mask: BoolArray) -> _Series:
        return _Series(
            self.episode[mask],
            self.participant[mask],
            self.role[mask],
            self.instrument[mask],
            self.scale[mask],
            self.session[mask],
            self.value[mask],
            self.risk[mask],
            self.group[mask],
            self.instruments,
            self.scales,
        )

    def codes(self, names: Iterable[str], lookup: tuple[str, ...]) -> list[int]:
        return [lookup.index(n) for n in names if n in lookup]


def _dense(values: npt.NDArray[np.integer]) -> tuple[IntArray, int]:
    uniq, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int64).ravel(), len(uniq)


def prepare(obs: Observations) -> _Series:
    """Sort rows into per-participant series and average duplicate sessions."""
    ep, n_ep = _dense(obs.episode)
    part, n_part = _dense(obs.participant)
    n_inst, n_scale = max(len(obs.instruments), 1), max(len(obs.scales), 1)
    group_key = ((ep * n_part + part) * n_inst + obs.instrument) * n_scale + obs.scale
    sess, n_sess = _dense(obs.session_number)
    key = group_key * n_sess + sess
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    first = np.ones(len(key_sorted), dtype=np.bool_)
    first[1:] = key_sorted[1:] != key_sorted[:-1]
    starts = np.flatnonzero(first)
    idx = order[starts]
    value = obs.value[order]
    if len(starts) == len(order):
        mean = value
        risk = obs.risk[order]
    else:
        counts = np.diff(np.append(starts, len(order)))
        mean = np.add.reduceat(value, starts) / counts
        risk = np.logical_or.reduceat(obs.risk[order], starts)
    gk = group_key[idx]
    gfirst = np.ones(len(gk), dtype=np.bool_)
    gfirst[1:] = gk[1:] != gk[:-1]
    return _Series(
        obs.episode[idx],
        obs.participant[idx],
        obs.role[idx],
        obs.instrument[idx],
        obs.scale[idx],
        obs.session_number[idx],
        mean.astype(np.float64),
        risk.astype(np.bool_),
        np.cumsum(gfirst) - 1,
        obs.instruments,
        obs.scales,
    )


def _composite(*columns: npt.NDArray[np.integer]) -> tuple[IntArray, IntArray]:
    """Dense id of each row's combination of column values (ordered lexicographically by the
    columns), and for each id the index of one row that has it."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        dense, n = _dense(col)
        key = key * n + dense
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.astype(np.int64).ravel(), first.astype(np.int64)


def _group_starts(group: IntArray) -> BoolArray:
    first = np.ones(len(group), dtype=np.bool_)
    first[1:] = group[1:] != group[:-1]
    return first


def _position_in_group(group: IntArray) -> IntArray:
    idx = np.arange(len(group), dtype=np.int64)
    start = np.where(_group_starts(group), idx, 0)
    return idx - np.maximum.accumulate(start) if len(idx) else idx


def _run_length(cond: BoolArray, starts: BoolArray) -> IntArray:
    """Length of the run of True ending at each row, restarting at each group start."""
    idx = np.arange(len(cond), dtype=np.int64)
    reset = np.where(cond, -1, idx)
    reset = np.where(starts & cond, idx - 1, reset)
    last = np.maximum.accumulate(reset) if len(idx) else reset
    return np.where(cond, idx - last, 0)


def _trailing_mean(value: FloatArray, group: IntArray, n: int) -> FloatArray:
    """Mean of each row and up to n - 1 rows before it in the same group."""
    pos = _position_in_group(group)
    total = value.copy()
    count = np.ones(len(value))
    for lag in range(1, n):
        if lag >= len(value):
            break
        valid = pos >= lag
        total[lag:] += np.where(valid[lag:], value[:-lag], 0.0)
        count += valid
    return total / count


@dataclass(frozen=True)
class Baseline:
    """Statistics of each row's previous values in its own series (up to `window` of them).

    `median` is the robust centre the drop rule uses and `spread` the mean absolute deviation
    from it (on 0-10 integer answers it is less coarse than the median absolute deviation, which
    is 0 for most short series); `mean` and `sd` are kept for readers of the numbers.
    """

    count: IntArray
    mean: FloatArray
    sd: FloatArray
    low: FloatArray
    high: FloatArray
    median: FloatArray
    spread: FloatArray


def _lagged(value: FloatArray, group: IntArray, window: int) -> FloatArray:
    """Rows x window matrix of each row's previous values in its group (NaN where none)."""
    n = len(value)
    pos = _position_in_group(group)
    out = np.full((n, window), np.nan)
    for lag in range(1, min(window, n - 1) + 1):
        out[lag:, lag - 1] = np.where(pos[lag:] >= lag, value[:-lag], np.nan)
    return out


def _sorted_median(lags: FloatArray, count: IntArray) -> FloatArray:
    """Median of the first `count` non-NaN values of each row (NaN sorts last)."""
    ordered = np.sort(lags, axis=1)
    rows = np.arange(len(count))
    lo = np.clip((count - 1) // 2, 0, None)
    hi = np.clip(count // 2, 0, lags.shape[1] - 1)
    with np.errstate(invalid="ignore"):
        median: FloatArray = (ordered[rows, lo] + ordered[rows, hi]) / 2.0
    median[count == 0] = np.nan
    return median


def rolling_baseline(value: FloatArray, group: IntArray, window: int) -> Baseline:
    """Mean, population SD, min, max, median and mean absolute deviation from the median of the
    previous `window` values in the same group."""
    lags = _lagged(value, group, max(window, 1)) if len(value) else np.zeros((0, 1))
    valid = ~np.isnan(lags)
    count = valid.sum(axis=1).astype(np.int64)
    safe = np.maximum(count, 1)
    filled = np.where(valid, lags, 0.0)
    mean = filled.sum(axis=1) / safe
    var = np.maximum((filled * filled).sum(axis=1) / safe - mean * mean, 0.0)
    mean[count == 0] = np.nan
    low = np.where(valid, lags, np.inf).min(axis=1, initial=np.inf)
    high = np.where(valid, lags, -np.inf).max(axis=1, initial=-np.inf)
    median = _sorted_median(lags, count)
    deviation = np.where(valid, np.abs(lags - median[:, None]), 0.0).sum(axis=1) / safe
    return Baseline(count, mean, np.sqrt(var), low, high, median, deviation)


# -------------------------------------------------------------------- trajectories


def _alliance_rows(s: _Series, t: Thresholds, roles: Sequence[str]) -> _Series:
    inst = np.isin(s.instrument, s.codes(t.alliance_instruments, s.instruments))
    role = np.isin(s.role, [ROLES.index(r) for r in roles])
    return s.take(inst & role)


def _trajectories(s: _Series, t: Thresholds, scale: str) -> Trajectories:
    rows = _alliance_rows(s, t, ("client", "therapist"))
    rows = rows.take(rows.scale == (s.scales.index(scale) if scale in s.scales else -1))
    inverse, first = _composite(rows.episode, rows.session)
    m = len(first)
    is_client = rows.role == CLIENT
    is_ther = rows.role == THERAPIST
    c_n = np.bincount(inverse, weights=is_client, minlength=m)
    c_sum = np.bincount(inverse, weights=np.where(is_client, rows.value, 0.0), minlength=m)
    t_n = np.bincount(inverse, weights=is_ther, minlength=m)
    t_sum = np.bincount(inverse, weights=np.where(is_ther, rows.value, 0.0), minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        c_mean = np.where(c_n > 0, c_sum / np.maximum(c_n, 1), np.nan)
        t_val = np.where(t_n > 0, t_sum / np.maximum(t_n, 1), np.nan)
    return Trajectories(
        rows.episode[first],
        rows.session[first],
        c_mean,
        c_n.astype(np.int64),
        t_val,
        t_val - c_mean,
    )


def trajectories(
    obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS, scale: str = "alliance"
) -> Trajectories:
    """Client mean and therapist value per episode and session, side by side, and their gap."""
    return _trajectories(prepare(obs), thresholds, scale)


# ------------------------------------------------------------------ finding helpers


def _emit(
    s: _Series,
    rows: IntArray,
    kind: str,
    severity: Sequence[Severity] | Severity,
    numbers: Mapping[str, npt.NDArray[np.floating] | npt.NDArray[np.integer]],
) -> list[Finding]:
    """Turn selected rows of a series into findings (one Python object per flagged row)."""
    ep = s.episode[rows].tolist()
    part = s.participant[rows].tolist()
    inst = s.instrument[rows].tolist()
    scl = s.scale[rows].tolist()
    sess = s.session[rows].tolist()
    cols = {k: v[rows].tolist() for k, v in numbers.items()}
    sev = [severity] * len(ep) if isinstance(severity, str) else list(severity)
    return [
        Finding(
            kind=kind,
            severity=sev[i],
            episode=ep[i],
            participant=part[i],
            instrument=s.instruments[inst[i]],
            scale=s.scales[scl[i]],
            session_number=sess[i],
            numbers={k: float(c[i]) for k, c in cols.items()},
        )
        for i in range(len(ep))
    ]


# ---------------------------------------------------------------- alliance drops


@dataclass(frozen=True)
class _Drops:
    rows: _Series
    base: Baseline
    threshold: FloatArray  # points below the baseline median that would have counted
    flagged: BoolArray  # the rule fired on this scale
    total_dropped: BoolArray  # the whole-relationship test of the same response fired
    z: FloatArray  # how far below its own baseline, in units of its noise


def item_noise(base: Baseline, t: Thresholds, items: FloatArray | float = 1.0) -> FloatArray:
    """Noise in points of each row's scale: the robust spread of its own history (mean absolute
    deviation from the median x 1.2533, which estimates the SD for normal noise), shrunk toward
    the clinic's typical noise with the weight of `drop_noise_prior_sessions` sessions, never
    below the floor. Few sessions of a client's own say little about their noise.

    For the mean of `items` items the typical noise is divided by sqrt(items) (items that wobble
    independently); the client's own spread of the mean shows when their items move together."""
    own = 1.2533 * np.nan_to_num(base.spread)
    n = base.count.astype(np.float64)
    prior = t.drop_noise_prior_sessions
    typical = t.drop_typical_noise / np.sqrt(items)
    var = (n * own * own + prior * typical**2) / np.maximum(n + prior, 1e-9)
    return np.maximum(np.sqrt(var), t.drop_sd_floor / np.sqrt(items))


@dataclass(frozen=True)
class _Responses:
    """Per response (episode, participant, form, session) of the rows the drop rule reads."""

    of_row: IntArray  # response id of each row
    combined: FloatArray  # sum of the item z-scores / sqrt(number of items)
    combined_before: FloatArray  # the same for the previous response of the same series
    inverse_noise: FloatArray  # sum of 1 / noise over the items
    items: FloatArray  # number of items judged
    rest: FloatArray  # combined z of the items other than the one that fell most


def _responses(
    rows: _Series, z: FloatArray, noise: FloatArray, is_item: BoolArray, mean_z: FloatArray
) -> _Responses:
    """`mean_z` (per row, NaN where none) is the z of the response's mean of the items against
    its own baseline; it is the combined score where present."""
    inverse, first = _composite(rows.episode, rows.participant, rows.instrument, rows.session)
    m = len(first)
    judged = is_item & ~np.isnan(z)
    k = np.bincount(inverse, weights=judged, minlength=m)
    zsum = np.bincount(inverse, weights=np.where(judged, z, 0.0), minlength=m)
    inv: FloatArray = np.asarray(
        np.bincount(inverse, weights=np.where(judged, 1.0 / noise, 0.0), minlength=m), np.float64
    )
    has_mean = ~np.isnan(mean_z)
    on_mean = np.full(m, np.nan)
    on_mean[inverse[has_mean]] = mean_z[has_mean]
    with np.errstate(invalid="ignore", divide="ignore"):
        combined = np.where(k > 0, zsum / np.sqrt(k), np.nan)
    combined = np.where(np.isnan(on_mean), combined, on_mean)
    # responses are numbered in (episode, participant, form, session) order
    same = np.zeros(m, dtype=np.bool_)
    key = (rows.episode[first], rows.participant[first], rows.instrument[first])
    same[1:] = (key[0][1:] == key[0][:-1]) & (key[1][1:] == key[1][:-1])
    same[1:] &= key[2][1:] == key[2][:-1]
    before = np.full(m, np.nan)
    before[1:] = np.where(same[1:], combined[:-1], np.nan)
    top = np.full(m, -np.inf)
    np.maximum.at(top, inverse[judged], z[judged])
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = np.where(k > 1, (zsum - top) / np.sqrt(np.maximum(k - 1, 1)), np.nan)
    return _Responses(inverse, combined, before, inv, np.asarray(k, dtype=np.float64), rest)


def _drops(s: _Series, t: Thresholds) -> _Drops:
    """Item-level drop rule: a response is a whole-relationship drop when its items together
    sit far below their own baselines (today, or two sessions in a row), and an item is a
    one-aspect drop when it alone sits far below (today, or two sessions in a row)."""
    rows = _alliance_rows(s, t, t.drop_roles)
    base = rolling_baseline(rows.value, rows.group, t.drop_window)
    noise = item_noise(base, t)
    enough = base.count >= t.drop_min_baseline
    with np.errstate(invalid="ignore"):
        z = np.where(enough, (base.median - rows.value) / noise, np.nan)
    total_code = s.scales.index(t.alliance_scale) if t.alliance_scale in s.scales else -1
    is_total = rows.scale == total_code
    # a form stored without items (only its total) is judged on the total as its one item
    inverse, first = _composite(rows.episode, rows.participant, rows.instrument, rows.session)
    has_items = np.bincount(inverse, weights=~is_total, minlength=len(first)) > 0
    lone = is_total & ~has_items[inverse]
    k = np.bincount(inverse, weights=~is_total, minlength=len(first))[inverse]
    mean_noise = item_noise(base, t, np.maximum(k, 1.0))
    with np.errstate(invalid="ignore"):
        mean_z = np.where(is_total & ~lone, (base.median - rows.value) / mean_noise, np.nan)
    z = np.where(is_total & ~lone & enough, mean_z, z)
    noise = np.where(is_total & ~lone, mean_noise, noise)
    r = _responses(rows, z, noise, ~is_total | lone, np.where(enough, mean_z, np.nan))
    item = _item_drop(z, rows.group, t) & enough
    whole = _whole_fired(rows, base, r, is_total, t)
    # when one item carries the whole fall, the finding is about that aspect
    item_fired = np.bincount(inverse, weights=item & ~is_total, minlength=len(first)) > 0
    with np.errstate(invalid="ignore"):
        whole &= ~(item_fired & (np.nan_to_num(r.rest, nan=np.inf) < 1.0))
    flagged = np.where(is_total, whole[inverse] | (lone & item), item & ~lone) & enough
    threshold = np.where(
        is_total & ~lone, np.maximum(t.drop_k_sd * noise, t.drop_min_points), t.drop_item_z * noise
    )
    total_fired = np.zeros(len(first), dtype=np.bool_)
    total_fired[inverse[is_total & flagged]] = True
    return _Drops(rows, base, threshold, flagged, total_fired[inverse], z)


def _whole_fired(
    rows: _Series, base: Baseline, r: _Responses, is_total: BoolArray, t: Thresholds
) -> BoolArray:
    """Per response: the items together fell (or, at the ceiling, several steady items fell a
    point at once), and the alliance mean fell by at least `drop_min_points`."""
    fell = np.nan_to_num(base.median - rows.value)
    steady = ~is_total & (base.spread == 0) & (base.count >= t.drop_min_baseline) & (fell >= 1.0)
    steady_n = np.bincount(r.of_row, weights=steady, minlength=len(r.combined))
    steady_drop = (steady_n >= max(t.drop_steady_items, 1)) & (t.drop_steady_items > 0)
    fall_ok = np.zeros(len(r.combined), dtype=np.bool_)
    fall_ok[r.of_row[is_total & (fell >= t.drop_min_points - 1e-9)]] = True
    return (_whole_drop(r, t) | steady_drop) & fall_ok


def _whole_drop(r: _Responses, t: Thresholds) -> BoolArray:
    with np.errstate(invalid="ignore"):
        today = r.combined >= t.drop_k_sd - 1e-9
        # two smaller consecutive drops (a two-session cumulative sum); today must be low too
        both = (r.combined + r.combined_before) / math.sqrt(2.0)
        two = (both >= t.drop_two_session_z - 1e-9) & (r.combined >= 1.0)
    return np.asarray(np.nan_to_num(today) | np.nan_to_num(two), dtype=np.bool_)


def _item_drop(z: FloatArray, group: IntArray, t: Thresholds) -> BoolArray:
    before = np.full(len(z), np.nan)
    if len(z) > 1:
        same = group[1:] == group[:-1]
        before[1:] = np.where(same, z[:-1], np.nan)
    with np.errstate(invalid="ignore"):
        today = z >= t.drop_item_z - 1e-9
        both = (z + before) / math.sqrt(2.0)
        two = (both >= t.drop_item_two_session_z - 1e-9) & (z >= 1.0)
    return np.asarray(np.nan_to_num(today) | np.nan_to_num(two), dtype=np.bool_)


def _drop_numbers(d: _Drops) -> dict[str, FloatArray | IntArray]:
    return {
        "today": d.rows.value,
        "baseline_mean": d.base.median,
        "baseline_sd": d.base.sd,
        "baseline_min": d.base.low,
        "baseline_max": d.base.high,
        "baseline_sessions": d.base.count,
        "drop": d.base.median - d.rows.value,
        "threshold": d.threshold,
        "z": d.z,
    }


def _drop_findings(d: _Drops, t: Thresholds) -> list[Finding]:
    total_code = d.rows.scales.index(t.alliance_scale) if t.alliance_scale in d.rows.scales else -1
    is_total = d.rows.scale == total_code
    drop = d.base.median - d.rows.value
    nums = _drop_numbers(d)
    total_rows = np.flatnonzero(d.flagged & is_total)
    sub_rows = np.flatnonzero(d.flagged & ~is_total & ~d.total_dropped)
    out = _emit(d.rows, total_rows, "alliance_drop", _drop_severity(drop[total_rows], t), nums)
    sev_sub: list[Severity] = ["medium"] * len(sub_rows)
    return out + _emit(d.rows, sub_rows, "subscale_drop", sev_sub, nums)


def _drop_severity(drop: FloatArray, t: Thresholds) -> list[Severity]:
    return ["high" if x >= t.drop_high_points else "medium" for x in drop.tolist()]


def alliance_drops(obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Drops of the alliance total, and of one subscale while the total held."""
    return sorted(
        _drop_findings(_drops(prepare(obs), thresholds), thresholds), key=Finding.sort_key
    )


# ------------------------------------------------------------- rupture and repair


def _ruptures(d: _Drops, t: Thresholds) -> list[Finding]:
    """Group consecutive drops into ruptures; find the first return to the onset baseline."""
    r = d.rows
    # a subscale rupture counts only when the total did not fire (it is reported on the total)
    total_code = r.scales.index(t.alliance_scale) if t.alliance_scale in r.scales else -1
    relevant = d.flagged & ((r.scale == total_code) | ~d.total_dropped)
    onsets = np.flatnonzero(relevant)
    if len(onsets) == 0:
        return []
    group_end = np.append(np.flatnonzero(_group_starts(r.group))[1:], len(r.group))
    end_of = group_end[np.searchsorted(group_end, onsets, side="right")]
    out: list[Finding] = []
    covered_until = -1
    for i, end in zip(onsets.tolist(), end_of.tolist(), strict=True):
        if i <= covered_until:
            continue
        target = float(d.base.median[i]) - t.repair_margin
        later = np.flatnonzero(r.value[i + 1 : end] >= target)
        repaired_at = i + 1 + int(later[0]) if len(later) else -1
        covered_until = repaired_at if repaired_at >= 0 else end - 1
        out.append(_rupture_finding(d, i, repaired_at, end - 1))
    return out


def _rupture_finding(d: _Drops, onset: int, repaired_at: int, last: int) -> Finding:
    r = d.rows
    at = repaired_at if repaired_at >= 0 else last
    numbers = {
        "onset_session": float(r.session[onset]),
        "onset_value": float(r.value[onset]),
        "baseline_mean": float(d.base.median[onset]),
        "today": float(r.value[at]),
        "sessions_since_onset": float(r.session[at] - r.session[onset]),
    }
    if repaired_at >= 0:
        numbers["repair_session"] = float(r.session[repaired_at])
    return Finding(
        kind="rupture_repaired" if repaired_at >= 0 else "rupture_unrepaired",
        severity="low" if repaired_at >= 0 else "high",
        episode=int(r.episode[at]),
        participant=int(r.participant[at]),
        instrument=r.instruments[int(r.instrument[at])],
        scale=r.scales[int(r.scale[at])],
        session_number=int(r.session[at]),
        numbers=numbers,
    )


def ruptures(obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Ruptures (drops) that were repaired, and those not repaired by the latest session."""
    return sorted(_ruptures(_drops(prepare(obs), thresholds), thresholds), key=Finding.sort_key)


# --------------------------------------------------------------------- low alliance


def _low_alliance(s: _Series, t: Thresholds) -> list[Finding]:
    rows = _alliance_rows(s, t, ("client",))
    rows = rows.take(
        rows.scale == (s.scales.index(t.alliance_scale) if t.alliance_scale in s.scales else -1)
    )
    cutoff = np.array([t.low_cutoff(name) for name in s.instruments] or [0.0])[rows.instrument]
    flagged = np.flatnonzero(rows.value < cutoff)
    sev: list[Severity] = [
        "high" if x < c - 2 else "medium"
        for x, c in zip(rows.value[flagged].tolist(), cutoff[flagged].tolist(), strict=True)
    ]
    return _emit(rows, flagged, "low_alliance", sev, {"today": rows.value, "cutoff": cutoff})


def low_alliance(obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Client alliance below the instrument's absolute cutoff (default 7 of 10)."""
    return sorted(_low_alliance(prepare(obs), thresholds), key=Finding.sort_key)


# --------------------------------------------------------------- weak early alliance


def _weak_early(s: _Series, t: Thresholds) -> list[Finding]:
    """Early in a client's therapy, an alliance that stays below what most of the clinic's
    clients rate at that session: the early alliance predicts outcome and dropout best, and a
    weak one rarely shows as a drop (there is no higher level to fall from). Sessions already
    below the absolute low-alliance cutoff are left to that finding, which says more."""
    rows = _alliance_rows(s, t, ("client",))
    rows = rows.take(
        rows.scale == (s.scales.index(t.alliance_scale) if t.alliance_scale in s.scales else -1)
    )
    if len(rows.value) == 0:
        return []
    starts = _group_starts(rows.group)
    first_session = rows.session[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    session = (rows.session - first_session + 1).astype(np.int64)
    early = session <= t.weak_early_sessions
    norm = t.typical_alliance
    level = norm.levels(session, t.weak_early_percentile)
    median = norm.levels(session, 0.5)
    below = early & (rows.value < level - 1e-9)
    run = _run_length(below, starts)
    cutoff = np.array([t.low_cutoff(name) for name in s.instruments] or [0.0])[rows.instrument]
    hit = np.flatnonzero(below & (run >= max(t.weak_early_run, 1)) & (rows.value >= cutoff))
    numbers = {
        "today": rows.value,
        "measured_session": session.astype(np.float64),
        "typical_level": level,
        "typical_median": median,
        "percentile": np.full(len(level), 100.0 * t.weak_early_percentile),
        "sessions_below": run.astype(np.float64),
        "norm_episodes": np.full(len(level), float(norm.episodes)),
    }
    return _emit(rows, hit, "weak_early_alliance", "medium", numbers)


def weak_early_alliance(
    obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[Finding]:
    """Client alliance below the clinic's usual level at that early session, session after
    session (default: below the 25th percentile in 2 sessions in a row, in the first 5)."""
    return sorted(_weak_early(prepare(obs), thresholds), key=Finding.sort_key)


# ----------------------------------------------------------- therapist over-estimation


def _episode_findings(
    tr: Trajectories,
    rows: IntArray,
    kind: str,
    sev: Sequence[Severity],
    numbers: Mapping[str, npt.NDArray[np.floating] | npt.NDArray[np.integer]],
    scale: str,
) -> list[Finding]:
    cols = {k: v[rows].tolist() for k, v in numbers.items()}
    ep, sess = tr.episode[rows].tolist(), tr.session_number[rows].tolist()
    return [
        Finding(
            kind, sev[i], ep[i], -1, "", scale, sess[i], {k: float(c[i]) for k, c in cols.items()}
        )
        for i in range(len(ep))
    ]


def _overestimation(s: _Series, t: Thresholds) -> list[Finding]:
    tr = _trajectories(s, t, t.alliance_scale)
    paired = np.flatnonzero(~np.isnan(tr.gap))
    ep = tr.episode[paired]
    gap = tr.gap[paired]
    run = _run_length(gap >= t.overestimation_gap - 1e-9, _group_starts(ep))
    hit = run >= t.overestimation_sessions
    # mean gap over the last n paired sessions of the episode (a lag sum, not a cumulative sum,
    # so that the result does not depend on which other episodes precede this one)
    mean_gap = _trailing_mean(gap, ep, t.overestimation_sessions)
    rows = paired[hit]
    sev: list[Severity] = ["high"] * len(rows)
    full_mean = np.full(len(tr.gap), np.nan)
    full_mean[paired] = mean_gap
    full_run = np.zeros(len(tr.gap), dtype=np.int64)
    full_run[paired] = run
    numbers = {
        "client_mean": tr.client_mean,
        "therapist_value": tr.therapist_value,
        "gap": tr.gap,
        "mean_gap": full_mean,
        "paired_sessions": full_run,
        "minimum_gap": np.full(len(tr.gap), t.overestimation_gap),
    }
    return _episode_findings(tr, rows, "therapist_overestimation", sev, numbers, t.alliance_scale)


def overestimation(obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Therapist rates the alliance clearly above the client in each of the last n sessions."""
    return sorted(_overestimation(prepare(obs), thresholds), key=Finding.sort_key)


# ------------------------------------------------------------------- split alliance


def _split(s: _Series, t: Thresholds) -> list[Finding]:
    rows = _alliance_rows(s, t, ("client",))
    rows = rows.take(
        rows.scale == (s.scales.index(t.alliance_scale) if t.alliance_scale in s.scales else -1)
    )
    if len(rows.value) == 0:
        return []
    order = np.lexsort((rows.value, rows.session, rows.episode))
    ep, sess, val, part = (
        rows.episode[order],
        rows.session[order],
        rows.value[order],
        rows.participant[order],
    )
    new = np.ones(len(ep), dtype=np.bool_)
    new[1:] = (ep[1:] != ep[:-1]) | (sess[1:] != sess[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(ep)) - 1
    lo, hi = val[starts], val[ends]
    count = ends - starts + 1
    split = (count >= 2) & (hi - lo >= t.split_gap - 1e-9)
    g_ep = ep[starts]
    run = _run_length(split, _group_starts(g_ep))
    hit = np.flatnonzero(split)
    tr = Trajectories(g_ep, sess[starts], lo, count.astype(np.int64), hi, hi - lo)
    sev: list[Severity] = [
        "high" if r >= t.split_persistent_sessions else "medium" for r in run[hit].tolist()
    ]
    numbers = {
        "highest": hi,
        "lowest": lo,
        "difference": hi - lo,
        "highest_participant": part[ends],
        "lowest_participant": part[starts],
        "participants": count,
        "consecutive_sessions": run,
    }
    return _episode_findings(tr, hit, "split_alliance", sev, numbers, t.alliance_scale)


def split_alliance(obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Participants of one couple, family or group episode rate the alliance far apart."""
    return sorted(_split(prepare(obs), thresholds), key=Finding.sort_key)


# ------------------------------------------------------------------------ outcomes


def reliable_change_sdiff(sd: float, reliability: float) -> float:
    """Jacobson & Truax standard error of the difference: sqrt(2) * SD * sqrt(1 - r)."""
    return math.sqrt(2.0) * sd * math.sqrt(1.0 - reliability)


def reliable_change_index(before: float, after: float, sd: float, reliability: float) -> float:
    """Jacobson & Truax RCI = (after - before) / S_diff; reliable when |RCI| > 1.96."""
    return (after - before) / reliable_change_sdiff(sd, reliability)


def clinical_cutoff_c(
    clinical_mean: float, clinical_sd: float, normal_mean: float, normal_sd: float
) -> float:
    """Jacobson & Truax cutoff c between clinical and non-clinical distributions."""
    return (normal_sd * clinical_mean + clinical_sd * normal_mean) / (clinical_sd + normal_sd)


def _outcome_rows(s: _Series, t: Thresholds, instrument: str, rule: OutcomeRule) -> list[Finding]:
    if instrument not in s.instruments or rule.scale not in s.scales:
        return []
    rows = s.take(
        (s.instrument == s.instruments.index(instrument)) & (s.scale == s.scales.index(rule.scale))
    )
    if len(rows.value) == 0:
        return []
    starts = _group_starts(rows.group)
    first = rows.value[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    first_session = rows.session[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    sign = 1.0 if rule.lower_is_better else -1.0
    improvement = sign * (first - rows.value)
    reliable = rule.reliable_threshold()
    improved = improvement >= reliable - 1e-9
    worse = -improvement >= reliable - 1e-9
    # a "case" is at or beyond the cutoff on the ill side of the scale
    case_first = sign * (first - rule.caseness) >= 0
    case_now = sign * (rows.value - rule.caseness) >= 0
    later = ~starts
    numbers = {
        "today": rows.value,
        "first": first,
        "first_session": first_session,
        "change": rows.value - first,
        "reliable_change": np.full(len(first), reliable),
        "caseness": np.full(len(first), rule.caseness),
        "on_track_by_session": np.full(len(first), float(t.not_on_track_session)),
    }
    curve = t.recovery_curves.get(instrument)
    if curve is None:
        off = rows.session >= t.not_on_track_session
        off &= ~improved
    else:
        off, expected = _off_curve(rows, first, first_session, curve, t)
        numbers.update(expected)
    not_on_track = later & (off | worse)
    out = _emit(rows, np.flatnonzero(starts & case_now), "caseness", "low", numbers)
    out += _emit(rows, np.flatnonzero(later & improved), "reliable_improvement", "low", numbers)
    out += _emit(rows, np.flatnonzero(later & worse), "reliable_deterioration", "high", numbers)
    out += _emit(rows, np.flatnonzero(later & case_first & ~case_now), "recovery", "low", numbers)
    idx = np.flatnonzero(not_on_track)
    sev: list[Severity] = ["high" if w else "medium" for w in worse[idx].tolist()]
    return out + _emit(rows, idx, "not_on_track", sev, numbers)


def _recent_change(
    change: FloatArray,
    group: IntArray,
    session: npt.NDArray[np.int32],
    smoothing: int,
    decay: float = 1.0,
) -> FloatArray:
    """Weighted mean change over the measurements of the last `smoothing` sessions (never the
    intake; `lag` sessions back weighs `decay ** lag`), as the curve was fitted
    (`curves.smooth_changes`)."""
    pos = _position_in_group(group)
    total = change.copy()
    count = np.ones(len(change))
    for lag in range(1, max(smoothing, 1)):
        if lag >= len(change):
            break
        near = np.zeros(len(change), dtype=np.bool_)
        near[lag:] = (pos[lag:] > lag) & (session[lag:] - session[:-lag] < smoothing)
        total[lag:] += np.where(near[lag:], decay**lag * change[:-lag], 0.0)
        count += decay**lag * near
    return total / count


def _off_curve(
    rows: _Series,
    first: FloatArray,
    first_session: npt.NDArray[np.int32],
    curve: RecoveryCurve,
    t: Thresholds,
) -> tuple[BoolArray, dict[str, FloatArray]]:
    """Whether each score is worse than the chosen percentile of clients who started in the same
    band (strictly: a client exactly at the percentile is on track), and the expected range.
    The first score after intake has a percentile of its own, the strictest: it is one change
    from one noisy score, and little change has accrued yet. Then the early percentile up to
    `on_track_early_sessions`, then the later one."""
    session = (rows.session - first_session + 1).astype(np.int64)
    early = session <= t.on_track_early_sessions
    at_first = session <= 2
    chosen = (t.on_track_first_percentile, t.on_track_early_percentile, t.on_track_percentile)
    percentile = np.where(at_first, chosen[0], np.where(early, chosen[1], chosen[2]))
    first_q, early_q, late_q = (p if curve.lower_is_better else 1.0 - p for p in chosen)
    at_two, at_early, at_late, low, median, high = curve.expected_changes_at(
        first, session, (first_q, early_q, late_q, 0.25, 0.5, 0.75)
    )
    limit = np.where(at_first, at_two, np.where(early, at_early, at_late))
    change = _recent_change(
        rows.value - first, rows.group, rows.session, curve.smoothing, curve.decay
    )
    off = change > limit + 1e-9 if curve.lower_is_better else change < limit - 1e-9
    band = np.clip(np.searchsorted(curve.band_edges, first, side="right") - 1, 0, None)
    band = np.minimum(band, len(curve.band_edges) - 1)
    edges = np.append(np.asarray(curve.band_edges, dtype=np.float64), np.inf)
    return off, {
        "measured_session": session.astype(np.float64),
        "percentile": 100.0 * percentile,
        "expected_limit": first + limit,
        "expected_low": first + low,
        "expected_median": first + median,
        "expected_high": first + high,
        "band_low": edges[band],
        "band_high": edges[band + 1] - 1,
        "curve_episodes": np.full(len(first), float(curve.episodes)),
    }


def _outcomes(s: _Series, t: Thresholds) -> list[Finding]:
    out: list[Finding] = []
    for instrument, rule in t.outcomes.items():
        out += _outcome_rows(s, t, instrument, rule)
    return out


def outcomes(obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Caseness, reliable improvement/deterioration, recovery and not-on-track per outcome score."""
    return sorted(_outcomes(prepare(obs), thresholds), key=Finding.sort_key)


# ---------------------------------------------------------------------------- risk


def _risk(s: _Series) -> list[Finding]:
    rows = np.flatnonzero(s.risk)
    return _emit(s, rows, "risk", "risk", {"today": s.value})


def risks(obs: Observations) -> list[Finding]:
    """Every response that carried a risk answer (e.g. PHQ-9 item 9 above 0)."""
    return sorted(_risk(prepare(obs)), key=Finding.sort_key)


# ------------------------------------------------------------------------ together


def analyse(
    obs: Observations, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, latest_only: bool = False
) -> list[Finding]:
    """All rules over the whole table.

    With `latest_only`, keep only findings at each episode's latest session (current alerts).
    """
    if len(obs) == 0:
        return []
    s = prepare(obs)
    d = _drops(s, thresholds)
    found = _risk(s)
    found += _drop_findings(d, thresholds)
    found += _ruptures(d, thresholds)
    found += _low_alliance(s, thresholds)
    found += _weak_early(s, thresholds)
    found += _overestimation(s, thresholds)
    found += _split(s, thresholds)
    found += _outcomes(s, thresholds)
    if latest_only:
        found = _keep_latest(found, s)
    return sorted(found, key=Finding.sort_key)


def _keep_latest(found: list[Finding], s: _Series) -> list[Finding]:
    if not found:
        return found
    starts = np.flatnonzero(_group_starts(s.episode))  # series are sorted by episode first
    last = np.maximum.reduceat(s.session, starts)
    latest = dict(zip(s.episode[starts].tolist(), last.tolist(), strict=True))
    return [f for f in found if f.session_number == latest[f.episode]]


def most_severe_first(found: Iterable[Finding]) -> list[Finding]:
    """Findings ordered for a worklist: risk first, then high, medium, low."""
    return sorted(found, key=lambda f: (_SEVERITY_ORDER[f.severity], f.sort_key()))


# ------------------------------------------------------------------------- explain


def _n(x: float) -> str:
    """A number as a therapist would say it: 9 not 9.0, 9.4 not 9.4166."""
    if math.isnan(x):
        return "unknown"
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _label(scale: str) -> str:
    return {"alliance": "Alliance (mean of the items)", "total": "Total score"}.get(
        scale, scale.capitalize()
    )


def _plural(count: float, word: str) -> str:
    return f"{_n(count)} {word}" + ("" if count == 1 else "s")


_RISK_ITEMS = {"phq-9": "item 9 (thoughts of being better off dead or of hurting oneself)"}


def _minus(a: float, b: float) -> str:
    """a - b as shown: computed from the rounded figures the text displays, so the arithmetic
    on the page adds up (9.5 - 7.2 = 2.3, not the 2.2 of the unrounded values)."""
    return _n(round(a, 1) - round(b, 1))


def _usual(x: Mapping[str, float]) -> str:
    sessions = _plural(x["baseline_sessions"], "session")
    low, high = _n(x["baseline_min"]), _n(x["baseline_max"])
    if low == high:
        return f"{low} in each of the previous {sessions}"
    return f"usually {_n(x['baseline_mean'])}, between {low} and {high} over {sessions}"


def _explain_drop(f: Finding, when: str) -> str:
    x = f.numbers
    return (
        f"{_label(f.scale)} {_n(x['today'])} {when}; {_usual(x)}. "
        f"That is {_minus(x['baseline_mean'], x['today'])} points lower; "
        f"this participant's usual variation makes {_n(x['threshold'])} points a real change."
    )


def _rupture_since(f: Finding, when: str) -> str:
    """What happened after the drop: back at the usual level, or how it stands now."""
    x = f.numbers
    if f.kind == "rupture_repaired":
        return f"Back at {_n(x['today'])} {when}: the usual level again."
    if x["sessions_since_onset"] < 1:
        return "Not yet back to the usual level."
    return (
        f"{_n(x['today'])} {when}, {_plural(x['sessions_since_onset'], 'session')} later: "
        "not yet back to the usual level."
    )


def _explain_rupture(f: Finding, when: str) -> str:
    x = f.numbers
    start = (
        f"{_label(f.scale)} fell to {_n(x['onset_value'])} at session {_n(x['onset_session'])} "
        f"from a usual {_n(x['baseline_mean'])}"
    )
    if f.kind == "rupture_repaired":
        return f"{start}, and was back at {_n(x['today'])} by session {_n(x['repair_session'])}."
    if x["sessions_since_onset"] < 1:
        return f"{start}; not yet back to the usual level."
    return (
        f"{start}, and is {_n(x['today'])} {when}, "
        f"{_plural(x['sessions_since_onset'], 'session')} later: not yet back to the usual level."
    )


def _outcome_start(f: Finding, when: str) -> str:
    x = f.numbers
    return (
        f"{f.instrument.upper()} {_n(x['today'])} {when}; {_n(x['first'])} at the first "
        f"measurement (session {_n(x['first_session'])})"
    )


def _explain_outcome(f: Finding, when: str) -> str:
    x = f.numbers
    points = _n(x["reliable_change"])
    tail = {
        "caseness": f"at or above the caseness cutoff of {_n(x['caseness'])}.",
        "reliable_improvement": f"better by at least {points} points, more than measurement noise.",
        "reliable_deterioration": f"worse by at least {points} points, beyond measurement noise.",
        "recovery": f"from at or above the caseness cutoff of {_n(x['caseness'])} to below it.",
        "not_on_track": (
            f"reliably worse (by {points} points or more), so not on track."
            if f.severity == "high"
            else f"no reliable improvement ({points} points) by session "
            f"{_n(x['on_track_by_session'])}, so not on track."
        ),
    }[f.kind]
    if f.kind == "not_on_track" and "expected_low" in x:
        return _explain_off_curve(f, when)
    return f"{_outcome_start(f, when)}: {tail}"


def _explain_off_curve(f: Finding, when: str) -> str:
    """'PHQ-9 17 at session 3; clients who started at 18-20 are usually at 9-14 by now.'"""
    x = f.numbers
    band = (
        f"{_n(x['band_low'])} or more"
        if math.isinf(x["band_high"])
        else f"{_n(x['band_low'])}-{_n(x['band_high'])}"
    )
    # a score cannot leave its scale, whatever the curve's arithmetic says
    low, high = sorted(max(0, round(x[k])) for k in ("expected_low", "expected_high"))
    # "today" alone says nothing about how far into treatment: name the session then
    said = f"at session {_n(x['measured_session'])}" if when == "today" else when
    text = (
        f"{f.instrument.upper()} {_n(x['today'])} {said}; "
        f"clients who started at {band} are usually at {low}-{high} by now "
        f"(this client started at {_n(x['first'])})."
    )
    if f.severity == "high":
        text += f" Reliably worse than at the start (by {_n(x['reliable_change'])} points or more)."
    else:
        text += f" Worse off than {_n(x['percentile'])}% of them at this point: not on track."
    return text


def _explain_weak_early(f: Finding, when: str) -> str:
    """'Alliance (mean of the items) 8 at session 3; 75% of this clinic's clients rate 8.5 or
    more by then (half rate 9.5 or more). Below that for 2 sessions in a row: ...'"""
    x = f.numbers
    said = f"at session {_n(x['measured_session'])}" if when == "today" else when
    share = 100.0 - x["percentile"]
    where = "this clinic's clients" if x.get("norm_episodes", 0) > 0 else "clients"
    run = x["sessions_below"]
    since = (
        f"in each of the client's {_n(run)} sessions so far"
        if run >= x["measured_session"]
        else f"for {_plural(run, 'session')} in a row"
    )
    return (
        f"{_label(f.scale)} {_n(x['today'])} {said}; {_n(share)}% of {where} rate "
        f"{_n(x['typical_level'])} or more by then (half rate {_n(x['typical_median'])} or "
        f"more). Below that {since}: a weak early alliance goes with less change and more "
        "dropout, and is worth talking about now."
    )


def _explain_worse_and_off_track(f: Finding, when: str) -> str:
    """A reliable deterioration and "not on track" for the same score: one sentence, both facts."""
    x = f.numbers
    return (
        f"{_outcome_start(f, when)}: {_minus(x['today'], x['first'])} points worse; "
        f"a change of {_n(x['reliable_change'])} points or more is beyond measurement noise "
        "(a reliable deterioration), so not on track."
    )


def explain(f: Finding, when: str = "today") -> str:
    """The reason for a finding in plain words, with its numbers. `when` says when the numbers
    were given ("today, session 11", "on 22 Oct, session 16"); the default suits a finding at
    the latest session read on its day."""
    x = f.numbers
    if f.kind in ("alliance_drop", "subscale_drop"):
        return _explain_drop(f, when)
    if f.kind in ("rupture_repaired", "rupture_unrepaired"):
        return _explain_rupture(f, when)
    if f.kind == "low_alliance":
        return f"{_label(f.scale)} {_n(x['today'])} {when}, below the cutoff of {_n(x['cutoff'])}."
    if f.kind == "weak_early_alliance":
        return _explain_weak_early(f, when)
    if f.kind == "therapist_overestimation":
        return (
            f"Therapist {_n(x['therapist_value'])}, client {_n(x['client_mean'])} {when}; "
            f"the therapist has rated the alliance at least {_n(x['minimum_gap'])} points above "
            f"the client in each of the last {_n(x['paired_sessions'])} paired sessions "
            f"(on average {_n(x['mean_gap'])} above)."
        )
    if f.kind == "split_alliance":
        return (
            f"Participants disagree: highest {_n(x['highest'])}, lowest {_n(x['lowest'])} "
            f"{when}, {_minus(x['highest'], x['lowest'])} points apart, "
            + (
                "for the first time."
                if x["consecutive_sessions"] <= 1
                else f"for {_n(x['consecutive_sessions'])} sessions in a row."
            )
        )
    if f.kind == "risk_unanswered":
        item = _RISK_ITEMS.get(f.instrument, "a risk item")
        return (
            f"{f.instrument.upper()} {item} was not answered, {when}: ask about it. "
            "An unanswered item is not a 0."
        )
    if f.kind == "risk":
        item = _RISK_ITEMS.get(f.instrument, "a risk item")
        return (
            f"Risk answer on {f.instrument.upper()} {item}, given {when}: "
            "talk about it with the client before anything else."
        )
    return _explain_outcome(f, when)


def explain_together(found: Sequence[tuple[Finding, str]]) -> str:
    """One reason for the findings of one alert, each with its own `when`, in a sentence or
    two: a drop and how it stands since; a reliable deterioration that makes the score not on
    track is said once."""
    kinds = {f.kind for f, _ in found}
    if {"reliable_deterioration", "not_on_track"} <= kinds:
        f, when = next(p for p in found if p[0].kind == "reliable_deterioration")
        return _explain_worse_and_off_track(f, when)
    parts: list[str] = []
    dropped = False
    for f, when in found:
        if f.kind in ("alliance_drop", "subscale_drop"):
            parts.append(_explain_drop(f, when))
            dropped = True
        elif f.kind in ("rupture_repaired", "rupture_unrepaired") and dropped:
            if f.kind == "rupture_repaired" or f.numbers["sessions_since_onset"] >= 1:
                parts.append(_rupture_since(f, when))
        else:
            parts.append(explain(f, when))
    return " ".join(parts)
