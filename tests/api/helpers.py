from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from alliance.accounts.models import Membership, Role
from alliance.api.models import ApiToken, Scope


def token_for(org: Any, scope: str = Scope.WRITE, by: Any = None) -> str:
    """A working token: created by an admin of an organization that lets admins read clinical
    data, the only way a token reads anything (docs/threat-model.md, "API tokens")."""
    if not org.admins_see_clinical_data:
        org.admins_see_clinical_data = True
        org.save(update_fields=["admins_see_clinical_data"])
    if by is None:
        by = Membership.objects.filter(organization=org, role=Role.ADMIN).first().user
    _token, raw = ApiToken.issue(org, name=f"{scope} system", scope=scope, by=by)
    return raw


def api_client(raw: str) -> HttpClient:
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
