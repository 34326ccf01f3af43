"""The REST API and FHIR endpoints keep their own top-level namespaces (django-ninja reverses
its own root by name); the admin and researcher pages live under /org/ in the 'api' namespace."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, include, path

from .fhir import fhir
from .rest import api


def _by_token(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    """The API signs no one in: a bearer token (or nothing) answers, with 401 JSON when it is
    missing, never a redirect to the sign-in page."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("api/v1/", _by_token(api.urls)),
    path("fhir/", _by_token(fhir.urls)),
    path("org/", include("alliance.api.page_urls")),
]
