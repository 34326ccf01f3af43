"""The events this app listens to (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from . import services


def on_response_stored(sender: Any, response: Any, risk: bool, **kwargs: Any) -> None:
    services.on_response(response, risk)


def on_alerts_raised(sender: Any, alert_ids: list[int], **kwargs: Any) -> None:
    services.on_alerts(alert_ids)


def on_episode_viewed(sender: Any, viewer: Any, episode: Any, **kwargs: Any) -> None:
    """Opening the episode is seeing what its notifications were about."""
    if viewer.organization is not None:
        services.mark_read(viewer.user, viewer.organization.pk, episode_id=episode.pk)
