"""The REST API and FHIR endpoints keep their own top-level namespaces (django-ninja reverses
its own root by name); the admin and researcher pages live under /org/ in the 'api' namespace."""

from django.urls import include, path

from .fhir import fhir
from .rest import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("fhir/", fhir.urls),
    path("org/", include("alliance.api.page_urls")),
]
