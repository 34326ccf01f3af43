from django.apps import AppConfig


class GrowthConfig(AppConfig):
    name = "alliance.growth"
    label = "growth"
    verbose_name = "Therapist growth"

    def ready(self) -> None:
        # Stored monthly figures are forgotten when a response of their month changes.
        from . import summaries  # noqa: F401
