from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "alliance.dashboard"
    label = "dashboard"
