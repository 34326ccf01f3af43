from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "alliance.insights"
    label = "insights"

    def ready(self) -> None:
        from alliance.care import panels as care_panels
        from alliance.care.signals import sessions_renumbered
        from alliance.checkins.signals import answers_changed
        from alliance.goals.signals import review_stored

        from .panels import episode_panel
        from .receivers import on_goal_review_stored, on_sessions_renumbered
        from .recompute import on_answers_changed

        sessions_renumbered.connect(on_sessions_renumbered, dispatch_uid="insights-renumbered")
        # Stored (or erased) answers: the episode's alerts are recomputed after the commit.
        answers_changed.connect(on_answers_changed, dispatch_uid="insights-answers-changed")
        review_stored.connect(on_goal_review_stored, dispatch_uid="insights-goal-review")
        care_panels.register("insights", 30, episode_panel, "insights/_episode.html")
