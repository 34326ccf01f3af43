"""The clinical record's own steps that pages share. Saves of clients, episodes, participants
and sessions are audited by the models themselves (alliance.audit.audited)."""

from __future__ import annotations

from django.db import models

from alliance.audit import trail


def record_viewed(instance: models.Model) -> None:
    """A page showed this client, episode or session: a "viewed" event naming the object itself
    (more precise than the page read the audit middleware would otherwise write)."""
    trail.record_view(instance)
