"""Sign-ins, sign-outs and failed attempts go into the audit trail; a sign-in also starts the
idle-timeout clock (see middleware.IdleTimeoutMiddleware)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from alliance.audit import trail
from alliance.audit.models import Action

from .middleware import REFRESHED_KEY
from .models import Organization


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record_in_each_organization(Action.LOGIN, user)
    session = getattr(request, "session", None)
    if session is not None:
        # Saved with the sign-in itself, so the next page need not write the session again.
        session[REFRESHED_KEY] = int(time.time())


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _record_in_each_organization(Action.LOGOUT, user)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The typed address is kept (it may be a typo of a real one); the password never is.
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:200]
    trail.record(Action.LOGIN_FAILED, object_type="session", object_label=attempted)


def _record_in_each_organization(action: str, user: Any) -> None:
    """Each organization's admins see their members' sign-ins in their own trail."""
    organizations = Organization.objects.filter(memberships__user=user).distinct()
    for organization in organizations or [None]:
        trail.record(
            action,
            object_type="session",
            object_label=user.email,
            actor=user,
            organization=organization,
        )
