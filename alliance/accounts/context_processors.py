from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Membership


def organization(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", None)
    if viewer is None or not viewer.user.is_authenticated:
        return {"viewer": viewer}
    # Read with the viewer's memberships by the middleware; a request built without it (a test
    # calling a view directly) reads them here.
    others = getattr(request, "other_organizations", None)
    if others is None:
        others = list(
            Membership.objects.filter(user=viewer.user)
            .exclude(organization=viewer.organization)
            .values_list("organization_id", "organization__name")
            .distinct()
        )
    return {"viewer": viewer, "other_organizations": others}
