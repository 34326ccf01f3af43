from django.apps import AppConfig
from django.db.models.signals import post_save


class CheckinsConfig(AppConfig):
    name = "alliance.checkins"
    label = "checkins"

    def ready(self) -> None:
        # Connected here, explicitly, so the one place that wires it is easy to find; inside
        # ready() because the models are not loaded when apps.py is imported.
        from alliance.care.models import CareEpisode

        from .receivers import give_new_episode_a_plan

        post_save.connect(
            give_new_episode_a_plan, sender=CareEpisode, dispatch_uid="checkins-episode-plan"
        )
