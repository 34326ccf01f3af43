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
        from alliance.care import panels
        from alliance.care.models import CareEpisode

        from . import panels as checkin_panels

        post_save.connect(
            _give_new_episode_a_plan, sender=CareEpisode, dispatch_uid="checkins-episode-plan"
        )
        panels.register(
            "link_states", 40, checkin_panels.links_panel, "checkins/_episode_links.html"
        )
        panels.register("pulse", 50, checkin_panels.pulse_panel, "checkins/_pulse_panel.html")
        panels.register(
            "checkins",
            10,
            checkin_panels.session_page_panel,
            "checkins/_session_panel.html",
            page=panels.SESSION,
        )
