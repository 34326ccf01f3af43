from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_shipped(sender: Any, **kwargs: Any) -> None:
    # After every migrate (and after a test flush): the shipped files are data, not a migration,
    # so a new or translated file is picked up without writing one.
    from alliance.measures.models import sync_shipped

    sync_shipped()


class MeasuresConfig(AppConfig):
    name = "alliance.measures"
    label = "measures"

    def ready(self) -> None:
        post_migrate.connect(_load_shipped, sender=self, dispatch_uid="measures-load-shipped")
