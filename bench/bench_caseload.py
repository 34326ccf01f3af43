"""Time the therapist's caseload (GET /) at 10 and 100 open episodes of 40 sessions each.

Usage: .venv/bin/python -m bench.bench_caseload [--sizes 10 100] [--requests 50] [--json]

Database: alliance_bench_caseload on the PostgreSQL server of DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432), dropped and recreated. One organization, one therapist per
size, each with N individual episodes × 40 attended sessions (client and therapist alliance every
session, PHQ-9/GAD-7 at sessions 1 and every 4th, as the synthetic generator makes them), alerts
computed by `recompute_organization`, and an open check-in link on every 10th episode.
Server time is measured in-process with django.test.Client (force_login) after a warm-up; the
query count with CaptureQueriesContext. Budget: p95 < 150 ms at 100, and the same number of
queries at 10 as at 100. The episode page of one 40-session episode is timed for information.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SEED = 23
MIX_INDIVIDUAL = dict(couple=0.0, family=0.0, group=0.0, interpreter=0.0)


def _load(org, therapist, n: int, prefix: str, seed: int):
    from alliance.care.models import CareEpisode, Participant
    from alliance.checkins import services
    from alliance.measures.models import current_instrument
    from alliance.synthetic.database import Staff, load
    from alliance.synthetic.histories import Mix, generate

    episodes = generate(n, seed=seed, sessions=(40, 40), mix=Mix(**MIX_INDIVIDUAL))
    stats = load(org, Staff(therapist=therapist), episodes, code_prefix=prefix)
    instrument = current_instrument("alliance-checkin-client")
    mine = CareEpisode.objects.filter(participants__user=therapist).order_by("pk")
    for episode in list(mine)[::10]:
        session = episode.sessions.order_by("-number").first()
        participant = Participant.objects.filter(episode=episode, client__isnull=False).first()
        services.issue_link(session, participant, by=therapist, instruments=[instrument])
    return stats


def _time(http, path: str, requests: int, warmup: int = 5) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert http.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = http.get(path)
    assert response.status_code == 200, response.status_code
    # Read now: the next request's request_started signal clears the connection's query log.
    queries = len(captured.captured_queries)
    ms = []
    for _ in range(requests):
        start = time.perf_counter()
        response = http.get(path)
        ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    out = common.summary(ms)
    out["queries"] = queries
    out["bytes"] = len(response.content)
    return out


def run(sizes: list[int], requests: int) -> dict:
    common.setup_django(common.database_url("caseload"))
    from django.test import Client as HttpClient

    from alliance.care.models import CareEpisode
    from alliance.checkins.models import Response
    from alliance.insights.models import Alert
    from alliance.insights.services import recompute_organization

    org = common.make_org("bench-caseload")
    therapists = {}
    for n in sizes:
        therapist = common.make_therapist(org, f"t{n}@bench.test", first=f"T{n}")
        started = time.perf_counter()
        stats = _load(org, therapist, n, f"CL{n}", SEED + n)
        print(
            f"  loaded {n} episodes, {stats.sessions} sessions, {stats.responses} responses "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        therapists[n] = therapist
    recompute_organization(org)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give
    # The production server's start-up (alliance/wsgi.py): views loaded, long-lived heap frozen.
    from alliance import wsgi  # noqa: F401

    results: dict = {
        "caseload": {},
        "alerts": Alert.objects.filter(organization=org).count(),
        "responses": Response.objects.count(),
    }
    for n, therapist in therapists.items():
        http = HttpClient(HTTP_HOST="127.0.0.1")
        http.force_login(therapist)
        r = _time(http, "/", requests)
        r["rows"] = CareEpisode.objects.filter(participants__user=therapist).count()
        results["caseload"][n] = r
        print(
            f"  caseload N={n}: p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  "
            f"queries {r['queries']}  {r['bytes'] // 1024} KB",
            flush=True,
        )
    # The same page with the session written on every request, as before: requests alternate
    # between the two set-ups, so machine noise falls on both alike and the ratio holds.
    from django.test.utils import override_settings

    plain = HttpClient(HTTP_HOST="127.0.0.1")
    plain.force_login(therapists[max(sizes)])
    with override_settings(SESSION_SAVE_EVERY_REQUEST=True):
        saving = HttpClient(HTTP_HOST="127.0.0.1")
        saving.force_login(therapists[max(sizes)])
        saving.get("/")
        from django.db import connection as db
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(db) as captured:
            assert saving.get("/").status_code == 200
        saving_queries = len(captured.captured_queries)
    pair: dict[str, list[float]] = {"now": [], "saving": []}
    for _ in range(requests):
        for name, http in (("now", plain), ("saving", saving)):
            with override_settings(SESSION_SAVE_EVERY_REQUEST=name == "saving"):
                start = time.perf_counter()
                assert http.get("/").status_code == 200
                pair[name].append((time.perf_counter() - start) * 1000)
    results["session_write"] = {
        "without": common.summary(pair["now"]),
        "with": common.summary(pair["saving"]),
        "queries_with": saving_queries,
    }
    print(
        f"  caseload N={max(sizes)}, alternating: p50 {common.percentile(pair['now'], 50):.1f} ms "
        f"without the session write, {common.percentile(pair['saving'], 50):.1f} ms with it "
        f"({saving_queries} queries)",
        flush=True,
    )
    therapist = therapists[min(sizes)]
    episode = CareEpisode.objects.filter(participants__user=therapist).order_by("pk").first()
    http = HttpClient(HTTP_HOST="127.0.0.1")
    http.force_login(therapist)
    r = _time(http, f"/episodes/{episode.pk}/", requests)
    r["sessions"] = episode.sessions.count()
    r["responses"] = Response.objects.filter(session__episode=episode).count()
    results["episode"] = r
    print(
        f"  episode page ({r['sessions']} sessions, {r['responses']} responses): "
        f"p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  queries {r['queries']}",
        flush=True,
    )
    big, small = max(sizes), min(sizes)
    results["pass_time"] = results["caseload"][big]["p95"] < 150
    results["pass_queries"] = len({results["caseload"][n]["queries"] for n in sizes}) == 1
    print(
        f"  budget p95 < 150 ms at {big}: {'PASS' if results['pass_time'] else 'FAIL'}; "
        f"same queries at {small} and {big}: {'PASS' if results['pass_queries'] else 'FAIL'}"
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--json", help="Write the results to this file.")
    args = parser.parse_args(argv)
    results = run(args.sizes, args.requests)
    if args.json:
        Path(args.json).write_text(json.dumps(results, default=str, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
