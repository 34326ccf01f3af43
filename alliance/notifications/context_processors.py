"""The unread count on the navigation's badge.

Lazy: the count runs only when a page's template shows the badge, as one COUNT over a small
partial index (unread rows of one person); pages without the navigation pay nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .services import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", None)
    if viewer is None or not viewer.user.is_authenticated or viewer.organization is None:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: unread_count(viewer.user, viewer.organization.pk)
        )
    }
