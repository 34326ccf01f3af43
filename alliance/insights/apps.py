from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "alliance.insights"
    label = "insights"

    def ready(self) -> None:
        from alliance.care.signals import sessions_renumbered
        from alliance.checkins.signals import answers_changed

        from .pending import on_answers_changed, on_sessions_renumbered

        sessions_renumbered.connect(on_sessions_renumbered, dispatch_uid="insights-renumbered")
        # Stored (or erased) answers: the episode's alerts are recomputed after the commit.
        answers_changed.connect(on_answers_changed, dispatch_uid="insights-answers-changed")
