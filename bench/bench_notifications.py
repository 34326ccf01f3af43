"""What the notification badge costs on every staff page.

Usage: .venv/bin/python -m bench.bench_notifications [--people 500] [--per-person 400]
       [--requests 300] [--json FILE]

Database: alliance_bench_notifications on the PostgreSQL server of DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432), dropped and recreated. One organization with `people`
therapists, each with `per-person` notifications of which one in five is unread (500 × 400 =
200,000 rows). Measures, in one run and one process:
- the badge's query alone (`unread_count`, the COUNT over the partial index), and its plan;
- a light staff page (the email preferences page) with the badge and with the context processor
  taken out, alternating request by request, and the query counts of both.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

BADGE = "alliance.notifications.context_processors.unread"


def _load(people: int, per_person: int) -> tuple[object, list[object]]:
    from alliance.accounts.models import Membership, Role, User
    from alliance.notifications.models import Notification

    org = common.make_org("notifications")
    users = User.objects.bulk_create(
        User(email=f"t{i}@bench.test", first_name=f"T{i}") for i in range(people)
    )
    Membership.objects.bulk_create(
        Membership(user=u, organization=org, role=Role.THERAPIST) for u in users
    )
    rows = []
    for u in users:
        for j in range(per_person):
            rows.append(
                Notification(
                    organization=org,
                    recipient=u,
                    kind="checkin",
                    key=f"bench:{j}",
                    read_at=None if j % 5 == 0 else "2026-11-01T00:00:00Z",
                )
            )
        if len(rows) >= 50_000:
            Notification.objects.bulk_create(rows, batch_size=10_000)
            rows = []
    Notification.objects.bulk_create(rows, batch_size=10_000)
    return org, users


def _page_times(http, path: str, requests: int) -> tuple[dict, dict, int, int]:
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from alliance import settings as project

    without = [dict(t) for t in project.TEMPLATES]
    without[0] = dict(without[0])
    without[0]["OPTIONS"] = dict(without[0]["OPTIONS"])
    without[0]["OPTIONS"]["context_processors"] = [
        p for p in without[0]["OPTIONS"]["context_processors"] if p != BADGE
    ]
    off = override_settings(TEMPLATES=without)
    for _ in range(10):
        http.get(path)
    with CaptureQueriesContext(connection) as on_q:
        assert http.get(path).status_code == 200
    queries_on = len(on_q.captured_queries)
    with off, CaptureQueriesContext(connection) as off_q:
        assert http.get(path).status_code == 200
    queries_off = len(off_q.captured_queries)
    on_ms, off_ms = [], []
    for _ in range(requests):
        start = time.perf_counter()
        http.get(path)
        on_ms.append((time.perf_counter() - start) * 1000)
        with off:
            start = time.perf_counter()
            http.get(path)
            off_ms.append((time.perf_counter() - start) * 1000)
    return common.summary(on_ms), common.summary(off_ms), queries_on, queries_off


def run(people: int, per_person: int, requests: int) -> dict:
    common.setup_django(common.database_url("notifications"))
    from django.db import connection
    from django.test import Client as HttpClient

    from alliance.notifications.services import unread_count

    org, users = _load(people, per_person)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
    me = users[len(users) // 2]
    assert unread_count(me, org.pk) == per_person // 5
    ms = []
    for _ in range(2000):
        start = time.perf_counter()
        unread_count(me, org.pk)
        ms.append((time.perf_counter() - start) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT COUNT(*) FROM notifications_notification "
            "WHERE recipient_id = %s AND organization_id = %s AND read_at IS NULL",
            [me.pk, org.pk],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    http = HttpClient(HTTP_HOST="127.0.0.1")
    http.force_login(me)
    page_on, page_off, q_on, q_off = _page_times(http, "/notifications/preferences/", requests)
    return {
        "rows": people * per_person,
        "count_query_ms": common.summary(ms),
        "uses_partial_index": "unread_notifications" in plan,
        "plan": plan,
        "page_with_badge_ms": page_on,
        "page_without_badge_ms": page_off,
        "queries_with_badge": q_on,
        "queries_without_badge": q_off,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--per-person", type=int, default=400)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.people, args.per_person, args.requests)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    common.drop_database(common.database_url("notifications"))


if __name__ == "__main__":
    main()
