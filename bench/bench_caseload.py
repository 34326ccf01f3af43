"""Time the therapist's caseload (GET /) at 10 and 100 open episodes of 40 sessions each.

Usage: .venv/bin/python -m bench.bench_caseload [--sizes 10 100] [--requests 50] [--json]

Database: alliance_bench_caseload on the PostgreSQL server of DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432), dropped and recreated. One organization, one therapist per
size, each with N individual episodes × 40 attended sessions (client and therapist alliance every
session, PHQ-9/GAD-7 at sessions 1 and every 4th, as the synthetic generator makes them), alerts
computed by `recompute_organization`, and an open check-in link on every 10th episode.
Server time is measured in-process with django.test.Client (force_login) after a warm-up, in the
production configuration (ALLIANCE_ENV=production with a random secret key, https, production
logging) with the production server's start-up (alliance/wsgi.py); the query count with
CaptureQueriesContext. Budgets: caseload p95 < 150 ms at 100, and the same number of queries at
10 as at 100; the episode page of the 40-session episode with the most open alerts p95 < 120 ms,
both for repeat views of an unchanged episode and for the first view after a change: before
each of those timed views the therapist's rating of the last session is stored anew with another
value (a new response), and the charts' memory is emptied, so every chart is built afresh.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
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


def _production() -> None:
    """What settings.production_problems asks for; nothing leaves the loopback interface."""
    os.environ.update(
        ALLIANCE_ENV="production",
        ALLIANCE_SECRET_KEY=secrets.token_urlsafe(48),
        ALLIANCE_SITE_URL="https://clinic.example",
        ALLIANCE_ALLOWED_HOSTS="127.0.0.1,localhost",
        ALLIANCE_LOG_LEVEL="WARNING",
    )


def _client(user):
    from django.test import Client as HttpClient

    # As behind the TLS-terminating proxy production runs behind.
    http = HttpClient(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    http.defaults["wsgi.url_scheme"] = "https"
    http.force_login(user)
    return http


def _busiest_episode(therapist):
    """The therapist's episode with the most open alerts (40 sessions, like all of them)."""
    from django.db.models import Count, Q

    from alliance.care.models import CareEpisode

    return (
        CareEpisode.objects.filter(participants__user=therapist)
        .annotate(open_alerts=Count("alerts", filter=Q(alerts__state="open")))
        .order_by("-open_alerts", "pk")
        .first()
    )


def _rate_again(episode, value: int, n: int) -> None:
    """The therapist's rating of the last session, stored anew as a new response."""
    from alliance.checkins import services
    from alliance.checkins.models import Response
    from alliance.measures.models import current_instrument

    instrument = current_instrument("alliance-checkin-therapist")
    staff = episode.participants.get(role="therapist")
    session = episode.sessions.order_by("-number").first()
    old = Response.objects.filter(
        session=session, participant=staff, instrument_key=instrument.key
    ).first()
    keys = list(old.answers) if old else ["bond", "goals", "tasks", "overall"]
    Response.objects.filter(
        session=session, participant=staff, instrument_key=instrument.key
    ).delete()
    services.save_response(
        session=session,
        participant=staff,
        instrument=instrument,
        answers={k: str(value) for k in keys},
        idempotency_key=f"bench-change-{n}",
        channel="self",
    )


def _time_after_changes(http, episode, requests: int) -> dict[str, float]:
    from alliance import charts

    path = f"/episodes/{episode.pk}/"
    ms = []
    for n in range(requests):
        _rate_again(episode, n % 11, n)
        charts.alliance_dimension.cache_clear()  # type: ignore[attr-defined]
        charts.outcome_scores.cache_clear()  # type: ignore[attr-defined]
        start = time.perf_counter()
        response = http.get(path)
        ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return common.summary(ms)


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


def run(sizes: list[int], requests: int, database: str = "caseload") -> dict:
    _production()
    common.setup_django(common.database_url(database))

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
        http = _client(therapist)
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

    plain = _client(therapists[max(sizes)])
    with override_settings(SESSION_SAVE_EVERY_REQUEST=True):
        saving = _client(therapists[max(sizes)])
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
    episode = _busiest_episode(therapist)
    http = _client(therapist)
    r = _time(http, f"/episodes/{episode.pk}/", requests)
    r["sessions"] = episode.sessions.count()
    r["responses"] = Response.objects.filter(session__episode=episode).count()
    r["open_alerts"] = Alert.objects.filter(episode=episode, state="open").count()
    r["after_change"] = _time_after_changes(http, episode, requests)
    results["episode"] = r
    first = r["after_change"]
    print(
        f"  episode page ({r['sessions']} sessions, {r['responses']} responses, "
        f"{r['open_alerts']} open alerts): repeat views p50 {r['p50']:.1f} ms  "
        f"p95 {r['p95']:.1f} ms; first view after a change p50 {first['p50']:.1f} ms  "
        f"p95 {first['p95']:.1f} ms; queries {r['queries']}",
        flush=True,
    )
    results["pass_episode"] = max(r["p95"], first["p95"]) < 120
    big, small = max(sizes), min(sizes)
    results["pass_time"] = results["caseload"][big]["p95"] < 150
    results["pass_queries"] = len({results["caseload"][n]["queries"] for n in sizes}) == 1
    print(
        f"  budget p95 < 150 ms at {big}: {'PASS' if results['pass_time'] else 'FAIL'}; "
        f"same queries at {small} and {big}: {'PASS' if results['pass_queries'] else 'FAIL'}; "
        f"episode page p95 < 120 ms: {'PASS' if results['pass_episode'] else 'FAIL'}"
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--json", help="Write the results to this file.")
    parser.add_argument(
        "--database",
        default="caseload",
        help="Use database alliance_bench_<this> (dropped and recreated); default caseload.",
    )
    args = parser.parse_args(argv)
    results = run(args.sizes, args.requests, args.database)
    if args.json:
        Path(args.json).write_text(json.dumps(results, default=str, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
