"""Alerts from the client's goal ratings: falling agreement on a goal ("still the right goal")
or falling progress raises an alert with prompts, through the insights app's own alert store
(alliance.insights.service.apply_drafts: never doubled, never deleted).

The rule (docs/goals.md): a rating at least DROP_POINTS below the same goal's previous rating by
the same client. Relative to the client's own earlier answer, not a fixed cut-off, because
ratings cluster near the top of the scale. DROP_POINTS is a project default, not a validated
threshold.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)

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


def recompute(episode) -> int:  # noqa: ANN001
    from alliance.insights.service import AlertDraft, apply_drafts

    from .models import GoalRating

    rows = [
        Rated(
            r.goal_id,
            r.goal.wording,
            r.review.participant_id,
            r.review.session.number,
            r.still_right,
            r.progress,
        )
        for r in GoalRating.objects.filter(goal__episode=episode).select_related(
            "goal", "review__session"
        )
    ]
    drafts = [
        AlertDraft(
            episode_id=episode.pk,
            participant_id=f.participant,
            kind=KINDS[f.scale],
            severity="medium",
            scale=f"goal-{f.goal}",
            session_number=f.session,
            reason=f.reason,
            numbers={"before": float(f.before), "now": float(f.now)},
            fingerprint=f"{KINDS[f.scale]}:{f.participant}:{f.goal}:{f.session}",
        )
        for f in findings(rows)
    ]
    return apply_drafts(episode.organization, [episode.pk], drafts)


def recompute_after_commit(episode) -> None:  # noqa: ANN001
    """As for check-ins: after the commit, so a failing analysis never costs the answers."""

    def run() -> None:
        try:
            recompute(episode)
        except Exception:
            logger.exception("goal alerts failed for episode %s", episode.pk)

    transaction.on_commit(run)
