from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from alliance.api.models import ApiToken, Scope


def token_for(org: Any, scope: str = Scope.WRITE, by: Any = None) -> str:
    _token, raw = ApiToken.issue(org, name=f"{scope} system", scope=scope, by=by)
    return raw


def api_client(raw: str) -> HttpClient:
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
