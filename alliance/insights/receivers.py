"""What insights does when a lower layer reports an event; connected in InsightsConfig.ready()."""

from __future__ import annotations

from typing import Any

from . import pending


def on_goal_review_stored(sender: Any, episode: Any, **kwargs: Any) -> None:
    """The goal alerts come from the same recompute as the check-ins' (insights/services.py),
    behind its durable marker: written in the review's transaction and removed only by a
    recompute that succeeded, so a failure is retried, never lost."""
    pending.after_commit(episode)
