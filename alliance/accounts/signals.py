"""Sign-ins, sign-outs and failed attempts go into the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from alliance.audit import context, trail
from alliance.audit.models import Action


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    context.update(actor=user)
    trail.record(Action.LOGIN, object_type="session", object_label=user.email)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        context.update(actor=user)
        trail.record(Action.LOGOUT, object_type="session", object_label=user.email)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The typed address is kept (it may be a typo of a real one); the password never is.
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:200]
    trail.record(Action.LOGIN_FAILED, object_type="session", object_label=attempted)
