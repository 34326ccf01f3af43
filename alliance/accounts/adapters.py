from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class ClinicAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic's admin, never by self-service sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
