"""What the check-in app does on other apps' events; connected in CheckinsConfig.ready()."""

from __future__ import annotations

from typing import Any

from .services import copy_clinic_plan


def give_new_episode_a_plan(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A new care episode gets its own measurement plan, copied from its clinic's default.

    A signal because CareEpisode.open_for belongs to the care app, which sits below check-ins."""
    if created and not raw:
        copy_clinic_plan(instance)
