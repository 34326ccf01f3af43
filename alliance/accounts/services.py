"""Account steps that pages share. Organizations, memberships, supervision links, invitations
and crisis information record their own audit events (alliance.audit.audited); a User does
not (Django saves it at every sign-in), so creating one is recorded here."""

from __future__ import annotations

from alliance.audit import trail

from .models import User


def create_account(email: str, password: str, *, first_name: str, last_name: str) -> User:
    user = User.objects.create_user(email, password, first_name=first_name, last_name=last_name)
    trail.record_create(user)
    return user
