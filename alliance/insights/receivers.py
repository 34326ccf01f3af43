"""What insights does when a lower layer reports an event; connected in InsightsConfig.ready()."""

from __future__ import annotations

from typing import Any

from . import recompute
from .models import Alert


def on_goal_review_stored(sender: Any, episode: Any, **kwargs: Any) -> None:
    """The goal alerts come from the same recompute as the check-ins' (insights/services.py),
    behind its durable marker: written in the review's transaction and removed only by a
    recompute that succeeded, so a failure is retried, never lost."""
    recompute.after_commit(episode)


def on_sessions_renumbered(sender: Any, episode: Any, mapping: dict[int, int], **kw: Any) -> None:
    """Sessions follow their dates: alerts name the sessions by their new numbers, and the
    analysis runs again over the renumbered history (after the commit, never lost)."""
    for alert in Alert.objects.filter(episode=episode):
        alert.session_number = _renumbered(alert.session_number, mapping)
        alert.latest_session_number = _renumbered(alert.latest_session_number, mapping)
        for stored in alert.facts:
            stored["session"] = mapping.get(stored["session"], stored["session"])
        alert.save(update_fields=["session_number", "latest_session_number", "facts"])
    recompute.after_commit(episode)


def _renumbered(number: int | None, mapping: dict[int, int]) -> int | None:
    return number if number is None else mapping.get(number, number)
