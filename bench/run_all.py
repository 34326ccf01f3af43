"""Run the quick benchmarks behind docs/performance.md and print one table.

Usage: .venv/bin/python -m bench.run_all [--full]   (or `make bench`)

Quick (under 15 minutes on 2 cores): the caseload at 10 and 100 episodes, check-in submissions
for about 30 s (at most 1,000) at 50 concurrent, the database recompute at 100k responses, the
summary pages at 40k and 120k responses (bench_pages), and the open-loop journey benchmark
(bench_load) for 8 s per load level on one server and on two behind nginx. --full adds the
recompute at 300k and 1M responses (loading 1M rows takes about 11 minutes on 2 cores),
submissions for 60 s (at most 2,000), the pages at 500 therapists / 20,000 clients / 1,000,000
responses and 30 s per load level.
Each benchmark runs as its own process on its own PostgreSQL database (alliance_bench_*,
recreated; the server is DATABASE_URL's or postgresql://postgres@127.0.0.1:5432) with
ALLIANCE_ENV=development.

--faults adds the 2-minute load and fault test (bench/bench_faults.py), never part of `make
bench`: it restarts PostgreSQL. Point it at a throwaway cluster with --faults-database-url and
--faults-restart-command.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(module: str, args: list[str], out: Path, check: bool = True) -> dict:
    env = dict(os.environ)
    env["ALLIANCE_ENV"] = "development"  # `make bench` exports ALLIANCE_ENV=test
    print(f"== {module} {' '.join(args)}", flush=True)
    subprocess.run(
        [sys.executable, "-m", module, *args, "--json", str(out)], cwd=ROOT, env=env, check=check
    )
    if not out.exists():
        raise SystemExit(f"{module} wrote no results")
    return json.loads(out.read_text())


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def page_rows(pages: dict) -> list[tuple[str, str, str, str]]:
    """The summary pages at the larger size of the run, and their query counts at both."""
    last = pages["runs"][-1]
    size = last["size"]
    rows = []
    for page, r in last["pages"].items():
        timed = "computed" not in page
        rows.append(
            (
                f"{page}, {size.get('response', 0)} responses, {size.get('clients', 0)} clients",
                f"p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, {r['queries']} queries "
                f"({'same' if pages['queries equal'][page] else 'NOT the same'} at the small size)",
                "p95 < 250 ms, same queries" if timed else "(information)",
                _verdict(r["p95"] < 250 and pages["queries equal"][page]) if timed else "",
            )
        )
    return rows


def load_rows(load: dict) -> list[tuple[str, str, str, str]]:
    if "skipped" in load:
        return [
            (f"open-loop journeys, {load.get('servers', 2)} servers", load["skipped"], "", "n/a")
        ]
    name = f"{load['servers']} server(s), {load['workers']} gunicorn workers"
    rows = [
        (
            f"submission (form GET + POST) vs bare view, {name}",
            f"{load['submission capacity/s']:.1f} submissions/s vs {load['bare requests/s']:.0f} "
            f"bare/s = {load['ratio submissions/bare']:.3f} (web servers alone "
            f"{load['ratio web-only submissions/bare']:.3f})",
            ">= 0.15",
            _verdict(load["ratio submissions/bare"] >= 0.15),
        ),
        (
            f"whole journey (form, POST, thank-you) vs bare view, {name}",
            f"{load['capacity journeys/s']:.1f} journeys/s = {load['ratio journeys/bare']:.3f}",
            "(information)",
            "",
        ),
    ]
    for level, r in load["levels"].items():
        j, seen = r.get("journey", {}), r.get("alert visible ms", {})
        rows.append(
            (
                f"open loop {level} ({r['rate']:.1f}/s), {name}",
                f"journey p50 {j.get('p50', 0):.0f} p95 {j.get('p95', 0):.0f} p99 "
                f"{j.get('p99', 0):.0f} ms; errors {r['errors']}, unfinished {r['unfinished']}; "
                f"alert p95 {seen.get('p95', 0) / 1000:.1f} s ({r['alerts']['new alert seen']}/"
                f"{r['alerts']['drops']} drops raised one)",
                "alert p95 < 5 s",
                _verdict(bool(seen) and seen["p95"] < 5000 and r["errors"] == 0),
            )
        )
    return rows


def print_table(
    caseload: dict,
    submit: dict,
    recompute: dict,
    faults: dict | None,
    pages: dict | None = None,
    loads: list[dict] | None = None,
) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for n, r in sorted(caseload["caseload"].items(), key=lambda kv: int(kv[0])):
        rows.append(
            (
                f"caseload GET /, {n} episodes x 40 sessions",
                f"p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, {r['queries']} queries",
                "p95 < 150 ms" if int(n) >= 100 else "(information)",
                _verdict(r["p95"] < 150) if int(n) >= 100 else "",
            )
        )
    rows.append(
        (
            "caseload queries 10 vs 100",
            "same" if caseload["pass_queries"] else "differ",
            "same count",
            _verdict(caseload["pass_queries"]),
        )
    )
    e = caseload["episode"]
    first = e["after_change"]
    rows.append(
        (
            f"episode page, {e['sessions']} sessions, {e['open_alerts']} open alerts",
            f"repeat views p50 {e['p50']:.0f} ms, p95 {e['p95']:.0f} ms; first view after a "
            f"change p50 {first['p50']:.0f} ms, p95 {first['p95']:.0f} ms; {e['queries']} queries",
            "p95 < 120 ms",
            _verdict(caseload["pass_episode"]),
        )
    )
    p, db, ds = submit["post_ms"], submit["db"], submit["double_submit"]
    rows.append(
        (
            f"check-in POST, {submit['concurrency']} concurrent, {submit['workers']} workers",
            f"{submit['submissions']} in {submit['seconds']} s "
            f"({submit['throughput_per_s']:.0f}/s); p50 {p['p50']:.0f} p95 {p['p95']:.0f} "
            f"p99 {p['p99']:.0f} ms",
            "p95 < 100 ms",
            _verdict(submit["pass_latency"]),
        )
    )
    rows.append(
        (
            "check-in integrity",
            f"errors {submit['errors']}, lost {db['lost']}, doubled "
            f"{db['doubled']}, repeats {ds['repeat_302']}/{ds['repeats']} and "
            f"simultaneous pairs {ds['pairs_both_302']}/{ds['pairs']} answered once",
            "none",
            _verdict(submit["pass_integrity"]),
        )
    )
    for r in recompute["sizes"]:
        big = r["size"] >= 1_000_000
        rows.append(
            (
                f"insights recompute, {r['responses']} responses",
                f"{r['wall_s']:.1f} s, peak {r['peak_mb']:.0f} MB ({r['s_per_1m']:.0f} s per 1M)",
                "1M: < 60 s, < 2 GB" if big else "(linear)",
                _verdict(recompute.get("pass")) if big else "",
            )
        )
    if pages is not None:
        rows += page_rows(pages)
    for load in loads or []:
        rows += load_rows(load)
    if faults is not None:
        f, i = faults["post_ms"], faults["integrity"]
        rows.append(
            (
                f"load and fault test, {faults['clients']} clients, {faults['workers']} workers",
                f"{faults['successes']} in {faults['seconds']} s "
                f"({faults['throughput_per_s']:.0f}/s); p50 {f.get('p50', 0):.0f} "
                f"p95 {f.get('p95', 0):.0f} p99 {f.get('p99', 0):.0f} ms; errors "
                f"{sum(faults['errors'].values())}, retries {faults['retries']}, lost "
                f"{i['lost']}, duplicates {i['duplicates']}",
                "none lost or doubled",
                _verdict(faults["pass"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print()
    for row in [("benchmark", "measured", "budget", "verdict"), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="Also 300k and 1M responses.")
    parser.add_argument(
        "--faults", action="store_true", help="Also the load and fault test (restarts PostgreSQL)."
    )
    parser.add_argument("--faults-database-url", help="See bench/bench_faults.py.")
    parser.add_argument("--faults-restart-command", help="See bench/bench_faults.py.")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    caseload = _run("bench.bench_caseload", [], tmp / "caseload.json")
    seconds = "60" if args.full else "30"
    limit = "2000" if args.full else "1000"  # fewer links to issue beforehand in the quick run
    submit = _run(
        "bench.bench_submit",
        ["--seconds", seconds, "--max-submissions", limit],
        tmp / "submit.json",
    )
    sizes = ["100000", "300000", "1000000"] if args.full else ["100000"]
    recompute = _run("bench.bench_recompute_db", ["--sizes", *sizes], tmp / "recompute.json")
    pages = _run("bench.bench_pages", ["--full"] if args.full else [], tmp / "pages.json")
    load_seconds = "30" if args.full else "8"
    loads = [
        _run(
            "bench.bench_load",
            ["--seconds", load_seconds, "--servers", str(n)],
            tmp / f"load{n}.json",
        )
        for n in (1, 2)
    ]

    faults = None
    if args.faults:
        extra = []
        if args.faults_database_url:
            extra += ["--database-url", args.faults_database_url]
        if args.faults_restart_command is not None:
            extra += ["--postgres-restart-command", args.faults_restart_command]
        # Its exit status is its verdict; the table shows it.
        faults = _run("bench.bench_faults", extra, tmp / "faults.json", check=False)

    print_table(caseload, submit, recompute, faults, pages, loads)
    print(f"\nraw results: {tmp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
