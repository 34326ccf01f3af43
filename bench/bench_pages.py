"""The summary pages at the size of a clinic network: organization view, My patterns,
supervision, practice and the research-export page, each timed at two sizes in one run.

Usage: .venv/bin/python -m bench.bench_pages [--full] [--requests 30] [--json FILE]

Quick (the default, for `make bench`): a network of 20 therapists / 800 clients / 40,000
responses, then one of 60 / 2,400 / 120,000. `--full`: 20 / 800 / 40,000, then 500 therapists /
20,000 clients / 1,000,000 responses (bench/network.py, written with COPY). Each size is loaded
into a fresh database `alliance_bench_pages`, alerts are computed (`recompute_organization`), the
organization view's month figures are stored (as the worker does hourly), `ANALYZE` runs, and
then every page is requested with Django's test client (5 warm-up requests, then `--requests`
timed), as a therapist (their own patterns and a 30-day practice period), a supervisor of ten
therapists (their previous visit set a week back before each view, so the page has a week's
news to show), and a researcher. The organization view is also timed with its month figures
removed (the first view of a month before the worker stored it: computed from the responses).
Budget (issue 19): p95 < 250 ms at 500 / 20,000 / 1,000,000, query counts equal at both sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

QUICK = [(20, 800, 40_000), (60, 2_400, 120_000)]
FULL = [(20, 800, 40_000), (500, 20_000, 1_000_000)]
BUDGET_MS = 250.0
REUSE = False  # --reuse: time the pages on the network already loaded, at one size


def loaded_network():  # returns a bench.network.Network or None
    """The network a previous run left in the database, if there is one."""
    from alliance.accounts.models import Organization, User
    from alliance.care.models import Client
    from alliance.checkins.models import Response
    from bench.network import SLUG, Network

    org = Organization.objects.filter(slug=SLUG).first()
    if org is None:
        return None
    people = User.objects.filter(memberships__organization=org)
    network = Network(
        org,
        list(people.filter(email__startswith="therapist").order_by("pk")),
        list(people.filter(email__startswith="supervisor").order_by("pk")),
        people.get(email__startswith="admin"),
        people.get(email__startswith="researcher"),
    )
    network.counts = {
        "clients": Client.objects.filter(organization=org).count(),
        "response": Response.objects.filter(session__episode__organization=org).count(),
    }
    return network


def _time(http, path: str, requests: int, warmup: int = 5, before=None) -> dict[str, float]:
    """`before()`, if given, runs before every request, untimed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = before or (lambda: None)
    for _ in range(warmup):
        before()
        assert http.get(path).status_code == 200, path
    before()
    with CaptureQueriesContext(connection) as captured:
        response = http.get(path)
    assert response.status_code == 200, path
    queries = len(captured.captured_queries)
    ms = []
    for _ in range(requests):
        before()
        start = time.perf_counter()
        response = http.get(path)
        ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    out = common.summary(ms)
    out["queries"] = queries
    return out


def one_size(therapists: int, clients: int, responses: int, requests: int, first: bool) -> dict:
    if REUSE:
        common.setup_django(common.database_url("pages"), fresh=False)
    elif first:
        common.setup_django(common.database_url("pages"), fresh=True)
    else:
        _fresh_again()
    from django.db import connection
    from django.test import Client as HttpClient
    from django.utils import timezone

    from alliance.growth import summaries
    from alliance.growth.models import MonthFigure, PracticePeriod
    from alliance.insights.services import recompute_organization
    from bench.network import load_network

    network = loaded_network() if REUSE else None
    if network is None:
        network = load_network(therapists=therapists, clients=clients, responses=responses)
        t0 = time.perf_counter()
        recompute_organization(network.organization)
        network.seconds["alerts"] = time.perf_counter() - t0
    org = network.organization
    seconds = dict(network.seconds)
    MonthFigure.objects.filter(organization=org).delete()
    t0 = time.perf_counter()
    summaries.refresh(org)
    seconds["month figures"] = time.perf_counter() - t0
    PracticePeriod.objects.filter(organization=org).delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from alliance import wsgi  # noqa: F401  (the production start-up: views loaded, heap frozen)

    therapist = network.therapists[0]
    today = timezone.localdate()
    period = PracticePeriod.objects.create(
        organization=org,
        therapist=therapist,
        skill="Asking for feedback",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today,
    )
    people = {
        "therapist": therapist,
        "supervisor": network.supervisors[0],
        "researcher": network.researcher,
    }
    http = {}
    for name, user in people.items():
        http[name] = HttpClient(HTTP_HOST="127.0.0.1")
        http[name].force_login(user)
    pages = {
        "organization (12 months, stored)": ("researcher", "/growth/organization/?months=12"),
        "organization (36 months, stored)": ("researcher", "/growth/organization/?months=36"),
        "my patterns": ("therapist", "/growth/patterns/"),
        "practice period": ("therapist", f"/growth/practice/{period.pk}/"),
        "supervision (10 supervisees)": ("supervisor", "/growth/supervision/"),
        "research export page": ("researcher", "/org/research-export/"),
    }
    results: dict = {"size": network.counts, "seconds": seconds, "pages": {}}
    for label, (who, path) in pages.items():
        before = _last_visit_a_week_ago(people[who]) if "supervision" in label else None
        results["pages"][label] = _time(http[who], path, requests, before=before)
        print(f"  {label}: {results['pages'][label]}", flush=True)
    MonthFigure.objects.filter(organization=org).delete()
    label = "organization (12 months, computed)"
    results["pages"][label] = _time(http["researcher"], "/growth/organization/?months=12", 5, 1)
    print(f"  {label}: {results['pages'][label]}", flush=True)
    return results


def _last_visit_a_week_ago(user):
    """The supervision page shows what is new since the viewer's previous visit, and every
    view records a visit: without this, each timed view would follow the last one by
    milliseconds and find nothing new. A supervisor who looks once a week sees a week's news."""
    from django.utils import timezone

    from alliance.dashboard.models import PageVisit

    def before() -> None:
        week_ago = timezone.now() - dt.timedelta(days=7)
        PageVisit.objects.filter(user=user, page="supervision").update(at=week_ago)

    return before


def _fresh_again() -> None:
    """A fresh database for the next size in the same process, migrated as the first was."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    common.recreate_database(common.database_url("pages"))
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def run(sizes: list[tuple[int, int, int]], requests: int) -> dict:
    results = {"runs": []}
    for i, (therapists, clients, responses) in enumerate(sizes):
        print(f"size {therapists} / {clients} / {responses}", flush=True)
        results["runs"].append(one_size(therapists, clients, responses, requests, i == 0))
    first, last = results["runs"][0]["pages"], results["runs"][-1]["pages"]
    results["queries equal"] = {
        page: first[page]["queries"] == last[page]["queries"] for page in first
    }
    results["p95 within budget"] = {
        page: last[page]["p95"] < BUDGET_MS for page in last if "computed" not in page
    }
    results["load"] = os.getloadavg()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Time the pages on the network a previous run left in alliance_bench_pages.",
    )
    args = parser.parse_args(argv)
    global REUSE
    REUSE = args.reuse
    sizes = FULL if args.full else QUICK
    results = run(sizes[-1:] if args.reuse else sizes, args.requests)
    text = json.dumps(results, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
