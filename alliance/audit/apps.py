from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "alliance.audit"
    label = "audit"
