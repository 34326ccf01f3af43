from django.apps import AppConfig


class WellbeingConfig(AppConfig):
    name = "alliance.wellbeing"
    label = "wellbeing"
    verbose_name = "Therapist wellbeing"
    # Every audit event about this app's records and pages is its author's business only: the
    # admin's audit page leaves them out (alliance.audit.privacy).
    audit_private = True
