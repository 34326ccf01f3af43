"""What a person is asked to confirm their password (or an authenticator code) for.

allauth asks again before sensitive steps (`reauthentication_required` in our views, its own
two-factor pages) and sends the person to its re-authentication page with the step's address
in `next`. A bare "Confirm access" does not say why; this module names the step in words, from
the page it leads back to and, when the step was a form sent, what that form was doing.
"""

from __future__ import annotations

import json
from typing import Any

from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY
from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

# The step behind each page that asks for re-authentication (its URL name).
PURPOSES: dict[str, Any] = {
    "mfa_activate_totp": _("turn on two-factor"),
    "mfa_deactivate_totp": _("turn off two-factor"),
    "mfa_generate_recovery_codes": _("make new recovery codes"),
    "mfa_view_recovery_codes": _("see your recovery codes"),
    "mfa_download_recovery_codes": _("download your recovery codes"),
    "mfa_index": _("manage two-factor"),
    "account_change_password": _("change your password"),
    "account_set_password": _("set a password"),
    "account_email": _("change your email addresses"),
    "api:integrations": _("manage API tokens and webhooks"),
    "rights:export": _("download everything about this client"),
    "rights:erase": _("erase this client"),
    "accounts:members": _("manage the clinic's members"),
    "accounts:add_role": _("give a member a role"),
    "accounts:remove_role": _("take a role away from a member"),
    "accounts:add_supervision": _("link a supervisor and a therapist"),
    "accounts:remove_supervision": _("end a supervision link"),
    "accounts:settings": _("change the clinic's settings"),
}
# A form sent to a page that does more than one thing: the field that tells which.
SENT: dict[str, list[tuple[str, Any]]] = {
    "api:integrations": [("token-name", _("create an API token"))],
    "accounts:members": [("email", _("add a member"))],
}
ANYTHING = _("continue")


def purpose(next_path: str, sent: QueryDict | None = None) -> Any:
    """The step in words ("turn off two-factor"), for "Confirm your password to …"."""
    try:
        name = resolve((next_path or "").split("?", 1)[0]).view_name
    except Resolver404:
        return ANYTHING
    for field, words in SENT.get(name, []):
        if sent is not None and field in sent:
            return words
    return PURPOSES.get(name, ANYTHING)


def suspended_form(session: Any, next_path: str) -> QueryDict | None:
    """The form that was held back for re-authentication, if it was sent to `next_path`.

    allauth keeps it in the session to send it again afterwards; this reads only which fields
    it had, to name the step. Anything unexpected there means no refinement, never an error."""
    try:
        held = json.loads(session.get(STATE_SESSION_KEY, {}).get("request", "null"))
        if held and held.get("path") == (next_path or "").split("?", 1)[0]:
            return QueryDict(held.get("POST", ""))
    except (AttributeError, TypeError, ValueError):
        pass
    return None
