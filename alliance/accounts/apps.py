from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "alliance.accounts"
    label = "accounts"
    verbose_name = "People and organizations"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401 - connects the audit receivers

        post_migrate.connect(create_cache_table, sender=self)


def create_cache_table(**kwargs: object) -> None:
    """The database cache (rate limits, lockouts) needs its table wherever migrations ran."""
    from django.core.management import call_command

    call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)
