"""The organization's crisis information for a client's language (see CrisisInformation)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from alliance.prepared import PreparedLookup

from .models import CrisisInformation


def base_language(code: str | None) -> str:
    return (code or settings.LANGUAGE_CODE).split("-")[0].lower()


def crisis_information_for(organization_id: int, language: str | None) -> CrisisInformation | None:
    """The row in the client's language, else the one in the installation's default language,
    else None (the page then says to call the local emergency number). One query."""
    wanted = base_language(language)
    default = base_language(settings.LANGUAGE_CODE)
    rows = {
        row.language: row
        for row in _CRISIS.rows(organization=organization_id, wanted=wanted, default=default)
        if isinstance(row, CrisisInformation)
    }
    return rows.get(wanted) or rows.get(default)


# Read on every client's check-in form (alliance/prepared.py).
_CRISIS = PreparedLookup(
    lambda organization, wanted, default: CrisisInformation.objects.filter(
        Q(language=wanted) | Q(language=default), organization_id=organization
    ),
    organization=int,
    wanted=str,
    default=str,
)
