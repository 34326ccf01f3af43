from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "alliance.goals"
    label = "goals"
    verbose_name = "Goals and tasks"

    def ready(self) -> None:
        from alliance.care import panels

        from .panels import episode_panel

        panels.register("goal_plan", 60, episode_panel, "goals/_episode_panel.html")
