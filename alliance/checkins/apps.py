from django.apps import AppConfig
from django.db.models.signals import post_save


class CheckinsConfig(AppConfig):
    name = "alliance.checkins"
    label = "checkins"

    def ready(self) -> None:
        # Connected here, explicitly, so the one place that wires it is easy to find; inside
        # ready() because the models are not loaded when apps.py is imported.
        from alliance.care import panels
        from alliance.care.models import CareEpisode

        from . import panels as checkin_panels
        from .receivers import give_new_episode_a_plan

        post_save.connect(
            give_new_episode_a_plan, sender=CareEpisode, dispatch_uid="checkins-episode-plan"
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
