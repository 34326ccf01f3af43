from django.apps import AppConfig


class WellbeingConfig(AppConfig):
    name = "alliance.wellbeing"
    label = "wellbeing"
    verbose_name = "Therapist wellbeing"
