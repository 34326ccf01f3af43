"""Time the whole-organisation recompute of insights, and the one-episode fast path.

Usage: .venv/bin/python bench/bench_recompute.py [--sizes 100000 300000 1000000] [--seed 11]

For each size the synthetic run is generated and turned into the columnar table first (not
timed); then `analyse` is timed alone (best of --repeat runs) and run once more under tracemalloc
for the peak of memory it allocates. ru_maxrss is the whole process's high-water mark so far
(generation included). The budget (docs/performance.md) is 1,000,000 responses in under 60 s and
under 2 GB on 2 cores, and one episode of 40 sessions in under 5 ms.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alliance.insights.analysis import analyse
from alliance.synthetic.histories import Mix, episodes_for, observations


def one_size(responses: int, seed: int, repeat: int) -> tuple[int, int, int, float, float, int]:
    n_episodes = episodes_for(responses, seed=seed)
    obs = observations(n_episodes, seed=seed)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        found = analyse(obs)
        times.append(time.perf_counter() - start)
    n_found = len(found)
    del found  # measure the next run's peak on its own
    gc.collect()
    tracemalloc.start()
    analyse(obs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return n_episodes, len(obs), n_found, min(times), peak / 2**20, _maxrss_mb()


def _maxrss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def one_episode(seed: int, mix: Mix, runs: int = 300) -> tuple[int, float]:
    obs = observations(1, seed=seed, sessions=(40, 40), mix=mix)
    analyse(obs)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        analyse(obs)
        times.append(time.perf_counter() - start)
    return len(obs), statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    for name, mix in (
        ("individual", Mix(couple=0, family=0, group=0, interpreter=0)),
        ("group", Mix(couple=0, family=0, group=1)),
    ):
        rows, ms = one_episode(args.seed, mix)
        print(f"one {name} episode, 40 sessions ({rows} rows): median {ms:.2f} ms per analyse()")
    header = f"{'responses':>10} {'episodes':>9} {'rows':>10} {'findings':>9} {'analyse s':>10}"
    print(header + f" {'s per 1M rows':>13} {'peak MB (tracemalloc)':>22} {'maxrss MB':>10}")
    for size in args.sizes:
        n_ep, rows, found, secs, peak, rss = one_size(size, args.seed, args.repeat)
        per = secs / rows * 1e6
        print(
            f"{size:10d} {n_ep:9d} {rows:10d} {found:9d} {secs:10.2f} {per:13.2f} "
            f"{peak:22.0f} {rss:10d}"
        )


if __name__ == "__main__":
    main()
