"""Time the periodic run that sends links by themselves (`send_due_links`), at 50 and 200
clients whose session check-in is due now and whose next session is tomorrow.

Usage: .venv/bin/python -m bench.bench_scheduled_links [--sizes 50 200] [--runs 5] [--json]

Database: alliance_bench_scheduled on the PostgreSQL server of DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432), dropped and recreated. One organization, one therapist,
N individual episodes, each with a client who agreed to email, a session that ended a minute ago
and one tomorrow at 14:00 (its pre-session link is due from 18:00 today). The first run makes a
row per link and queues a job each (the jobs are not run here: no worker); the later runs find
the rows and queue nothing, as every run does once the links of the minute are out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def _clinic(n: int, slug: str) -> None:
    from django.utils import timezone

    from alliance.care.models import CareEpisode, Client, ParticipantRole, Session
    from alliance.checkins.models import ContactPreferences

    org = common.make_org(slug)
    therapist = common.make_therapist(org, f"tess@{slug}.bench")
    now = timezone.now()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for i in range(n):
        client = Client.objects.create(
            organization=org, code=f"B-{i}", display_name=f"Client {i}", email=f"c{i}@x.test"
        )
        ContactPreferences.objects.create(client=client, consent=True)
        episode = CareEpisode.open_for(
            org, therapist=therapist, clients=[client], client_role=ParticipantRole.CLIENT
        )
        Session.objects.create(
            episode=episode, number=1, starts_at=now - dt.timedelta(minutes=51), status="attended"
        )
        start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(14)))
        Session.objects.create(episode=episode, number=2, starts_at=start, status="scheduled")


def _measure(n: int, runs: int) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from alliance.checkins import sending
    from alliance.checkins.jobs import deliver_scheduled_link

    _clinic(n, f"sched{n}")
    now = timezone.now()
    evening = timezone.localtime(now).replace(hour=18, minute=5)
    at = max(now, evening) if evening.date() == timezone.localdate() else now
    ms, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            queued = sending.schedule_due(deliver_scheduled_link, at)
            ms.append((time.perf_counter() - start) * 1000)
        queries.append((len(captured.captured_queries), queued))
    return {
        "clients": n,
        "first_run_ms": ms[0],
        "later_runs_ms": common.summary(ms[1:]),
        "queries_and_queued": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    common.setup_django(common.database_url("scheduled"))
    results = [_measure(n, args.runs) for n in args.sizes]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        later = r["later_runs_ms"]
        print(
            f"{r['clients']:>4} clients: first run {r['first_run_ms']:.0f} ms, later runs "
            f"p50 {later['p50']:.0f} ms (max {later['max']:.0f}); "
            f"(queries, jobs queued) per run {r['queries_and_queued']}"
        )


if __name__ == "__main__":
    main()
