from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "alliance.insights"
    label = "insights"

    def ready(self) -> None:
        from alliance.care import panels as care_panels
        from alliance.care.signals import sessions_renumbered

        from .panels import episode_panel
        from .pending import on_sessions_renumbered

        sessions_renumbered.connect(on_sessions_renumbered, dispatch_uid="insights-renumbered")
        care_panels.register("insights", 30, episode_panel, "insights/_episode.html")
