"""Alerts from the client's goal ratings: falling agreement on a goal ("still the right goal")
or falling progress raises an alert with prompts. Pure: this module finds the falls; the
insights app turns them into alerts in the same recompute as the check-ins' findings
(`alliance.insights.services.goal_drafts`), behind the same durable "recompute pending" marker
(insights/pending.py), so a failed run is retried, never only logged.

The rule (docs/goals.md): a rating at least DROP_POINTS below the same goal's previous rating by
the same client. Relative to the client's own earlier answer, not a fixed cut-off, because
ratings cluster near the top of the scale. DROP_POINTS is a project default, not a validated
threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DROP_POINTS = 2
KINDS = {"still_right": "goal_agreement", "progress": "goal_progress"}
LABELS = {"still_right": "still the right goal", "progress": "progress"}


@dataclass(frozen=True)
class Rated:
    goal: int
    wording: str
    participant: int
    session: int
    still_right: int | None
    progress: int | None


@dataclass(frozen=True)
class GoalFinding:
    goal: int
    participant: int
    scale: str  # still_right or progress
    session: int
    before: int
    now: int
    reason: str


def findings(ratings: Iterable[Rated], drop: int = DROP_POINTS) -> list[GoalFinding]:
    """Pure: every fall of `drop` points or more from the previous rating of the same goal."""
    last: dict[tuple[int, int, str], int] = {}
    found = []
    for r in sorted(ratings, key=lambda r: (r.goal, r.participant, r.session)):
        for scale in ("still_right", "progress"):
            value = getattr(r, scale)
            if value is None:
                continue
            key = (r.goal, r.participant, scale)
            if key in last and last[key] - value >= drop:
                reason = (
                    f"Goal “{r.wording[:80]}”: {LABELS[scale]} {value} at session {r.session}; "
                    f"{last[key]} at the previous review."
                )
                found.append(
                    GoalFinding(r.goal, r.participant, scale, r.session, last[key], value, reason)
                )
            last[key] = value
    return found
