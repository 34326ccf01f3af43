"""A clinic network of synthetic history, written with PostgreSQL's COPY: by default 500
therapists, 20,000 clients and about 1,000,000 responses in one organization.

Usage (on its own): .venv/bin/python -m bench.network [--therapists 500] [--clients 20000]
    [--responses 1000000] [--seed 19]
It recreates the database `alliance_bench_network` and prints what it loaded and how long each
step took. `bench.bench_pages` calls `load_network` with a quick or the full size.

The histories are the project's own (`alliance.synthetic.histories`: the same clinical shapes as
the demo and the other benchmarks); episode i belongs to therapist i mod N and ends up to half a
year ago, so the organization view's months all hold data. Rows are built as model instances
(so every default and every JSON column is what the application writes), numbered here, and
streamed to COPY; the sequences are moved past them at the end. Scores come from the real
scoring engine, each distinct answer set scored once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SLUG = "network"
SUPERVISEES_PER_SUPERVISOR = 10
# About 50 responses per client, so 20,000 clients give about 1,000,000 responses.
SESSIONS = (6, 38)


@dataclass
class Network:
    organization: Any
    therapists: list[Any]
    supervisors: list[Any]
    admin: Any
    researcher: Any
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


class Copier:
    """Numbers model instances and streams them to COPY, one table at a time."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.next_id: dict[str, int] = {}

    def number(self, model: Any, rows: list[Any]) -> None:
        table = model._meta.db_table
        if table not in self.next_id:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')
                self.next_id[table] = cursor.fetchone()[0]
        for row in rows:
            row.pk = self.next_id[table]
            self.next_id[table] += 1

    def write(self, model: Any, rows: Iterable[Any]) -> int:
        """Streams `rows` to the model's table; rows without a number get one."""
        fields = [f for f in model._meta.concrete_fields]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        table = model._meta.db_table
        rows = list(rows)
        self.number(model, [row for row in rows if row.pk is None])
        written = 0
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(
                        [
                            f.get_db_prep_save(f.pre_save(row, add=True), self.connection)
                            for f in fields
                        ]
                    )
                    written += 1
        return written

    def finish(self) -> None:
        with self.connection.cursor() as cursor:
            for table, next_id in self.next_id.items():
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, next_id - 1]
                )


