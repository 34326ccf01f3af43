"""Alerts from the between-session pulse: a sharp fall before the client walks in.

The rule (docs/alert-rules.md, "Sharp fall between sessions"): a client's pulse (0–10, "How have
things been since our last session?") at least FALL_POINTS below the median of their previous
pulses (up to the last BASELINE) raises one alert. Relative to the client's own earlier answers,
because people use a single 0–10 question very differently; the median, so one odd week does
not move the baseline. FALL_POINTS is a project default, not a validated threshold.
`findings` is pure; `drafts` reads the pulses and writes them as alert drafts for
alliance.insights.services.apply_drafts (one alert per client at a time, never doubled).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from alliance.checkins.models import PULSE_KEY, Response

from .drafts import AlertDraft
from .models import AlertKind

FALL_POINTS = 3.0
# A fall this large, or to this level or lower, is more urgent.
HIGH_FALL_POINTS = 5.0
HIGH_LEVEL = 2.0
BASELINE = 3


@dataclass(frozen=True)
class Pulse:
    response: int
    participant: int
    session: int  # the session the pulse follows
    value: float


@dataclass(frozen=True)
class PulseFall:
    pulse: Pulse
    baseline: float
    previous: int  # how many earlier pulses the baseline is made of

    @property
    def fall(self) -> float:
        return self.baseline - self.pulse.value

    @property
    def severity(self) -> str:
        high = self.fall >= HIGH_FALL_POINTS or self.pulse.value <= HIGH_LEVEL
        return "high" if high else "medium"

    def reason(self) -> str:
        earlier = "pulse" if self.previous == 1 else f"{self.previous} pulses"
        return (
            f"Between-session pulse {self.pulse.value:g} after session {self.pulse.session}, "
            f"{self.fall:g} points below the client's usual {self.baseline:g} (median of the "
            f"previous {earlier}). Worth asking about before the next session."
        )


def findings(pulses: Iterable[Pulse], fall: float = FALL_POINTS) -> list[PulseFall]:
    """Pure: every pulse `fall` points or more below the median of the client's previous ones.
    `pulses` in the order they were answered."""
    seen: dict[int, list[float]] = {}
    found = []
    for pulse in pulses:
        history = seen.setdefault(pulse.participant, [])
        if history:
            recent = history[-BASELINE:]
            baseline = float(statistics.median(recent))
            if baseline - pulse.value >= fall - 1e-9:
                found.append(PulseFall(pulse, baseline, len(recent)))
        history.append(pulse.value)
    return found


def pulses_of(episode_ids: list[int]) -> dict[int, list[Pulse]]:
    """Each episode's pulses, in the order they were answered."""
    rows = (
        Response.objects.filter(session__episode_id__in=episode_ids, instrument_key=PULSE_KEY)
        .order_by("submitted_at", "pk")
        .values_list("pk", "session__episode_id", "participant_id", "session__number", "scores")
    )
    found: dict[int, list[Pulse]] = {}
    for pk, episode, participant, number, scores in rows:
        value = ((scores or {}).get("scales") or {}).get("pulse")
        if value is not None:
            found.setdefault(episode, []).append(Pulse(pk, participant, number, float(value)))
    return found


def drafts(episode_ids: list[int]) -> list[AlertDraft]:
    """Alert drafts for the pulse falls of these episodes."""
    found = []
    for episode, pulses in pulses_of(episode_ids).items():
        for f in findings(pulses):
            found.append(
                AlertDraft(
                    episode_id=episode,
                    participant_id=f.pulse.participant,
                    kind=AlertKind.PULSE_FALL,
                    severity=f.severity,
                    scale="pulse",
                    session_number=f.pulse.session,
                    reason=f.reason(),
                    numbers={"pulse": f.pulse.value, "usual": f.baseline, "fall": f.fall},
                    fingerprint=f"pulse_fall:{f.pulse.participant}:{f.pulse.response}",
                    concern=f"pulse_fall:{f.pulse.participant}",
                )
            )
    return found
