"""What the analysis pages show: labelled lines, moves with their lines, the session's ratings,
and the episode's sessions side by side. Built from stored counts (and the text when there is
some), so the same page serves right after an upload and later."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from alliance.care.models import Session
from alliance.checkins.models import Response

from .models import SessionTranscript

LABEL_NAMES = {
    ("reflection", "simple"): _("Simple reflection"),
    ("reflection", "complex"): _("Complex reflection"),
    ("question", "open"): _("Open question"),
    ("question", "closed"): _("Closed question"),
    ("therapist_input", ""): _("Information / advice / options"),
    ("other", ""): _("Other"),
    ("change", ""): _("Change talk"),
    ("sustain", ""): _("Sustain talk"),
    ("neutral", ""): _("Neutral"),
}
CUE_NAMES = {
    "agenda_check": _("Agenda check"),
    "feedback_request": _("Feedback request"),
    "offering_choice": _("Offering choice"),
    "asking_permission": _("Asking permission"),
    "checking_understanding": _("Checking understanding"),
    "withdrawal": _("Possible withdrawal"),
    "confrontation": _("Possible confrontation"),
}


@dataclass
class Line:
    number: int  # 1-based, as shown
    role: str
    speaker: str
    text: str | None
    label: str
    css: str
    cues: list[str] = field(default_factory=list)


def label_name(main: str, subtype: str) -> str:
    name = LABEL_NAMES.get((main, subtype)) or LABEL_NAMES.get((main, ""))
    return str(name) if name else ""


def lines(
    labels: Sequence[Sequence[str]],
    cues: Sequence[Sequence[Any]],
    texts: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
) -> list[Line]:
    by_turn: dict[int, list[str]] = defaultdict(list)
    for kind, turn in cues:
        by_turn[int(turn)].append(str(CUE_NAMES.get(kind, kind)))
    out = []
    for i, (role, main, subtype) in enumerate(labels):
        out.append(
            Line(
                number=i + 1,
                role=role,
                speaker=speakers[i] if speakers else "",
                text=texts[i] if texts else None,
                label=label_name(main, subtype),
                css=f"{main}-{subtype}".strip("-") if main else "unlabelled",
                cues=by_turn.get(i, []),
            )
        )
    return out


def cue_groups(cues: Sequence[Sequence[Any]], kinds: Sequence[str]) -> list[dict[str, Any]]:
    """Each move or rupture kind with the line numbers where it was found."""
    found: dict[str, list[int]] = defaultdict(list)
    for kind, turn in cues:
        found[kind].append(int(turn) + 1)
    return [{"kind": kind, "name": CUE_NAMES[kind], "lines": found.get(kind, [])} for kind in kinds]


def session_ratings(session: Session) -> list[dict[str, Any]]:
    """The session's check-in results: who rated, with which instrument, the headline score."""
    rows = []
    responses = Response.objects.filter(session=session).select_related(
        "instrument", "participant__client", "participant__user"
    )
    for response in responses.order_by("participant__client", "submitted_at"):
        headline = response.headline
        rows.append(
            {
                "who": str(response.participant),
                "is_client": response.participant.client_id is not None,
                "instrument": response.instrument.title,
                "scale": headline[0] if headline else "",
                "score": headline[1] if headline else None,
            }
        )
    return rows


def episode_rows(transcripts: Sequence[SessionTranscript]) -> list[dict[str, Any]]:
    """One row per analysed session: its language numbers beside its ratings, in order."""
    rows = []
    for transcript in sorted(transcripts, key=lambda t: t.session.number):
        ratings = session_ratings(transcript.session)
        client = [r["score"] for r in ratings if r["is_client"] and r["score"] is not None]
        staff = [r["score"] for r in ratings if not r["is_client"] and r["score"] is not None]
        s = transcript.summary
        rows.append(
            {
                "session": transcript.session,
                "summary": s,
                "moves": sum((s.get("moves") or {}).values()),
                "ruptures": sum((s.get("ruptures") or {}).values()),
                "client_rating": sum(client) / len(client) if client else None,
                "therapist_rating": sum(staff) / len(staff) if staff else None,
            }
        )
    return rows


METRICS = (
    "reflection_question_ratio",
    "complex_reflection_share",
    "open_question_share",
    "therapist_talk_share",
)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def period_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over analysed sessions of a period (sessions without a value left out)."""
    out: dict[str, Any] = {"sessions": len(rows)}
    for metric in METRICS:
        out[metric] = _mean([r["summary"].get(metric) for r in rows])
    out["moves"] = _mean([float(r["moves"]) for r in rows])
    out["client_rating"] = _mean([r["client_rating"] for r in rows])
    out["therapist_rating"] = _mean([r["therapist_rating"] for r in rows])
    return out
