"""Shared set-up for the database benchmarks: a dedicated PostgreSQL database, Django, people.

Every benchmark works in its own database named `alliance_bench_<name>` (never `test` or
`test_*`, which the test suite uses), dropped and recreated from scratch on request. The server
is DATABASE_URL's (default postgresql://postgres@127.0.0.1:5432); ALLIANCE_ENV defaults to
development.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"


def database_url(name: str) -> str:
    """The URL of database `alliance_bench_<name>` on the configured server."""
    base = os.environ.get("ALLIANCE_BENCH_SERVER") or os.environ.get("DATABASE_URL") or ""
    if not base.startswith("postgres"):
        base = DEFAULT_SERVER
    parts = urlsplit(base)
    dbname = f"alliance_bench_{name}"
    if dbname == "test" or dbname.startswith("test_"):
        raise SystemExit("refusing to use a test database")
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, "", ""))


def _psql(url: str, sql: str) -> None:
    parts = urlsplit(url)
    args = [
        "psql",
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
        "-d",
        "postgres",
        "-qAt",
        "-c",
        sql,
    ]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    assert name.startswith("alliance_bench"), name
    _psql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(url, f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    assert name.startswith("alliance_bench"), name
    _psql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("ALLIANCE_ENV", "development")
    env.setdefault("ALLIANCE_LOG_LEVEL", "ERROR")
    # Collected static files (the manifest storage needs them), kept out of the repository.
    env.setdefault("ALLIANCE_STATIC_ROOT", "/tmp/alliance-bench-static")
    return env


def setup_django(url: str, *, fresh: bool = True) -> None:
    """Point this process at `url` (recreated when `fresh`), set Django up and migrate."""
    if fresh:
        recreate_database(url)
    os.environ.update(bench_env(url))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def make_org(slug: str) -> Any:
    from alliance.accounts.models import Organization

    return Organization.objects.create(name=f"Bench {slug}", slug=slug)


def make_therapist(org: Any, email: str, first: str = "Bench") -> Any:
    from alliance.accounts.models import Membership, Role, User

    user = User.objects.create_user(email, None, first_name=first)
    Membership.objects.create(user=user, organization=org, role=Role.THERAPIST)
    return user


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms),
        "max": max(ms),
    }


def individual_history(
    slug: str,
    email: str,
    first: str,
    *,
    episodes: int,
    seed: int,
    sessions: tuple[int, int],
    prefix: str,
) -> tuple[Any, Any]:
    """An organization with one therapist and `episodes` individual episodes of synthetic
    history; returns (organization, therapist)."""
    from alliance.synthetic.database import Staff, load
    from alliance.synthetic.histories import Mix, generate

    org = make_org(slug)
    therapist = make_therapist(org, email, first=first)
    mix = Mix(couple=0.0, family=0.0, group=0.0, interpreter=0.0)
    stats = load(
        org,
        Staff(therapist=therapist),
        generate(episodes, seed=seed, sessions=sessions, mix=mix),
        code_prefix=prefix,
    )
    print(f"  history: {stats.episodes} episodes, {stats.responses} responses", flush=True)
    return org, therapist


def attended_sessions(org: Any, count: int) -> tuple[list[Any], dict[int, Any]]:
    """`count` new attended sessions, half an hour ago, spread round the organization's
    episodes; returns them and each episode's client participant."""
    import datetime as dt

    from django.db.models import Max
    from django.utils import timezone

    from alliance.care.models import CareEpisode, Participant, Session, SessionStatus

    episodes = list(
        CareEpisode.objects.filter(organization=org)
        .annotate(last=Max("sessions__number"))
        .order_by("pk")
    )
    clients = {
        p.episode_id: p
        for p in Participant.objects.filter(episode__organization=org, client__isnull=False)
    }
    next_number = {e.pk: (e.last or 0) + 1 for e in episodes}
    starts = timezone.now() - dt.timedelta(minutes=30)
    rows = []
    for i in range(count):
        episode = episodes[i % len(episodes)]
        rows.append(
            Session(
                episode=episode,
                number=next_number[episode.pk],
                status=SessionStatus.ATTENDED,
                starts_at=starts,
            )
        )
        next_number[episode.pk] += 1
    return Session.objects.bulk_create(rows, batch_size=1000), clients
