from django.apps import AppConfig


class LanguageConfig(AppConfig):
    name = "alliance.language"
    label = "language"
    verbose_name = "Session language review"
