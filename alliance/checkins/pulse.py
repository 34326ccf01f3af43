"""The between-session pulse on the episode page: its own small trend, apart from the sessions'
check-ins (a pulse is one question about the days between sessions, not a session rating)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from alliance.care.models import CareEpisode, Session

from . import services, timing
from .models import PULSE_KEY, Response

SHOWN = 12  # the last dozen pulses: a trend, not a history


@dataclass(frozen=True)
class PulsePoint:
    at: dt.datetime
    who: str
    after_session: int
    value: float
    comment: str


@dataclass
class PulsePanel:
    every_days: int
    points: list[PulsePoint]
    line: str  # SVG polyline points
    next_at: dt.datetime | None

    @property
    def latest(self) -> PulsePoint | None:
        return self.points[-1] if self.points else None

    @property
    def dots(self) -> list[tuple[str, str]]:
        return [tuple(pair.split(",")) for pair in self.line.split()]  # type: ignore[misc]


def polyline(values: Sequence[float], width: int = 240, height: int = 60, top: float = 10) -> str:
    """Pure: points for a small 0–10 line, first value at the left."""
    if not values:
        return ""
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - min(max(v, 0), top) / top * height:.1f}"
        for i, v in enumerate(values)
    )


def pulse_panel(
    episode: CareEpisode,
    responses: Sequence[Response] | None = None,
    sessions: Sequence[Session] | None = None,
) -> PulsePanel | None:
    """None when the episode has no pulse agreed and none answered. The episode page passes the
    responses and sessions it has already read; without them they are read here."""
    every = services.episode_settings(episode).pulse_every_days
    if responses is None:
        rows = list(
            Response.objects.filter(session__episode=episode, instrument_key=PULSE_KEY)
            .select_related("session", "participant__client")
            .order_by("-submitted_at", "-pk")[:SHOWN]
        )
    else:
        rows = sorted(
            (r for r in responses if r.instrument_key == PULSE_KEY),
            key=lambda r: (r.submitted_at, r.pk),
            reverse=True,
        )[:SHOWN]
    if not every and not rows:
        return None
    points = [
        PulsePoint(
            r.submitted_at,
            r.participant.client.display_name if r.participant.client_id else "",
            r.session.number,
            float((r.scores.get("scales") or {}).get("pulse") or 0),
            str(r.answers.get("comment", "")),
        )
        for r in reversed(rows)
        if (r.scores.get("scales") or {}).get("pulse") is not None
    ]
    return PulsePanel(
        every, points, polyline([p.value for p in points]), _next(episode, every, sessions)
    )


def _next(
    episode: CareEpisode, every: int, sessions: Sequence[Session] | None = None
) -> dt.datetime | None:
    now = timezone.now()
    last: Any
    if sessions is None:
        last = episode.sessions.filter(starts_at__lte=now).order_by("-starts_at").first()
    else:
        started = [s for s in sessions if s.starts_at <= now]
        last = max(started, key=lambda s: (s.starts_at, s.number)) if started else None
    if last is None or not every:
        return None
    end = last.starts_at + dt.timedelta(minutes=last.duration_minutes)
    return timing.next_pulse(end, every, now)
