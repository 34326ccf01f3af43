"""The de-identified research dataset: one row per response with scores (docs/research-export.md).

No names, codes, contact details, free text or calendar dates leave: people appear as HMAC
pseudonyms keyed per export (unlinkable across exports unless ALLIANCE_EXPORT_PSEUDONYM_KEY is
set), time as days since the episode started. Small cells are coarsened before writing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.utils import timezone

from alliance import csv_cells
from alliance.care.models import Participant, ParticipantRole
from alliance.checkins.models import Response

Progress = Callable[[int, int], None]
FORMATS = ("csv", "parquet")
CHUNK = 2_000
SUPPRESSED = "suppressed"

# name, polars type, description — the data dictionary is written from this list.
BASE_COLUMNS: list[tuple[str, Any, str]] = [
    ("row", pl.Int64, "Row number within this export (1, 2, …); not a database id."),
    (
        "client_pseudonym",
        pl.Utf8,
        "The client who answered; empty for staff ratings. HMAC "
        "pseudonym, stable within this export only.",
    ),
    ("episode_pseudonym", pl.Utf8, "The care episode; HMAC pseudonym, stable within this export."),
    (
        "therapist_pseudonym",
        pl.Utf8,
        "The episode's lead therapist; HMAC pseudonym, or 'suppressed' when the therapist "
        "has fewer clients in the export than the small-cell limit.",
    ),
    (
        "respondent_role",
        pl.Utf8,
        "Who answered: client, partner, family_member, group_member, "
        "therapist, co_therapist or interpreter; 'client' for every client-side role where "
        "episode_format is suppressed.",
    ),
    (
        "episode_format",
        pl.Utf8,
        "individual, couple, family or group; 'suppressed' when fewer "
        "clients than the small-cell limit share the format.",
    ),
    ("session_number", pl.Int64, "The session's number within its episode (1 = first)."),
    ("days_since_episode_start", pl.Int64, "Days from the episode's start to the session."),
    (
        "instrument_key",
        pl.Utf8,
        "Instrument answered, e.g. phq-9 or alliance-checkin-client (docs/instruments.md); "
        "'suppressed' (with its version and scores) where episode_format is suppressed and no "
        "shown format uses the instrument.",
    ),
    ("instrument_version", pl.Utf8, "Version of the instrument definition used for scoring."),
    ("channel", pl.Utf8, "link (client's own device), self (staff rating), paper, external."),
    ("complete", pl.Boolean, "Every required item was answered."),
    ("risk_flag", pl.Boolean, "A risk item (e.g. PHQ-9 item 9) was answered above 0."),
]


@dataclass
class ExportResult:
    directory: Path
    files: list[Path]
    rows: int
    suppressed: dict[str, int] = field(default_factory=dict)


class Pseudonyms:
    """HMAC-SHA256 of kind and database id; a fresh random key per export unless configured."""

    def __init__(self, key: bytes | None = None) -> None:
        configured = settings.EXPORT_PSEUDONYM_KEY
        self.key = key or (configured.encode() if configured else secrets.token_bytes(32))

    def __call__(self, kind: str, pk: int | None) -> str | None:
        if pk is None:
            return None
        digest = hmac.new(self.key, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
        return f"{kind[0]}{digest[:15]}"


def _lead_therapists(org: Any) -> dict[int, int]:
    lead: dict[int, int] = {}
    rows = Participant.objects.filter(
        episode__organization=org, role=ParticipantRole.THERAPIST
    ).values_list("episode_id", "user_id")
    for episode_id, user_id in rows.order_by("pk"):
        lead.setdefault(episode_id, user_id)
    return lead


def collect(
    org: Any, pseudonym: Pseudonyms, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """One plain row per response of the organization, before small-cell rules."""
    responses = Response.objects.filter(session__episode__organization=org)
    total = responses.count()
    lead = _lead_therapists(org)
    out: list[dict[str, Any]] = []
    query = responses.select_related("session__episode", "participant", "instrument").order_by("pk")
    for r in query.iterator(chunk_size=CHUNK):
        episode = r.session.episode
        scales = (r.scores or {}).get("scales") or {}
        row = {
            "row": len(out) + 1,
            "client_pseudonym": pseudonym("client", r.participant.client_id),
            "episode_pseudonym": pseudonym("episode", episode.pk),
            "therapist_pseudonym": pseudonym("therapist", lead.get(episode.pk)),
            "respondent_role": r.participant.role,
            "episode_format": episode.format,
            "session_number": r.session.number,
            "days_since_episode_start": (
                timezone.localtime(r.session.starts_at).date() - episode.started_on
            ).days,
            "instrument_key": r.instrument_key,
            "instrument_version": r.instrument.version,
            "channel": r.channel,
            "complete": bool((r.scores or {}).get("complete")),
            "risk_flag": bool(r.risk),
        }
        row.update({f"score_{k}": v for k, v in scales.items() if v is not None})
        out.append(row)
        if progress and len(out) % CHUNK == 0:
            progress(len(out), total)
    if progress:
        progress(len(out), total)
    return out


# Roles that say which format an episode has (a partner is in a couple episode …): in a row whose
# format is suppressed they are all written as "client".
CLIENT_SIDE_ROLES = {"client", "partner", "family_member", "group_member"}


def apply_small_cells(rows: list[dict[str, Any]], minimum: int) -> dict[str, int]:
    """Coarsen values shared by fewer than `minimum` distinct clients (docs/research-export.md),
    and every other value that would give a suppressed format away.

    Clients are counted as people: a therapist's own rating of a session counts the episode's
    clients, not one more. In a row whose format is suppressed, a client-side respondent role is
    written "client", and an instrument that no row of a shown format uses (the conjoint form of
    couple, family and group episodes, say) is suppressed with its version and scores."""
    if minimum <= 1:
        return {}
    clients_of = _clients_per_row(rows)
    suppressed = {}
    for column in ("episode_format", "therapist_pseudonym"):
        people: dict[Any, set[Any]] = defaultdict(set)
        for row, clients in zip(rows, clients_of, strict=True):
            people[row[column]] |= clients
        small = {value for value, who in people.items() if len(who) < minimum}
        count = 0
        for row in rows:
            if row[column] in small and row[column] is not None:
                row[column] = SUPPRESSED
                count += 1
        suppressed[column] = count
    suppressed.update(_coarsen_what_reveals_the_format(rows))
    return suppressed


def _clients_per_row(rows: list[dict[str, Any]]) -> list[set[Any]]:
    """The clients each row is about: its own client, or for a staff rating every client of the
    episode (so a staff rating adds nobody new to a count)."""
    of_episode: dict[Any, set[Any]] = defaultdict(set)
    for row in rows:
        if row["client_pseudonym"]:
            of_episode[row["episode_pseudonym"]].add(row["client_pseudonym"])
    return [
        {row["client_pseudonym"]}
        if row["client_pseudonym"]
        else of_episode[row["episode_pseudonym"]]
        for row in rows
    ]


def _coarsen_what_reveals_the_format(rows: list[dict[str, Any]]) -> dict[str, int]:
    hidden = [row for row in rows if row["episode_format"] == SUPPRESSED]
    shown_instruments = {
        row["instrument_key"] for row in rows if row["episode_format"] != SUPPRESSED
    }
    roles = instruments = 0
    for row in hidden:
        if row["respondent_role"] in CLIENT_SIDE_ROLES and row["respondent_role"] != "client":
            row["respondent_role"] = "client"
            roles += 1
        if row["instrument_key"] not in shown_instruments:
            row["instrument_key"] = row["instrument_version"] = SUPPRESSED
            for name in [k for k in row if k.startswith("score_")]:
                del row[name]
            instruments += 1
    return {"respondent_role": roles, "instrument_key": instruments}


def columns_of(rows: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    scales = sorted({k for row in rows for k in row if k.startswith("score_")})
    return BASE_COLUMNS + [
        (name, pl.Float64, f"Score of scale '{name[6:]}' (see the instrument's definition).")
        for name in scales
    ]


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    columns = columns_of(rows)
    data = {name: [row.get(name) for row in rows] for name, _t, _d in columns}
    return pl.DataFrame(data, schema={name: kind for name, kind, _d in columns})


def write(
    org: Any,
    out_dir: Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    progress: Progress | None = None,
    key: bytes | None = None,
) -> ExportResult:
    """Write responses.csv / responses.parquet and the data dictionary into a new folder."""
    rows = collect(org, Pseudonyms(key), progress)
    suppressed = apply_small_cells(rows, settings.EXPORT_MIN_CELL)
    df = frame(rows)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    directory = out_dir / f"alliance-export-{org.slug}-{stamp}-{secrets.token_hex(3)}"
    directory.mkdir(parents=True)
    files = []
    if "csv" in formats:
        files.append(directory / "responses.csv")
        csv_cells.write_frame(df, files[-1])
    if "parquet" in formats:
        files.append(directory / "responses.parquet")
        df.write_parquet(files[-1])
    files.append(_dictionary(directory, rows, suppressed))
    return ExportResult(directory, files, len(rows), suppressed)


def _dictionary(directory: Path, rows: list[dict[str, Any]], suppressed: dict[str, int]) -> Path:
    path = directory / "data_dictionary.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv_cells.writer(fh)
        writer.writerow(["column", "type", "description"])
        for name, kind, description in columns_of(rows):
            writer.writerow([name, str(kind), description])
    notes = directory / "README.txt"
    notes.write_text(
        "Alliance research export (de-identified). See data_dictionary.csv.\n"
        f"Rows: {len(rows)}. Small-cell limit: {settings.EXPORT_MIN_CELL} distinct clients.\n"
        + "".join(
            f"Values coarsened to 'suppressed' in {k}: {v} rows.\n" for k, v in suppressed.items()
        )
        + "Pseudonyms are stable within this export only, unless the installation configured "
        "ALLIANCE_EXPORT_PSEUDONYM_KEY.\n",
        encoding="utf-8",
    )
    return path
