"""Writing synthetic histories into the database, for the demo and for the benchmarks.

The one part of `alliance.synthetic` that knows Django: it bulk-creates clients, episodes,
participants, sessions and scored responses from `histories.SyntheticEpisode`s, a batch of
episodes at a time, so a million responses load without holding them all in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

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
from alliance.measures.models import Instrument, current_instrument
from alliance.measures.scoring import score

from .histories import SyntheticEpisode

CLIENT_ROLE = {
    "individual": ParticipantRole.CLIENT,
    "couple": ParticipantRole.PARTNER,
    "family": ParticipantRole.FAMILY_MEMBER,
    "group": ParticipantRole.GROUP_MEMBER,
}


@dataclass
class Staff:
    therapist: Any
    interpreter: Any = None


@dataclass
class LoadStats:
    episodes: int = 0
    sessions: int = 0
    responses: int = 0


class _Instruments:
    """Current instrument rows by key, parsed once."""

    def __init__(self) -> None:
        self._rows: dict[str, Instrument] = {}

    def __getitem__(self, key: str) -> Instrument:
        if key not in self._rows:
            row = current_instrument(key)
            if row is None:
                raise LookupError(f"instrument {key!r} is not loaded; run 'alliance migrate'")
            self._rows[key] = row
        return self._rows[key]


def load(
    organization: Any,
    staff: Staff,
    episodes: Iterable[SyntheticEpisode],
    *,
    code_prefix: str = "SYN",
    end: dt.datetime | None = None,
    batch_size: int = 200,
) -> LoadStats:
    """Store the episodes; the last session of each ends a few days before `end` (now)."""
    end = end or timezone.now()
    instruments = _Instruments()
    stats = LoadStats()
    batch: list[SyntheticEpisode] = []
    for episode in episodes:
        batch.append(episode)
        if len(batch) >= batch_size:
            _load_batch(organization, staff, batch, code_prefix, end, instruments, stats)
            batch = []
    if batch:
        _load_batch(organization, staff, batch, code_prefix, end, instruments, stats)
    return stats


@transaction.atomic
def _load_batch(
    organization: Any,
    staff: Staff,
    batch: list[SyntheticEpisode],
    prefix: str,
    end: dt.datetime,
    instruments: _Instruments,
    stats: LoadStats,
) -> None:
    episodes = CareEpisode.objects.bulk_create(
        [
            CareEpisode(
                organization=organization, format=s.format, started_on=_start(s, end).date()
            )
            for s in batch
        ]
    )
    EpisodeStatusChange.objects.bulk_create(
        [
            EpisodeStatusChange(
                episode=e, status="open", changed_by=staff.therapist, reason="opened"
            )
            for e in episodes
        ]
    )
    clients = _clients(organization, staff, batch, prefix)
    participants = _participants(staff, batch, episodes, clients)
    sessions = _sessions(batch, episodes, end)
    responses = _responses(batch, episodes, participants, sessions, instruments)
    stats.episodes += len(batch)
    stats.sessions += len(sessions)
    stats.responses += len(responses)


def _start(s: SyntheticEpisode, end: dt.datetime) -> dt.datetime:
    return end - dt.timedelta(weeks=s.weeks_between * s.session_count) + dt.timedelta(days=3)


def _clients(
    organization: Any, staff: Staff, batch: list[SyntheticEpisode], prefix: str
) -> dict[tuple[int, int], Client]:
    wanted = {(s.index, p.index): p for s in batch for p in s.participants if p.role == "client"}
    rows = Client.objects.bulk_create(
        [
            Client(
                organization=organization,
                code=f"{prefix}-{p.code}",
                display_name=p.display_name,
                created_by=staff.therapist,
            )
            for p in wanted.values()
        ]
    )
    return dict(zip(wanted, rows, strict=True))


def _participants(
    staff: Staff,
    batch: list[SyntheticEpisode],
    episodes: list[CareEpisode],
    clients: dict[tuple[int, int], Client],
) -> dict[tuple[int, int], Participant]:
    keys, rows = [], []
    for s, episode in zip(batch, episodes, strict=True):
        for p in s.participants:
            if p.role == "client":
                row = Participant(
                    episode=episode,
                    client=clients[(s.index, p.index)],
                    role=CLIENT_ROLE[s.format],
                    joined_on=episode.started_on,
                )
            elif p.role == "therapist":
                row = Participant(
                    episode=episode,
                    user=staff.therapist,
                    role=ParticipantRole.THERAPIST,
                    joined_on=episode.started_on,
                )
            elif staff.interpreter is not None:
                row = Participant(
                    episode=episode,
                    user=staff.interpreter,
                    role=ParticipantRole.INTERPRETER,
                    joined_on=episode.started_on,
                )
            else:
                continue
            keys.append((s.index, p.index))
            rows.append(row)
    return dict(zip(keys, Participant.objects.bulk_create(rows), strict=True))


def _sessions(
    batch: list[SyntheticEpisode], episodes: list[CareEpisode], end: dt.datetime
) -> dict[tuple[int, int], Session]:
    keys, rows = [], []
    for s, episode in zip(batch, episodes, strict=True):
        first = _start(s, end).replace(hour=10, minute=0, second=0, microsecond=0)
        for number in range(1, s.session_count + 2):
            starts = first + dt.timedelta(weeks=s.weeks_between * (number - 1))
            status = (
                SessionStatus.ATTENDED if number <= s.session_count else SessionStatus.SCHEDULED
            )
            keys.append((s.index, number))
            rows.append(Session(episode=episode, number=number, starts_at=starts, status=status))
    return dict(zip(keys, Session.objects.bulk_create(rows), strict=True))


def _responses(
    batch: list[SyntheticEpisode],
    episodes: list[CareEpisode],
    participants: dict[tuple[int, int], Participant],
    sessions: dict[tuple[int, int], Session],
    instruments: _Instruments,
) -> list[Response]:
    rows = []
    for s in batch:
        for r in s.responses:
            participant = participants.get((s.index, r.participant_index))
            if participant is None:
                continue
            instrument = instruments[r.instrument]
            result = score(instrument.parsed(), r.answers)
            session = sessions[(s.index, r.session_number)]
            rows.append(
                Response(
                    session=session,
                    participant=participant,
                    instrument=instrument,
                    instrument_key=instrument.key,
                    answers=r.answers,
                    scores={
                        "scales": result.scales,
                        "bands": result.bands,
                        "complete": result.complete,
                        "missing": result.missing,
                    },
                    risk=[
                        {"linkId": f.link_id, "value": f.value, "message": f.message}
                        for f in result.risk
                    ],
                    channel=Channel.SELF if r.role != "client" else Channel.LINK,
                    submitted_at=session.starts_at + dt.timedelta(hours=1),
                    idempotency_key=f"synthetic:{participant.pk}:{session.pk}:{instrument.key}",
                )
            )
    return Response.objects.bulk_create(rows, batch_size=2000)
