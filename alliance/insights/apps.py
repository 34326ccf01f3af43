from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "alliance.insights"
    label = "insights"

    def ready(self) -> None:
        from alliance.care.signals import sessions_renumbered

        from .pending import on_sessions_renumbered

        sessions_renumbered.connect(on_sessions_renumbered, dispatch_uid="insights-renumbered")
