from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from alliance import dates
from alliance.audit import context

from .access import Viewer
from .models import Membership

SESSION_KEY = "alliance_organization_id"
# When the signed-in session's idle timeout was last pushed back (Unix seconds), and how often at
# most: the session row is written then, not on every page.
REFRESHED_KEY = "alliance_refreshed_at"
REFRESH_EVERY_SECONDS = 60
# Paths a person must reach before two-factor is set up: sign-in, the 2FA set-up itself,
# static files, and client check-in links (clients never sign in).
TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/c/", "/healthz")


def viewer_for(request: HttpRequest) -> Viewer:
    user = request.user
    if not user.is_authenticated:
        return Viewer(user=user, organization=None)
    memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    if not memberships:
        return Viewer(user=user, organization=None)
    chosen_id = request.session.get(SESSION_KEY)
    organizations = {m.organization_id: m.organization for m in memberships}
    if chosen_id not in organizations:
        chosen_id = memberships[0].organization_id
        if len(organizations) > 1:
            # Remembered so the choice stays put; with one organization there is nothing to
            # remember, and not writing it keeps a page view free of session writes.
            request.session[SESSION_KEY] = chosen_id
    roles = frozenset(m.role for m in memberships if m.organization_id == chosen_id)
    # The organization switcher's other choices, from the same rows (no second query per page).
    request.other_organizations = sorted(  # type: ignore[attr-defined]
        {(pk, org.name) for pk, org in organizations.items() if pk != chosen_id},
        key=lambda pair: (pair[1], pair[0]),
    )
    return Viewer(user=user, organization=organizations[chosen_id], roles=roles)


class IdleTimeoutMiddleware:
    """Automatic logoff without a database write on every page.

    A session ends SESSION_COOKIE_AGE seconds after it was last saved. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) cost an UPDATE per page view; instead the session is marked
    changed when it was last pushed back more than REFRESH_EVERY_SECONDS ago. An idle session
    therefore ends between SESSION_COOKIE_AGE − REFRESH_EVERY_SECONDS and SESSION_COOKIE_AGE
    after the last request: never later than before, at most a minute sooner."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            if now - int(request.session.get(REFRESHED_KEY, 0)) >= REFRESH_EVERY_SECONDS:
                request.session[REFRESHED_KEY] = now
        return self.get_response(request)


class CurrentOrganizationMiddleware:
    """Everything a person sees is scoped to the organization they are currently working in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        viewer = viewer_for(request)
        request.viewer = viewer  # type: ignore[attr-defined]
        if viewer.user.is_authenticated:
            context.update(actor=viewer.user, organization=viewer.organization)
        _use_clinic_dates(viewer.organization)
        return self.get_response(request)


def _use_clinic_dates(organization: object) -> None:
    """The organization's time zone and date style for this request; the server's otherwise."""
    name = getattr(organization, "time_zone", "")
    try:
        timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()
    dates.activate(getattr(organization, "date_style", "") or dates.DEFAULT_STYLE)


def has_two_factor(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireTwoFactorMiddleware:
    """Sends members of an organization that requires two-factor to set it up first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        viewer: Viewer = request.viewer  # type: ignore[attr-defined]
        if (
            viewer.organization is not None
            and viewer.organization.require_two_factor
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and not has_two_factor(viewer.user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)
