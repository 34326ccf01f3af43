from django.apps import AppConfig


class RightsConfig(AppConfig):
    """A client's data rights: everything about them as one download, and their erasure."""

    name = "alliance.rights"
    label = "rights"
