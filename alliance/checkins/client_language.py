"""The language of a client's pages: the one they chose on an earlier page, else their browser's.

The choice is stored on the Client (not in a cookie): on a shared office tablet the next person
must not inherit it, and it should follow the client to the link of their next session.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from .models import CheckinRequest


def offered() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def chosen(checkin: CheckinRequest) -> str:
    """The language the client picked on a page of theirs, or '' (then the browser decides)."""
    client = checkin.participant.client if checkin.participant.client_id else None
    lang = getattr(client, "language", "") or ""
    return lang if lang in offered() else ""


def activate_for(request: HttpRequest, checkin: CheckinRequest) -> str:
    """Switch this request to the client's own choice, if they made one; returns the language."""
    lang = chosen(checkin)
    if lang:
        translation.activate(lang)
        request.LANGUAGE_CODE = lang  # type: ignore[attr-defined]
    return translation.get_language() or settings.LANGUAGE_CODE


def remember(checkin: CheckinRequest, lang: str) -> bool:
    """Store the client's choice; False for a language the clinic does not offer."""
    if lang not in offered() or not checkin.participant.client_id:
        return False
    client = checkin.participant.client
    if client.language != lang:
        client.language = lang
        client.save(update_fields=["language", "updated_at"])  # audited by the Client model
    return True
