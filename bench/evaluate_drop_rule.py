"""Compare alliance-drop rules against the ground truth of synthetic histories.

Usage: .venv/bin/python bench/evaluate_drop_rule.py [--episodes 2000] [--seed 20240501]

For each rule it prints
  detection: share of true ruptures with an alert for that client at onset or the session after;
  false alarms: alerts per 100 client-sessions outside every rupture window (onset up to the
  repair session, or to the end of the episode when never repaired).
Rules compared: ours (baseline-relative, see docs/alert-rules.md) and the vendor's two simple
SRS rules on the 0-10 alliance mean: below 9.0 (36 of 40) and a drop of 1 point or more from the
last session; the 1-point drop is also shown in SRS units (1 of 40 = 0.25 on the 0-10 mean).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alliance.insights import analysis as A
from alliance.synthetic.histories import SyntheticEpisode, generate, to_observations

Alert = tuple[int, int, int]  # episode, participant, session


def client_alliance(obs: A.Observations) -> A._Series:
    s = A.prepare(obs)
    mask = (s.role == A.CLIENT) & (s.scale == s.scales.index("alliance"))
    return s.take(mask & np.isin(s.instrument, [0, 2]))


def ours(obs: A.Observations, t: A.Thresholds) -> set[Alert]:
    found = A.alliance_drops(obs, t)
    return {(f.episode, f.participant, f.session_number) for f in found}


def vendor_cutoff(s: A._Series, cutoff: float = 9.0) -> set[Alert]:
    hit = np.flatnonzero(s.value < cutoff)
    return _alerts(s, hit)


def vendor_drop(s: A._Series, points: float) -> set[Alert]:
    prev = np.roll(s.value, 1)
    same = np.roll(s.group, 1) == s.group
    same[0] = False
    hit = np.flatnonzero(same & (prev - s.value >= points - 1e-9))
    return _alerts(s, hit)


def _alerts(s: A._Series, rows: np.ndarray) -> set[Alert]:
    return set(
        zip(
            s.episode[rows].tolist(),
            s.participant[rows].tolist(),
            s.session[rows].tolist(),
            strict=True,
        )
    )


def score(
    alerts: set[Alert], episodes: list[SyntheticEpisode], sessions: int
) -> tuple[float, float, int]:
    caught, total, inside = 0, 0, 0
    for ep in episodes:
        for r in ep.truth.ruptures:
            total += 1
            key = (ep.index, r.participant_index)
            if (*key, r.session_number) in alerts or (*key, r.session_number + 1) in alerts:
                caught += 1
    windows = _windows(episodes)
    inside = sum(1 for a in alerts if a in windows)
    false = len(alerts) - inside
    return 100.0 * caught / max(total, 1), 100.0 * false / sessions, total


def _windows(episodes: list[SyntheticEpisode]) -> set[Alert]:
    out: set[Alert] = set()
    for ep in episodes:
        for r in ep.truth.ruptures:
            end = r.repair_session if r.repair_session is not None else ep.session_count
            for s in range(r.session_number, end + 1):
                out.add((ep.index, r.participant_index, s))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--k", type=float, default=None, help="override drop_k_sd")
    parser.add_argument("--floor", type=float, default=None, help="override drop_sd_floor")
    parser.add_argument("--min-points", type=float, default=None, help="override drop_min_points")
    args = parser.parse_args()
    t = A.Thresholds()
    overrides = {
        "drop_k_sd": args.k,
        "drop_sd_floor": args.floor,
        "drop_min_points": args.min_points,
    }
    t = dataclasses.replace(t, **{k: v for k, v in overrides.items() if v is not None})
    start = time.perf_counter()
    episodes = list(generate(args.episodes, seed=args.seed))
    obs = to_observations(episodes)
    s = client_alliance(obs)
    sessions = len(s.value)
    rules = {
        "ours (baseline-relative drop)": ours(obs, t),
        "vendor: alliance below 9.0": vendor_cutoff(s),
        "vendor: drop >= 1 point (0-10)": vendor_drop(s, 1.0),
        "vendor: drop >= 0.25 (1 of 40)": vendor_drop(s, 0.25),
        "vendor: below 9.0 or drop >= 1": vendor_cutoff(s) | vendor_drop(s, 1.0),
    }
    print(
        f"{args.episodes} episodes, seed {args.seed}, {sessions} client-sessions, "
        f"k={t.drop_k_sd} floor={t.drop_sd_floor} min={t.drop_min_points} "
        f"window={t.drop_window} min_baseline={t.drop_min_baseline}"
    )
    print(f"{'rule':34} {'ruptures':>8} {'detected %':>10} {'false alarms /100 sessions':>27}")
    for name, alerts in rules.items():
        detected, false, total = score(alerts, episodes, sessions)
        print(f"{name:34} {total:8d} {detected:10.1f} {false:27.2f}")
    print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
