from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MeasuresConfig(AppConfig):
    name = "alliance.measures"
    label = "measures"

    def ready(self) -> None:
        # Inside ready(): the receivers use the models, which are not loaded when apps.py is.
        from .receivers import load_shipped

        post_migrate.connect(load_shipped, sender=self, dispatch_uid="measures-load-shipped")
