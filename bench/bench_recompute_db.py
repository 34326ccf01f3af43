"""Time `alliance insights recompute --organization SLUG` on 100k, 300k and 1M stored responses.

Usage: .venv/bin/python -m bench.bench_recompute_db [--sizes 100000 300000 1000000] [--seed 11]
           [--json FILE]

Database: alliance_bench_recompute (dropped and recreated). One organization grows through the
sizes: the synthetic run of `histories.episodes_for(size, seed=...)` episodes (default mix: 6-40
sessions, individual, couple, family and group episodes, interpreters) is written with
`alliance.synthetic.database.load`, only the episodes not loaded yet at each step. Before each
timing the organization's alerts are deleted, so every size measures the same first full run;
at the first size a second run (alerts already there: the refresh path) is timed too.
The command runs as a subprocess under /usr/bin/time -v (peak RSS of the process); wall time is
measured around it and the command's own line is kept. Budget: 1,000,000 responses in under
60 s and under 2 GB on 2 cores, time growing linearly.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SLUG = "bench-recompute"


def grow(org, therapist, start: int, stop: int, seed: int, total: int) -> int:
    """Load episodes start..stop-1 of the run (sized for `total` episodes); returns responses."""
    from alliance.synthetic.database import Staff, load
    from alliance.synthetic.histories import episode

    staff = Staff(therapist=therapist)
    responses, chunk, t0 = 0, 1000, time.perf_counter()
    for lo in range(start, stop, chunk):
        hi = min(stop, lo + chunk)
        run = (episode(i, seed=seed, n_episodes=total) for i in range(lo, hi))
        responses += load(org, staff, run, code_prefix="R").responses
        rate = responses / max(time.perf_counter() - t0, 1e-9)
        print(
            f"    loaded episodes {start}..{hi - 1}: {responses} responses ({rate:.0f}/s)",
            flush=True,
        )
    return responses


def recompute(url: str) -> dict:
    env = common.bench_env(url)
    command = [str(common.BIN / "alliance"), "insights", "recompute", "--organization", SLUG]
    timer = "/usr/bin/time"
    if os.path.exists(timer):
        command = [timer, "-v", *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=common.ROOT, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"recompute failed:\n{done.stdout}\n{done.stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    rss_kb = int(peak.group(1)) if peak else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if not peak and rss_kb <= before:
        rss_kb = 0  # unknown: an earlier child had the higher peak
    cpu = re.search(r"User time \(seconds\): ([\d.]+)", done.stderr)
    return {
        "wall_s": wall,
        "peak_mb": rss_kb / 1024,
        "user_s": float(cpu.group(1)) if cpu else None,
        "line": done.stdout.strip().splitlines()[0] if done.stdout.strip() else "",
    }


def run(sizes: list[int], seed: int) -> dict:
    url = common.database_url("recompute")
    common.setup_django(url)
    from django.db import connection

    from alliance.checkins.models import Response
    from alliance.insights.models import Alert
    from alliance.synthetic.histories import episodes_for

    org = common.make_org(SLUG)
    therapist = common.make_therapist(org, "recompute@bench.test")
    loaded, results = 0, []
    for k, size in enumerate(sorted(sizes)):
        target = episodes_for(size, seed=seed)
        print(f"  {size} responses = {target} episodes", flush=True)
        t0 = time.perf_counter()
        grow(org, therapist, loaded, target, seed, target)
        load_s = time.perf_counter() - t0
        loaded = target
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        n = Response.objects.filter(session__episode__organization=org).count()
        Alert.objects.filter(organization=org).delete()
        r = recompute(url)
        r.update(
            size=size,
            responses=n,
            episodes=target,
            load_s=load_s,
            alerts=Alert.objects.filter(organization=org).count(),
        )
        print(
            f"  recompute {n} responses: {r['wall_s']:.1f} s wall, peak {r['peak_mb']:.0f} MB"
            f" ({r['line']})",
            flush=True,
        )
        if k == 0:
            again = recompute(url)
            r["rerun_wall_s"], r["rerun_peak_mb"] = again["wall_s"], again["peak_mb"]
            print(
                f"  again (alerts present): {again['wall_s']:.1f} s, "
                f"peak {again['peak_mb']:.0f} MB",
                flush=True,
            )
        results.append(r)
    base = results[0]
    for r in results:
        r["s_per_1m"] = r["wall_s"] / r["responses"] * 1_000_000
        r["ratio_to_first_per_response"] = r["s_per_1m"] / base["s_per_1m"]
    big = results[-1]
    out = {"sizes": results}
    if big["size"] >= 1_000_000:
        out["pass"] = big["wall_s"] < 60 and big["peak_mb"] < 2048
        print(f"  budget 1M < 60 s and < 2 GB: {'PASS' if out['pass'] else 'FAIL'}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", help="Write the results to this file.")
    args = parser.parse_args(argv)
    result = run(args.sizes, args.seed)
    print(
        f"  {'responses':>10} {'episodes':>8} {'load s':>7} {'recompute s':>11} "
        f"{'s per 1M':>8} {'peak MB':>8} {'alerts':>7}"
    )
    for r in result["sizes"]:
        print(
            f"  {r['responses']:>10} {r['episodes']:>8} {r['load_s']:>7.0f} {r['wall_s']:>11.1f}"
            f" {r['s_per_1m']:>8.1f} {r['peak_mb']:>8.0f} {r['alerts']:>7}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, default=str, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
