from django.apps import AppConfig


class GrowthConfig(AppConfig):
    name = "alliance.growth"
    label = "growth"
    verbose_name = "Therapist growth"
