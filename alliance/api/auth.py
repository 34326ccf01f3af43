"""Bearer-token authentication for the REST and FHIR APIs, with a per-token rate limit.

A token acts for its organization: it reads as its creator, an admin who may read the
organization's clinical data, through the same access layer as every page (`viewer_of`), every read
and write is audited with source "api". The limit is a fixed one-minute window of the product's one
rate counter (alliance/ratelimit.py, in the cache every app server shares).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from alliance import ratelimit
from alliance.accounts.access import Viewer
from alliance.accounts.models import Role
from alliance.audit import context

from .models import ApiToken, hash_api_token

TOUCH_EVERY = dt.timedelta(minutes=1)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def check_rate(token: ApiToken) -> None:
    if ratelimit.hit(f"api-rate:{token.pk}") > settings.API_REQUESTS_PER_MINUTE:
        raise RateLimited(retry_after=ratelimit.seconds_left())


def find_token(raw: str) -> ApiToken | None:
    if not raw or len(raw) > 200 or "\x00" in raw:
        return None
    return (
        ApiToken.objects.select_related("organization", "created_by")
        .filter(token_hash=hash_api_token(raw), revoked_at__isnull=True)
        .first()
    )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; sets request.api_token and the audit context."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = find_token(token.strip())
        if found is None:
            return None
        check_rate(found)
        problem = found.clinical_access_problem()
        if problem:
            raise PermissionDenied(problem)
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        # A token is not a person, but it reads with its creator's permission: the trail names
        # both, so filtering the trail by that person shows what their tokens read.
        context.update(
            source="api",
            organization=found.organization,
            actor=found.created_by,
            label=f"API token {found.prefix}… '{found.name}' of {found.created_by.email}"[:254],
        )
        request.api_token = found  # type: ignore[attr-defined]
        return found


def token_of(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def require_write(request: HttpRequest) -> ApiToken:
    token = token_of(request)
    if not token.can_write:
        raise PermissionDenied("This token may read but not write.")
    return token


def organization_of(request: HttpRequest) -> Any:
    return token_of(request).organization


def viewer_of(request: HttpRequest) -> Viewer:
    """Who the token reads as: its creator, an admin of an organization that lets admins read
    clinical data (TokenAuth refuses the token otherwise), so every lookup answers 404 outside
    the organization through the same visible_to rules as the pages."""
    token = token_of(request)
    return Viewer(
        user=token.created_by, organization=token.organization, roles=frozenset({Role.ADMIN})
    )
