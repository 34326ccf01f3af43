from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "alliance.api"
    label = "api"
    verbose_name = "Interoperability: REST, FHIR, exports, webhooks"
