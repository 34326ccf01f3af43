from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import lockout
from .middleware import has_two_factor
from .models import User


class ClinicAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic's admin, never by self-service sign-up; password
    guessing is slowed per address and per account without locking the owner out
    (alliance.accounts.lockout)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)  # the per-address limit
        login = _login_of(credentials)
        if lockout.failures(login).wait_seconds() and not _has_second_factor(login):
            self._rollback_login_failed_rl_usage()  # a refusal unchecked is not a failure
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login = _login_of(credentials)
        state = lockout.record_failure(login)
        if state.delay_seconds() and not state.notified:
            lockout.mark_notified(login)
            _tell_the_owner(login)

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        lockout.clear(str(getattr(user, "email", "")))


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


def _user(login: str) -> User | None:
    return User.objects.filter(email__iexact=login.strip(), is_active=True).first()


def _has_second_factor(login: str) -> bool:
    user = _user(login)
    return user is not None and has_two_factor(user)


def _tell_the_owner(login: str) -> None:
    """Only to an existing account's own address: the email says nothing to the guesser."""
    user = _user(login)
    if user is None:
        return
    send_mail(
        _("Failed sign-ins to your Alliance account"),
        _(
            "Several wrong passwords were just typed for your Alliance account (%(email)s). "
            "If that was not you, someone may be guessing your password: signing in now may "
            "ask you to wait a little, unless you use a second factor, which lets you in at "
            "once. Turn on two-factor sign-in under Account, and if you think your password "
            "is known, change it. Nothing needs doing if it was you."
        )
        % {"email": user.email},
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
