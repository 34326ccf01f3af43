from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


def _give_new_episode_a_plan(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A new care episode gets its own measurement plan, copied from its clinic's default.

    A signal because CareEpisode.open_for belongs to the care app; connected here, explicitly,
    so the one place that wires it is easy to find."""
    if created and not raw:
        from alliance.checkins.services import copy_clinic_plan

        copy_clinic_plan(instance)


class CheckinsConfig(AppConfig):
    name = "alliance.checkins"
    label = "checkins"

    def ready(self) -> None:
        from alliance.care.models import CareEpisode

        post_save.connect(
            _give_new_episode_a_plan, sender=CareEpisode, dispatch_uid="checkins-episode-plan"
        )
