from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Membership


def organization(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", None)
    if viewer is None or not viewer.user.is_authenticated:
        return {"viewer": viewer}
    others = (
        Membership.objects.filter(user=viewer.user)
        .exclude(organization=viewer.organization)
        .values_list("organization_id", "organization__name")
        .distinct()
    )
    return {"viewer": viewer, "other_organizations": list(others)}
