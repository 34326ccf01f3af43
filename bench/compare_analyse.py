"""Time `analyse` against an earlier version of itself on the same table, in one run.

Usage: .venv/bin/python -m bench.compare_analyse [--old aace67f] [--sizes 100000 300000]
       [--repeat 3]

The earlier `alliance/insights/analysis.py` is read from git (`git show <old>:...`; the default
is the version before the item-level drop rule, the recovery curves and the weak early
alliance) and loaded beside the current one. For each size the synthetic history
(alliance.synthetic.histories, seed 11) is generated once; the two versions then run in turn,
`--repeat` times each, taking turns, and the best times are compared, so a busy machine slows
both alike.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType

from alliance.insights import analysis as current
from alliance.synthetic.histories import episodes_for, observations


def load_old(commit: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:alliance/insights/analysis.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "analysis_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("analysis_before", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the analysis of {commit}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["analysis_before"] = module
    spec.loader.exec_module(module)
    return module


def timed(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    found = run()
    took = time.perf_counter() - start
    del found
    return took


def best_of(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """Best time of each run, the runs taking turns so that a busy moment slows both."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, took in zip(runs, times, strict=True):
            took.append(timed(run))
    return [min(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--old", default="aace67f")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    old = load_old(args.old)
    print(f"| responses | table rows | `analyse` at {args.old} s | now s | now / before |")
    print("|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        obs = observations(episodes_for(size, seed=11), seed=11)
        before_obs = old.Observations.from_columns(
            obs.episode,
            obs.participant,
            obs.role,
            obs.instrument,
            obs.scale,
            obs.session_number,
            obs.value,
            obs.risk,
            instruments=obs.instruments,
            scales=obs.scales,
        )
        before, now = best_of(
            args.repeat, partial(old.analyse, before_obs), partial(current.analyse, obs)
        )
        print(f"| {size:,} | {len(obs):,} | {before:.2f} | {now:.2f} | {now / before:.2f} |")


if __name__ == "__main__":
    main()
