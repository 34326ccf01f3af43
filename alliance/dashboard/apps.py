from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "alliance.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        # Connected here, explicitly, so the one place that wires the episode page is easy to find.
        from alliance.care import panels
        from alliance.care.signals import episode_viewed

        from . import episode_summary

        episode_viewed.connect(episode_summary.record_visit, dispatch_uid="dashboard-page-visit")
        panels.register("news", 10, episode_summary.news_panel, "dashboard/_episode_news.html")
        panels.register(
            "summary",
            20,
            episode_summary.summary_panel,
            "dashboard/_episode_summary.html",
            always=True,
        )
