"""Template tags of the account pages (allauth's, in the product's layout)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from alliance.accounts import reauth

register = template.Library()


@register.simple_tag(takes_context=True)
def reauth_purpose(context: dict[str, Any]) -> Any:
    """What the re-authentication page is for, from where it leads back to."""
    request = context.get("request")
    if request is None:
        return reauth.ANYTHING
    next_path = request.POST.get("next") or request.GET.get("next") or ""
    return reauth.purpose(next_path, reauth.suspended_form(request.session, next_path))


@register.simple_tag
def reauth_minutes() -> int:
    """How long a confirmation lasts (ACCOUNT_REAUTHENTICATION_TIMEOUT), in whole minutes."""
    return max(1, round(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT / 60))