def _people(organization: Any, therapists: int) -> tuple[list[Any], list[Any], Any, Any]:
    from alliance.accounts.models import Membership, Role, Supervision, User

    def users(prefix: str, count: int, role: str) -> list[Any]:
        made = User.objects.bulk_create(
            [
                User(
                    email=f"{prefix}{i}@network.test",
                    first_name=f"{prefix.title()}{i:03d}",
                    last_name="Bench",
                )
                for i in range(count)
            ]
        )
        Membership.objects.bulk_create(
            [Membership(user=u, organization=organization, role=role) for u in made]
        )
        return made

    staff = users("therapist", therapists, Role.THERAPIST)
    supervisors = users(
        "supervisor", max(1, therapists // SUPERVISEES_PER_SUPERVISOR), Role.SUPERVISOR
    )
    Supervision.objects.bulk_create(
        [
            Supervision(
                organization=organization,
                supervisor=supervisors[i // SUPERVISEES_PER_SUPERVISOR % len(supervisors)],
                therapist=therapist,
            )
            for i, therapist in enumerate(staff)
        ]
    )
    admin = users("admin", 1, Role.ADMIN)[0]
    researcher = users("researcher", 1, Role.RESEARCHER)[0]
    return staff, supervisors, admin, researcher


class _Scores:
    """The scoring engine's result per distinct answer set (most repeat: the same four numbers
    and the same short comment)."""

    def __init__(self) -> None:
        from alliance.measures.models import current_instrument

        self._current = current_instrument
        self.instruments: dict[str, Any] = {}
        self._cache: dict[tuple[str, tuple], tuple[dict, list]] = {}

    def instrument(self, key: str) -> Any:
        if key not in self.instruments:
            self.instruments[key] = self._current(key)
        return self.instruments[key]

    def __call__(self, key: str, answers: dict[str, Any]) -> tuple[dict, list]:
        from alliance.measures.scoring import score

        memo = (key, tuple(sorted((k, str(v)) for k, v in answers.items())))
        if memo not in self._cache:
            result = score(self.instrument(key).parsed(), answers)
            self._cache[memo] = (
                {
                    "scales": result.scales,
                    "bands": result.bands,
                    "complete": result.complete,
                    "missing": result.missing,
                },
                [
                    {"linkId": f.link_id, "value": f.value, "message": f.message}
                    for f in result.risk
                ],
            )
        return self._cache[memo]


def _histories(seed: int, clients: int, responses: int) -> Iterator[Any]:
    from alliance.synthetic.histories import episode

    made_clients = made_responses = index = 0
    estimate = max(1, clients * 7 // 10)
    while made_clients < clients and made_responses < responses:
        history = episode(index, seed=seed, n_episodes=estimate, sessions=SESSIONS)
        made_clients += sum(1 for p in history.participants if p.role == "client")
        made_responses += sum(1 for r in history.responses if r.role != "interpreter")
        index += 1
        yield history


def _batch_rows(
    organization: Any,
    therapists: list[Any],
    batch: list[Any],
    scores: _Scores,
    copier: Copier,
    now: dt.datetime,
) -> dict[Any, list[Any]]:
    """Model instances for a batch of histories, numbered, keyed by model."""
    from alliance.care.models import (
        CareEpisode,
        Client,
        EpisodeStatusChange,
        Participant,
        ParticipantRole,
        Session,
        SessionStatus,
    )
    from alliance.checkins.models import Channel, Response
    from alliance.synthetic.database import CLIENT_ROLE

    rows: dict[Any, list[Any]] = {
        m: [] for m in (Client, CareEpisode, EpisodeStatusChange, Participant, Session, Response)
    }
    for history in batch:
        therapist = therapists[history.index % len(therapists)]
        end = now - dt.timedelta(days=3 + (history.index * 7) % 180)
        first = end - dt.timedelta(weeks=history.weeks_between * history.session_count)
        first = first.replace(hour=10, minute=0, second=0, microsecond=0)
        episode = CareEpisode(
            organization=organization, format=history.format, started_on=first.date()
        )
        copier.number(CareEpisode, [episode])
        rows[CareEpisode].append(episode)
        rows[EpisodeStatusChange].append(
            EpisodeStatusChange(
                episode=episode, status="open", changed_by=therapist, reason="opened"
            )
        )
        people: dict[int, Any] = {}
        for p in history.participants:
            if p.role == "client":
                client = Client(
                    organization=organization,
                    code=f"N{history.index}-{p.index}",
                    display_name=p.display_name,
                    created_by=therapist,
                )
                copier.number(Client, [client])
                rows[Client].append(client)
                person = Participant(
                    episode=episode,
                    client=client,
                    role=CLIENT_ROLE[history.format],
                    joined_on=episode.started_on,
                )
            elif p.role == "therapist":
                person = Participant(
                    episode=episode,
                    user=therapist,
                    role=ParticipantRole.THERAPIST,
                    joined_on=episode.started_on,
                )
            else:
                continue  # no interpreters in the network
            copier.number(Participant, [person])
            rows[Participant].append(person)
            people[p.index] = person
        sessions: dict[int, Any] = {}
        for number in range(1, history.session_count + 2):
            attended = number <= history.session_count
            session = Session(
                episode=episode,
                number=number,
                starts_at=first + dt.timedelta(weeks=history.weeks_between * (number - 1)),
                status=SessionStatus.ATTENDED if attended else SessionStatus.SCHEDULED,
            )
            copier.number(Session, [session])
            rows[Session].append(session)
            sessions[number] = session
        for r in history.responses:
            person = people.get(r.participant_index)
            if person is None:
                continue
            session = sessions[r.session_number]
            scored, risk = scores(r.instrument, r.answers)
            instrument = scores.instrument(r.instrument)
            response = Response(
                session=session,
                participant=person,
                instrument=instrument,
                instrument_key=instrument.key,
                answers=r.answers,
                scores=scored,
                risk=risk,
                channel=Channel.SELF if r.role != "client" else Channel.LINK,
                submitted_at=session.starts_at + dt.timedelta(hours=1),
                idempotency_key=f"network:{person.pk}:{session.pk}:{instrument.key}",
            )
            rows[Response].append(response)
    copier.number(Response, rows[Response])
    return rows


def load_network(
    *,
    therapists: int = 500,
    clients: int = 20_000,
    responses: int = 1_000_000,
    seed: int = 19,
    batch_size: int = 500,
) -> Network:
    """Loads the network into the database Django is set up on (see bench.common)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from alliance.care.models import Client

    started = time.perf_counter()
    organization = common.make_org(SLUG)
    staff, supervisors, admin, researcher = _people(organization, therapists)
    network = Network(organization, staff, supervisors, admin, researcher)
    copier, scores, now = Copier(), _Scores(), timezone.now()
    counts: dict[str, int] = {}
    batch: list[Any] = []
    histories = _histories(seed, clients, responses)
    with transaction.atomic():
        for history in histories:
            batch.append(history)
            if len(batch) < batch_size:
                continue
            _write(copier, _batch_rows(organization, staff, batch, scores, copier, now), counts)
            batch = []
            print(f"    {counts}", flush=True)
        if batch:
            _write(copier, _batch_rows(organization, staff, batch, scores, copier, now), counts)
        copier.finish()
    network.seconds["copy"] = time.perf_counter() - started
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    network.seconds["analyze"] = time.perf_counter() - t0
    counts["clients"] = Client.objects.filter(organization=organization).count()
    network.counts = counts
    return network


def _write(copier: Copier, rows: dict[Any, list[Any]], counts: dict[str, int]) -> None:
    for model, items in rows.items():
        copier.write(model, items)
        name = model._meta.model_name
        counts[name] = counts.get(name, 0) + len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(SLUG))
    network = load_network(
        therapists=args.therapists,
        clients=args.clients,
        responses=args.responses,
        seed=args.seed,
    )
    print(f"loaded {network.counts} in {network.seconds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
