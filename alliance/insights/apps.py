from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "alliance.insights"
    label = "insights"
