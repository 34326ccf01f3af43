from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "alliance.jobs"
    label = "jobs"
