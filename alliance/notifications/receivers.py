"""The events this app listens to (connected in apps.py)."""

from __future__ import annotations

import logging
from typing import Any

from . import services

logger = logging.getLogger(__name__)


def on_response_stored(sender: Any, response: Any, risk: bool, **kwargs: Any) -> None:
    """Queued rather than done here: this runs in the client's request, right after the commit;
    one insert keeps the submission fast, and the job is retried if it fails."""
    organization_id = response.session.episode.organization_id
    try:
        services.notify_stored_response.enqueue(response.pk, risk, organization_id=organization_id)
    except Exception:
        logger.exception("could not queue the notification of response %s", response.pk)
        services.on_response(response, risk)


def on_alerts_raised(sender: Any, alert_ids: list[int], **kwargs: Any) -> None:
    services.on_alerts(alert_ids)


def on_episode_viewed(sender: Any, viewer: Any, episode: Any, **kwargs: Any) -> None:
    """Opening the episode is seeing what its notifications were about."""
    if viewer.organization is not None:
        services.mark_read(viewer.user, viewer.organization.pk, episode_id=episode.pk)
