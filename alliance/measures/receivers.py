"""What the measures app does on Django's events; connected in MeasuresConfig.ready()."""

from __future__ import annotations

from typing import Any

from .models import sync_shipped


def load_shipped(sender: Any, **kwargs: Any) -> None:
    """After every migrate (and after a test flush): the shipped files are data, not a
    migration, so a new or translated file is picked up without writing one."""
    sync_shipped()
