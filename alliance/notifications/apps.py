from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "alliance.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Connected here, explicitly, so the one place that wires the events is easy to find.
        from alliance.care.signals import episode_viewed
        from alliance.checkins.signals import response_stored
        from alliance.insights.signals import alerts_raised

        from . import receivers

        response_stored.connect(receivers.on_response_stored, dispatch_uid="notify-response")
        alerts_raised.connect(receivers.on_alerts_raised, dispatch_uid="notify-alerts")
        episode_viewed.connect(receivers.on_episode_viewed, dispatch_uid="notify-episode-seen")
